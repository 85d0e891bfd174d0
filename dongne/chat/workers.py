"""The chat's long-lived tasks, one set per worker process, owned by the app:
made when it starts (``app.create_app``'s lifespan), closed by
``Services.close()`` when it stops.

- :class:`GroupCommit` (groupcommit.py) stores the sockets' sends; closing it
  stops taking sends (a late one is refused with a 503 the client retries) and
  stores those already taken, so each is acknowledged or refused, never dropped.
- :class:`WorkerSweep` is the quiet line's safety net of the sockets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import timedelta

from dongne.chat import queries, service
from dongne.chat.groupcommit import GroupCommit
from dongne.context import Services
from dongne.db import utcnow

log = logging.getLogger(__name__)

WORKER_SWEEP_SECONDS = 20.0  # plus up to a quarter more at random
SWEEP_MARGIN = timedelta(seconds=60)  # commits that land late, clocks of other workers


class WorkerSweep:
    """The quiet line's safety net, once per worker rather than once per socket:
    every WORKER_SWEEP_SECONDS one query lists the conversations active lately,
    and their newest seq is offered to this worker's listeners as a notice. A
    connection already there ignores it; one that missed a notice catches up.
    Runs while the worker has sockets open."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.sockets = 0
        self.task: asyncio.Task[None] | None = None

    def join(self) -> None:
        self.sockets += 1
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run(), name="chat-worker-sweep")

    def leave(self) -> None:
        self.sockets -= 1
        if self.sockets <= 0 and self.task is not None:
            self.task.cancel()
            self.task = None

    async def close(self) -> None:
        task, self.task = self.task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        since = utcnow()
        while True:
            await asyncio.sleep(WORKER_SWEEP_SECONDS * (1 + random.random() / 4))
            now = utcnow()
            try:
                async with self.svc.db.sessions() as db:
                    active = await queries.active_since(db, since - SWEEP_MARGIN)
            except Exception:
                log.warning("chat sweep failed; the next one covers this one", exc_info=True)
                continue
            since = now
            for conversation, seq, users in active:
                notice = {"type": "message", "conversation_id": conversation, "seq": seq}
                for user_id in users:
                    self.svc.hub.deliver_local(service.chat_channel(user_id), notice)


class ChatWorkers:
    """The group commit and the sweep of one app (a ``context.Worker``)."""

    def __init__(self, svc: Services) -> None:
        self.group_commit = GroupCommit(svc)
        self.sweep = WorkerSweep(svc)

    async def close(self) -> None:
        """Stores the sends already taken before the app lets go of the database."""
        await self.group_commit.close()
        await self.sweep.close()
