"""The time: ``utcnow()`` for every row and event, which the demo simulation
can replace for the tasks it runs (:func:`simulated_clock`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("dongne_clock", default=None)


def utcnow() -> datetime:
    clock = _clock.get()
    return clock() if clock is not None else datetime.now(UTC)


@contextmanager
def simulated_clock(now: Callable[[], datetime]) -> Iterator[None]:
    """Within this block (this task and those it starts) ``utcnow()`` asks
    ``now``: the demo simulation lives through days in seconds, and every row
    and event it writes carries the simulated time."""
    token = _clock.set(now)
    try:
        yield
    finally:
        _clock.reset(token)
