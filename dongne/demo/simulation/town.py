"""The town's plumbing (clock, queue of moments) and what residents do."""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from rich.console import Console
from sqlalchemy import select

from dongne.accounts.models import User
from dongne.accounts.schemas import SignupIn
from dongne.accounts.service import set_range, signup, verify_neighbourhood
from dongne.chat.service import send_message, set_appointment, start_conversation
from dongne.context import Ctx, Services
from dongne.db import utcnow
from dongne.demo import catalogue
from dongne.demo.effects import Effects
from dongne.demo.simulation.people import (
    DEMO_PASSWORD,
    KST,
    REPLY_MINUTES,
    Action,
    Resident,
    Stats,
    as_person,
)
from dongne.listings import queries
from dongne.listings.schemas import ListingIn
from dongne.listings.service import (
    access_listing_by_id,
    browse_range,
    create_listing,
    feed_viewed,
    record_view,
    searched,
    set_like,
)
from dongne.trust.moderation.service import file_report, moderate
from dongne.trust.reviews.models import NEGATIVE_ITEMS, POSITIVE_ITEMS
from dongne.trust.reviews.service import complete_deal, write_review


class Town:
    """The simulated town: its clock and queue of moments, its residents, and what
    they do (:class:`dongne.demo.simulation.run.Simulation` plans their days)."""

    def __init__(
        self,
        svc: Services,
        *,
        users: int,
        days: int,
        seed: int,
        effects: Effects,
        end: datetime,
        console: Console,
    ) -> None:
        self.svc = svc
        self.rng = random.Random(seed)
        self.effects = effects
        self.days = days
        self.users = users
        self.start = end - timedelta(days=days)
        self.end = end
        self.now = self.start
        self.console = console
        self.queue: list[tuple[datetime, int, Action]] = []
        self.counter = itertools.count()
        self.residents: list[Resident] = []
        self.by_id: dict[int, Resident] = {}
        self.operator: int | None = None
        self.stats = Stats()

    # ---- plumbing ------------------------------------------------------------------

    def at(self, when: datetime, action: Action) -> None:
        if when < self.end:
            heapq.heappush(self.queue, (when, next(self.counter), action))

    async def as_user(self, user_id: int | None, work: Callable[[Ctx], Awaitable[Any]]) -> Any:
        return await as_person(self.svc, user_id, work, self.stats.skipped)

    def daytime(self, day: int) -> datetime:
        """A moment between 08:00 and 23:00 in Korea on simulated day ``day``."""
        midnight_kst = (self.start + KST).replace(hour=0, minute=0, second=0, microsecond=0)
        minutes = self.rng.randint(8 * 60, 23 * 60)
        return midnight_kst - KST + timedelta(days=day, minutes=minutes)

    # ---- what residents do ------------------------------------------------------------

    async def join(self, res: Resident) -> None:
        async def work(ctx: Ctx) -> int:
            existing = await ctx.db.scalar(select(User).where(User.email == res.email))
            if existing is not None:
                return int(existing.id)
            user = await signup(
                ctx, SignupIn(email=res.email, nickname=res.nickname, password=DEMO_PASSWORD)
            )
            ctx.user = user
            await verify_neighbourhood(ctx, res.place.id, res.place.latitude, res.place.longitude)
            await set_range(ctx, res.place.id, self.rng.choice([1, 2, 3]))
            return int(user.id)

        uid = await self.as_user(None, work)
        if uid is None:
            return
        res.user_id = uid
        self.by_id[uid] = res
        self.stats.residents += 1
        for _ in range(2):
            await self.post(res)

    async def post(self, res: Resident) -> None:
        e = self.effects
        category = self.rng.choice(sorted(catalogue.TITLES))
        title = self.rng.choice(catalogue.TITLES[category])
        free = self.rng.random() < 0.06
        factor = math.exp(self.rng.gauss(0, e.price_sigma))
        price = 0 if free else int(round(e.typical_prices[category] * factor, -3)) or 1000
        data = ListingIn(
            title=title,
            description=self.rng.choice(catalogue.DESCRIPTIONS),
            category=category,
            price=price,
            is_free=free,
            accepts_offers=self.rng.random() < 0.4,
        )

        async def work(ctx: Ctx) -> None:
            await create_listing(ctx, data)

        await self.as_user(res.user_id, work)
        self.stats.listings += 1

    async def session(self, res: Resident, weight: float) -> None:
        """One visit: the feed, maybe a search, a few listings, maybe a chat."""
        e = self.effects
        if res.left:
            return
        rng = self.rng
        searching = rng.random() < 0.45
        query = None
        if searching:
            if rng.random() < e.unmet_search:
                terms = e.unmet_terms
                # the first planted term is searched most often
                query = terms[0] if rng.random() < 0.7 else rng.choice(terms[1:] or terms)
            else:
                query = rng.choice(catalogue.SEARCHES)
        views = rng.randint(1, 3)
        likes = [rng.random() < 0.15 for _ in range(views)]
        wants = rng.random() < min(0.9, 0.3 * weight)
        posts = rng.random() < min(0.9, 0.07 * weight)
        reports = rng.random() < e.report_per_active_day
        pick = rng.random()

        async def work(ctx: Ctx) -> list[int]:
            place = await browse_range(ctx)
            feed = await queries.feed_page(ctx, place, None, False, False, None)
            feed_viewed(ctx, feed, None, None)
            ids = [c.id for c in feed.page.items if c.status == "selling"]
            if query is not None:
                found = await queries.search_page(ctx, place, query, None, False, False, None)
                await searched(ctx, found, query, None, None)
                ids = [c.id for c in found.page.items if c.status == "selling"] or ids
            seen = []
            for i, listing_id in enumerate(ids[:views]):
                listing = await access_listing_by_id(ctx, listing_id, place)
                await record_view(ctx, listing)
                if listing.seller_id != res.user_id:
                    seen.append((listing.id, listing.chat_count, listing.seller_id))
                    if likes[i]:
                        await set_like(ctx, listing, True)
            # Prefer a listing nobody has asked about yet.
            fresh = [s for s in seen if s[1] == 0]
            return [s[0] for s in (fresh or seen)]

        if query is not None:
            self.stats.searches += 1
        candidates = await self.as_user(res.user_id, work) or []
        if posts:
            await self.post(res)
        if wants and candidates:
            listing_id = candidates[int(pick * len(candidates))]
            await self.start_chat(res, listing_id)
        if reports and candidates:
            await self.report(res, candidates[0])

    async def start_chat(self, buyer: Resident, listing_id: int) -> None:
        rng = self.rng
        opener = rng.choice(catalogue.BUYER_OPENERS)
        tag = next(self.counter)

        async def work(ctx: Ctx) -> tuple[int, int] | None:
            conversation = await start_conversation(ctx, listing_id)
            if conversation.last_seq > 0:
                return None  # asked before
            await send_message(ctx, conversation.id, f"sim-{tag}", body=opener)
            return conversation.id, conversation.seller_id

        started = await self.as_user(buyer.user_id, work)
        if started is None:
            return
        self.stats.conversations += 1
        conversation_id, seller_id = started
        seller = self.by_id.get(seller_id)
        if seller is None or seller.left or rng.random() < self.effects.no_answer:
            return  # no answer ever comes
        delay = self.reply_delay(seller.speed)
        sale = rng.random() < self.effects.sale_probability(delay.total_seconds())
        self.at(
            self.now + delay,
            lambda: self.seller_replies(seller, buyer, conversation_id, listing_id, sale),
        )

    def reply_delay(self, speed: str) -> timedelta:
        """How long this seller takes this time: habits, not certainties."""
        rng = self.rng
        shares = self.effects.reply_habits[speed]
        r, bucket = rng.random(), len(shares) - 1
        for i, cumulative in enumerate(itertools.accumulate(shares)):
            if r < cumulative:
                bucket = i
                break
        low, high = REPLY_MINUTES[bucket]
        return timedelta(minutes=rng.uniform(low, high))

    async def seller_replies(
        self, seller: Resident, buyer: Resident, conversation_id: int, listing_id: int, sale: bool
    ) -> None:
        rng = self.rng
        reply = rng.choice(catalogue.SELLER_REPLIES)
        tag = next(self.counter)
        meet_in = timedelta(hours=rng.uniform(3, 30))
        place = rng.choice(catalogue.MEETING_PLACES)

        async def work(ctx: Ctx) -> bool:
            await send_message(ctx, conversation_id, f"sim-{tag}", body=reply)
            if not sale:
                return False
            await set_appointment(ctx, conversation_id, utcnow() + meet_in, place, True)
            return True

        agreed = await self.as_user(seller.user_id, work)
        if not agreed:
            return
        follow_up = rng.choice(catalogue.BUYER_FOLLOW_UPS)
        tag2 = next(self.counter)

        async def answer(ctx: Ctx) -> None:
            await send_message(ctx, conversation_id, f"sim-{tag2}", body=follow_up)

        self.at(
            self.now + timedelta(minutes=rng.uniform(1, 20)),
            lambda: self.as_user(buyer.user_id, answer),
        )
        self.at(
            self.now + meet_in + timedelta(minutes=rng.uniform(20, 90)),
            lambda: self.complete(seller, buyer, listing_id),
        )

    async def complete(self, seller: Resident, buyer: Resident, listing_id: int) -> None:
        async def work(ctx: Ctx) -> int:
            deal = await complete_deal(ctx, listing_id, buyer.user_id)
            return int(deal.id)

        deal_id = await self.as_user(seller.user_id, work)
        if deal_id is None:
            return
        self.stats.deals += 1
        rng = self.rng
        for reviewer, reviewee, chance in ((buyer, seller, 0.75), (seller, buyer, 0.55)):
            if rng.random() < chance:
                bad = rng.random() < self.effects.negative_review
                self.at(
                    self.now + timedelta(hours=rng.uniform(0.5, 20)),
                    functools.partial(self.review, reviewer, reviewee, deal_id, bad),
                )

    async def review(self, reviewer: Resident, reviewee: Resident, deal_id: int, bad: bool) -> None:
        if reviewer.left:
            return
        rng = self.rng
        rating = "bad" if bad else rng.choice(["best", "good"])
        pool = sorted(NEGATIVE_ITEMS if bad else POSITIVE_ITEMS)
        items = rng.sample(pool, rng.randint(1, 2))

        async def work(ctx: Ctx) -> bool:
            await write_review(ctx, deal_id, rating, items, "")
            return True

        if await self.as_user(reviewer.user_id, work):
            self.stats.reviews += 1
            if bad:
                reviewee.negative_review = True

    async def report(self, reporter: Resident, listing_id: int) -> None:
        async def work(ctx: Ctx) -> int:
            report = await file_report(ctx, "listing", listing_id, "pro_seller", "")
            return int(report.id)

        report_id = await self.as_user(reporter.user_id, work)
        if report_id is None:
            return
        self.stats.reports += 1
        if self.rng.random() < self.effects.report_answered and self.operator is not None:
            self.at(
                self.now + timedelta(hours=self.rng.uniform(1, 20)),
                lambda: self.answer_report(report_id),
            )
        elif reporter.unanswered_since is None:
            reporter.unanswered_since = self.now

    async def answer_report(self, report_id: int) -> None:
        async def work(ctx: Ctx) -> None:
            await moderate(ctx, report_id, "dismiss", "pro_seller", "")

        await self.as_user(self.operator, work)
