"""Group commit for the sends of a worker's sockets.

Each send over a socket used to be a transaction of its own: a connection from
the pool (checked with a ping, itself a transaction on PostgreSQL), BEGIN, the
statements, COMMIT, and the ORM session around them: more CPU than the message.
Here the sends that arrive while one transaction is being stored wait for the
next, and each transaction stores every send waiting (up to :data:`MAX_BATCH`):
the same statements per message, the rest once per batch. Nothing waits for a
timer: a lone send is stored at once, and under load the batches grow. Up to
:data:`LANES` batches are stored at once (one on SQLite, which has one writer).

What a send is promised does not change. Each message is stored with its seq in
one transaction (its batch's), and its sender is acknowledged, and anyone told,
only after that transaction commits. A send refused by a check (404, 422, 403,
429…) is refused alone: checks write nothing (:func:`service.check_send`). An
unexpected error in one send's checks or statements fails that send alone: the
transaction is rolled back and the others are stored again without it. If the
batch itself fails (its connection, its commit), it rolls back and every send
in it gets the error, as a lone failed send did, and its client retries; the client id keeps a retry from
storing twice. A socket has one send in flight at a time, so its sends stay in
order; every batch takes the conversations' row locks in id order, so two
batches (of this worker or another) cannot deadlock on them.

When the app stops (:meth:`GroupCommit.close`), sends already taken are still
stored, and acknowledged after the commit; a send that arrives later is refused
with :class:`ShuttingDown` (503), which its client retries on another worker or
after the restart. If storing does not finish in :data:`DRAIN_SECONDS`, what
is left is refused the same way; a retry that finds its message stored after all
is acknowledged with it (the client id), so nothing is stored twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.chat import service
from dongne.chat.models import Message
from dongne.chat.service.sending import PLAIN, PlainConnection, limit_sends
from dongne.context import Ctx, Services
from dongne.db import discard_after_commit, run_after_commit
from dongne.kit.errors import DomainError
from dongne.kit.i18n import N_

log = logging.getLogger(__name__)

MAX_BATCH = 64
LANES = 4
DRAIN_SECONDS = 20.0  # at shutdown, for the sends already taken to be stored


class ShuttingDown(DomainError):
    """The worker is stopping: the send was not stored; send it again."""

    status = 503
    code = "shutting_down"
    message = N_("서버를 다시 시작하고 있어요. 잠시 후 다시 보내 주세요.")


class BatchRolledBack(Exception):
    """Another send of the batch failed while storing: nothing of it was stored."""


class _Excluded(Exception):
    """One send failed on its own and has its answer: its batch's transaction is
    rolled back (it may be unusable) and the others are stored without it."""


@dataclass
class Send:
    user: User
    client_ip: str
    conversation_id: int
    client_id: str
    body: str
    photo_id: int | None
    done: asyncio.Future[Message] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupCommit:
    """One per worker, owned by the app (chat.workers.ChatWorkers): the tasks
    that store what waits."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.waiting: list[Send] = []
        # Batches stored at once, each on its own connection: a batch spends most of
        # its time waiting for the database, so one lane alone leaves the worker idle.
        # SQLite has one writer: one lane.
        self.lanes = 1 if svc.db.dialect == "sqlite" else LANES
        self.running = 0
        self.lanes_running: set[asyncio.Task[None]] = set()
        self.publishing: asyncio.Task[None] | None = None
        self.closing = False
        self.drain_seconds = DRAIN_SECONDS

    async def send(self, send: Send) -> Message:
        """The stored message (new, or the one a retry had stored), once committed."""
        if self.closing:
            raise ShuttingDown()
        self.waiting.append(send)
        if self.running < self.lanes:
            self.running += 1
            lane = asyncio.create_task(self._lane(), name="chat-group-commit")
            self.lanes_running.add(lane)  # a reference, so the task is not collected
            lane.add_done_callback(self.lanes_running.discard)
        return await send.done

    async def close(self) -> None:
        """Take no more sends; store those taken (each is then acknowledged, or
        refused so its client retries) and ring their doorbells, then return.
        Called again, it returns at once."""
        if self.closing:
            return
        self.closing = True
        lanes = set(self.lanes_running)
        if lanes:
            log.info("chat: storing the sends taken before stopping (%d batches)", len(lanes))
            _done, stuck = await asyncio.wait(lanes, timeout=self.drain_seconds)
            if stuck:
                log.warning("chat: %d batches not stored in time; refused", len(stuck))
                waiting, self.waiting = self.waiting, []
                for send in waiting:  # never taken into a batch
                    if not send.done.done():
                        send.done.set_exception(ShuttingDown())
                for lane in stuck:  # its batch rolls back; its sends are refused
                    lane.cancel()
                await asyncio.wait(stuck, timeout=self.drain_seconds)
        if self.publishing is not None:
            await asyncio.wait([self.publishing], timeout=self.drain_seconds)

    async def _lane(self) -> None:
        """Store what waits, a batch at a time, until nothing does."""
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                try:
                    await self._store(batch)
                except Exception as exc:  # even the rollback failed: answer every send
                    log.warning("chat group commit failed", exc_info=True)
                    for send in batch:
                        if not send.done.done():
                            send.done.set_exception(BatchRolledBack(str(exc)))
        finally:
            self.running -= 1

    async def _store(self, batch: list[Send]) -> None:
        """Store the batch; a send that fails on its own (an unexpected error in
        its checks or statements) fails alone, and the rest are stored again
        without it: each round answers at least one send, so this ends."""
        while batch:
            try:
                await self._store_once(batch)
                return
            except _Excluded:
                batch = [send for send in batch if not send.done.done()]

    async def _store_once(self, batch: list[Send]) -> None:
        stored: list[tuple[Send, Message]] = []
        async with self.svc.db.sessions() as db:
            try:
                if self.svc.db.dialect == "postgresql":  # its sends' two statements
                    db.info[PLAIN] = await PlainConnection.of(await db.connection())
                checked = await self._check(db, batch, stored)
                checked.sort(key=lambda item: item[2].conversation_id)  # lock order
                for send, ctx, ready in checked:
                    try:
                        message, _created = await service.store_send(ctx, ready)
                    except Exception as exc:
                        send.done.set_exception(exc)  # its own error; the others again
                        raise _Excluded() from exc
                    stored.append((send, message))
                db.info.pop(PLAIN, None)
                await db.commit()
            except Exception as exc:
                db.info.pop(PLAIN, None)
                discard_after_commit(db)
                with contextlib.suppress(Exception):  # the connection may be gone
                    await db.rollback()
                if isinstance(exc, _Excluded):
                    raise
                # Nothing of the batch was stored: every send not yet answered fails
                # as a lone send whose transaction failed does (its client retries).
                for send in batch:
                    if not send.done.done():
                        send.done.set_exception(BatchRolledBack(str(exc)))
                return
            except BaseException:  # cancelled (shutdown): nothing of the batch was stored
                for send in batch:
                    if not send.done.done():
                        send.done.set_exception(ShuttingDown())
                raise
        for send, message in stored:
            if not send.done.done():
                send.done.set_result(message)
        # The doorbells, in commit order, while the next batch is being stored.
        self.publishing = asyncio.create_task(self._publish(self.publishing, db))

    async def _check(
        self, db: AsyncSession, batch: list[Send], stored: list[tuple[Send, Message]]
    ) -> list[tuple[Send, Ctx, service.CheckedSend]]:
        """Every send's checks; the refused are answered now, retries go to ``stored``.
        The rate-limit hits go out together (one round trip when the counters are
        in Redis)."""
        checked: list[tuple[Send, Ctx, service.CheckedSend]] = []
        for send in batch:
            ctx = Ctx(svc=self.svc, db=db, user=send.user, client_ip=send.client_ip)
            try:
                found = await service.check_send(
                    ctx,
                    send.conversation_id,
                    send.client_id,
                    body=send.body,
                    photo_id=send.photo_id,
                    limit=False,
                )
            except DomainError as exc:  # refused: this send alone
                send.done.set_exception(exc)
                continue
            except Exception as exc:  # ours, but this send's alone: the others go on
                log.warning("chat send check failed", exc_info=True)
                send.done.set_exception(exc)
                raise _Excluded() from exc
            if isinstance(found, Message):  # a retry: acknowledged after commit
                stored.append((send, found))
            else:
                checked.append((send, ctx, found))
        limited = await limit_sends([ctx for _, ctx, _ in checked])
        allowed = []
        for item, outcome in zip(checked, limited, strict=True):
            if outcome is not None:
                item[0].done.set_exception(outcome)  # over the limit: this send alone
            else:
                allowed.append(item)
        return allowed

    @staticmethod
    async def _publish(before: asyncio.Task[None] | None, db: AsyncSession) -> None:
        if before is not None:
            await asyncio.wait([before])  # in commit order; never raises
        await run_after_commit(db)
