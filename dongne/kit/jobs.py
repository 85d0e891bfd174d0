"""Work that runs after a request has committed, without making it wait.

In-process tasks: they finish before the worker shuts down (graceful stop),
but a crash loses the ones in flight. Fine for keyword alerts, which are
best-effort; the chat reminders, which must survive a restart, get a
persistent queue of their own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Jobs:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, name: str, work: Callable[[], Awaitable[object]]) -> None:
        async def run() -> None:
            try:
                await work()
            except Exception:
                log.exception("background job %s failed", name)

        task = asyncio.create_task(run(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, grace: float = 10.0) -> None:
        """Let running jobs finish (for at most ``grace`` seconds) before shutdown."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=grace)

    @property
    def pending(self) -> int:
        return len(self._tasks)
