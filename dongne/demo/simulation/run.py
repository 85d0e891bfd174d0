"""The run: the cast, each day's plan, who leaves, and the tidy-up."""

from __future__ import annotations

import functools
import heapq
from datetime import UTC, datetime, timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from dongne.accounts.models import User
from dongne.accounts.schemas import SignupIn
from dongne.accounts.service import set_role, signup
from dongne.context import Ctx, Services
from dongne.db import simulated_clock, utcnow
from dongne.demo import catalogue
from dongne.demo.effects import Effects
from dongne.demo.simulation.people import DEMO_PASSWORD, Resident, Stats, korean_midnight
from dongne.demo.simulation.town import Town
from dongne.geo.models import Neighbourhood


class Simulation(Town):
    # ---- the run ---------------------------------------------------------------------

    async def run(self) -> Stats:
        with simulated_clock(lambda: self.now):
            await self._cast()
            with Progress(
                TextColumn("simulating {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
            ) as bar:
                task = bar.add_task(f"{self.users} residents", total=self.days)
                for day in range(self.days):
                    self._plan_day(day)
                    day_end = self.start + timedelta(days=day + 1)
                    while self.queue and self.queue[0][0] < day_end:
                        when, _, action = heapq.heappop(self.queue)
                        self.now = max(self.now, when)
                        await action()
                    self.now = max(self.now, min(day_end, self.end))
                    self._leave_or_stay()
                    bar.update(task, completed=day + 1)
            await self._tidy()
        return self.stats

    async def _cast(self) -> None:
        async with self.svc.db.sessions() as db:
            places = [
                p for nid in catalogue.NEIGHBOURHOODS if (p := await db.get(Neighbourhood, nid))
            ]
        if not places:
            raise RuntimeError("no neighbourhoods loaded; run `dongne geo load` first")
        e = self.effects
        for n in range(self.users):
            r = self.rng.random()
            speed = (
                "fast"
                if r < e.fast_sellers
                else ("medium" if r < e.fast_sellers + e.medium_sellers else "slow")
            )
            self.residents.append(
                Resident(
                    n=n + 1,
                    email=f"demo{n + 1}@dongne.example",
                    nickname=f"{self.rng.choice(catalogue.ADJECTIVES)}"
                    f"{self.rng.choice(catalogue.NOUNS)}{n + 1}",
                    place=places[n % len(places)],
                    heavy=self.rng.random() < e.heavy_share,
                    speed=speed,
                    # Most are here from the start; the rest arrive over the days.
                    joins_day=0
                    if n < max(1, self.users * 6 // 10) or self.days < 2
                    else self.rng.randrange(1, self.days),
                )
            )
        # demo1 is the person a visitor logs in as: an ordinary, fast-answering resident.
        self.residents[0].joins_day, self.residents[0].speed = 0, "fast"
        # An operator answers reports (and can open the insights).
        async with self.svc.db.sessions() as db:
            self.operator = await db.scalar(select(User.id).where(User.role != "user").limit(1))
        if self.operator is None:
            self.operator = await self._signup_operator()

    async def _signup_operator(self) -> int | None:
        email = "operator@dongne.example"

        async def work(ctx: Ctx) -> int:
            existing = await ctx.db.scalar(select(User).where(User.email == email))
            if existing is None:
                await signup(
                    ctx, SignupIn(email=email, nickname="동네운영자", password=DEMO_PASSWORD)
                )
            user = await set_role(ctx, email, "operator")
            return int(user.id)

        return int(await self.as_user(None, work))

    def _plan_day(self, day: int) -> None:
        e = self.effects
        for res in self.residents:
            if res.joins_day == day:
                self.at(self.daytime(day), functools.partial(self.join, res))
                continue
            if res.left or res.joins_day > day:
                continue
            p_active = 0.85 if res.heavy else 0.45
            if self.rng.random() < p_active:
                weight = e.heavy_weight if res.heavy else 1.0
                self.at(self.daytime(day), functools.partial(self.session, res, weight))

    def _leave_or_stay(self) -> None:
        e = self.effects
        for res in self.residents:
            if res.left or not res.user_id:
                continue
            hazard = e.daily_leave
            if res.negative_review:
                hazard += e.leave_after_negative_review
            if res.unanswered_since is not None and self.now - res.unanswered_since > timedelta(
                days=3
            ):
                hazard += e.leave_after_unanswered_report
            if res.n != 1 and self.rng.random() < hazard:
                res.left = True
                self.stats.left += 1

    async def _tidy(self) -> None:
        """Reminders of appointments already in the past would fire when the
        server starts; they are not needed any more. The past runs to the real
        now, which may be later than the simulated days' end."""
        from sqlalchemy import text

        past = max(self.end, datetime.now(UTC))

        async with self.svc.db.transaction() as db:
            await db.execute(
                text("DELETE FROM scheduled_jobs WHERE run_at < :now AND kind = :kind"),
                {"now": past, "kind": "appointment_reminder"},
            )


async def simulate(
    svc: Services,
    *,
    users: int,
    days: int,
    seed: int,
    console: Console,
    effects: Effects | None = None,
    end: datetime | None = None,
) -> Stats:
    sim = Simulation(
        svc,
        users=users,
        days=days,
        seed=seed,
        effects=effects or Effects(),
        end=end or korean_midnight(utcnow()),
        console=console,
    )
    return await sim.run()
