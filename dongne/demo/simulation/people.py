"""The residents, the run's tally, and doing one thing as a person."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dongne.accounts.models import User
from dongne.context import Ctx, Services, job_ctx
from dongne.geo.models import Neighbourhood
from dongne.kit.errors import DomainError

DEMO_PASSWORD = "dongne-demo-1234"  # noqa: S105 - printed to the person running the demo
KST = timedelta(hours=9)
# The minutes of each response-time bucket (the insight's own): < 5 min,
# 5–30 min, 30 min–2 h, > 2 h (up to 10 h).
REPLY_MINUTES = [(0.5, 4.8), (5.5, 29), (31, 118), (125, 600)]


@dataclass
class Resident:
    n: int
    email: str
    nickname: str
    place: Neighbourhood
    heavy: bool
    speed: str  # fast | medium | slow
    joins_day: int
    user_id: int = 0
    left: bool = False
    negative_review: bool = False
    unanswered_since: datetime | None = None


@dataclass
class Stats:
    residents: int = 0
    listings: int = 0
    conversations: int = 0
    deals: int = 0
    reviews: int = 0
    reports: int = 0
    searches: int = 0
    left: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


Action = Callable[[], Awaitable[None]]


def korean_midnight(moment: datetime) -> datetime:
    """The last midnight in Korea at or before ``moment``: where the simulated
    days end unless the caller says otherwise. Were they to end at the minute
    of the run, residents' 08:00–23:00 would straddle the simulated days (the
    moments planned before a day began run late, bunched at its start), and
    what happens, so what the insights find, would change with the hour the
    command is run (tests/demo/test_planted_effects.py passed or failed by
    the clock)."""
    local = moment + KST
    return local.replace(hour=0, minute=0, second=0, microsecond=0) - KST


async def as_person(
    svc: Services,
    user_id: int | None,
    work: Callable[[Ctx], Awaitable[Any]],
    skipped: dict[str, int] | None = None,
) -> Any:
    """One unit of work as a person, the way a request would do it; a domain error
    (a rule said no) rolls the work back, is counted in ``skipped`` and gives None."""
    try:
        async with job_ctx(svc) as ctx:
            if user_id is not None:
                ctx.user = await ctx.db.get(User, user_id)
            return await work(ctx)
    except DomainError as exc:
        if skipped is not None:
            key = type(exc).__name__
            skipped[key] = skipped.get(key, 0) + 1
        return None
