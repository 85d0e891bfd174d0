"""Reads: the manner temperature from the data, a profile's figures (재거래희망률,
응답률, usual response time, manner item counts, reviews, badges), and the
sale and purchase histories."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.chat.models import Conversation, Participant
from dongne.db import utcnow
from dongne.events import Event
from dongne.kit.errors import NotFound
from dongne.kit.i18n import N_
from dongne.listings.models import SOLD, Listing
from dongne.trust.moderation.queries import sanction_facts
from dongne.trust.reviews.models import (
    BAD,
    NEGATIVE_ITEMS,
    POSITIVE_ITEMS,
    Deal,
    Review,
    ReviewItem,
)
from dongne.trust.reviews.temperature import (
    HORIZON,
    ReviewFact,
    SanctionInput,
    manner_temperature,
)

RESPONSE_WINDOW = timedelta(days=90)
RESPONSE_SAMPLE = 200  # the newest conversations looked at


# ---- the temperature --------------------------------------------------------------


async def review_facts(
    db: AsyncSession, user_ids: Iterable[int], since: datetime
) -> dict[int, list[ReviewFact]]:
    """Reviews each user received since ``since``, with their item counts."""
    ids = list(set(user_ids))
    out: dict[int, list[ReviewFact]] = {uid: [] for uid in ids}
    if not ids:
        return out
    rows = (
        await db.execute(
            select(Review.id, Review.reviewee_id, Review.created_at, Review.rating).where(
                Review.reviewee_id.in_(ids), Review.created_at >= since
            )
        )
    ).all()
    if not rows:
        return out
    items: dict[int, list[str]] = defaultdict(list)
    for review_id, item in await db.execute(
        select(ReviewItem.review_id, ReviewItem.item).where(
            ReviewItem.review_id.in_([r.id for r in rows])
        )
    ):
        items[review_id].append(item)
    for review_id, reviewee_id, created_at, rating in rows:
        named = items.get(review_id, [])
        out[reviewee_id].append(
            ReviewFact(
                at=created_at,
                rating=rating,
                positive_items=sum(1 for i in named if i in POSITIVE_ITEMS),
                negative_items=sum(1 for i in named if i in NEGATIVE_ITEMS),
            )
        )
    return out


async def sanction_inputs(db: AsyncSession, user_id: int, since: datetime) -> list[SanctionInput]:
    """The user's sanctions, through moderation's published read."""
    return [
        SanctionInput(kind=s.kind, at=s.at, days=s.days)
        for s in await sanction_facts(db, user_id, since)
    ]


async def temperatures(
    db: AsyncSession, user_ids: Iterable[int], now: datetime | None = None
) -> dict[int, float]:
    """Each user's manner temperature at ``now``, computed from the data."""
    now = now or utcnow()
    since = now - HORIZON
    facts = await review_facts(db, user_ids, since)
    return {
        uid: manner_temperature(reviews, await sanction_inputs(db, uid, since), now=now)
        for uid, reviews in facts.items()
    }


async def temperature(db: AsyncSession, user_id: int, now: datetime | None = None) -> float:
    return (await temperatures(db, [user_id], now))[user_id]


# ---- a profile's figures ---------------------------------------------------------------


@dataclass(frozen=True)
class Responsiveness:
    """응답률 and the usual response time, from chat events: of the conversations
    buyers opened with this person as seller (last 90 days) in which the buyer
    wrote, the share the seller answered, and the median minutes to the answer."""

    asked: int
    answered: int
    median_minutes: float | None

    @property
    def rate(self) -> int | None:
        return round(100 * self.answered / self.asked) if self.asked else None


async def responsiveness(
    db: AsyncSession, user_id: int, now: datetime | None = None
) -> Responsiveness:
    since = (now or utcnow()) - RESPONSE_WINDOW
    conversations = dict(
        (
            await db.execute(
                select(Conversation.id, Conversation.buyer_id)
                .join(Participant, Participant.conversation_id == Conversation.id)
                .where(
                    Participant.user_id == user_id,
                    Participant.role == "seller",
                    Conversation.created_at >= since,
                )
                .order_by(Conversation.id.desc())
                .limit(RESPONSE_SAMPLE)
            )
        ).all()
    )
    if not conversations:
        return Responsiveness(0, 0, None)

    async def first_messages(user_ids: set[int], role: str) -> dict[int, datetime]:
        """The first message_sent event per conversation, by these users in this role."""
        rows = await db.execute(
            select(Event.occurred_at, Event.properties)
            .where(
                Event.user_id.in_(user_ids),
                Event.name == "message_sent",
                Event.occurred_at >= since,
            )
            .order_by(Event.id)
        )
        first: dict[int, datetime] = {}
        for at, props in rows:
            cid = props.get("conversation_id")
            if props.get("role") == role and cid in conversations and cid not in first:
                first[int(cid)] = at
        return first

    asked = await first_messages(set(conversations.values()), "buyer")
    replies = await first_messages({user_id}, "seller")
    # Only answers after the question count; an answer that came first is an opener.
    waits = [
        (replies[cid] - at).total_seconds() / 60
        for cid, at in asked.items()
        if cid in replies and replies[cid] >= at
    ]
    return Responsiveness(
        asked=len(asked),
        answered=len(waits),
        median_minutes=statistics.median(waits) if waits else None,
    )


def usual_response(minutes: float | None) -> tuple[str, int] | None:
    """보통 N분 이내 응답: rounded up to 10 minutes within the hour, else to hours
    (up to a day); None when slower than a day or unknown."""
    if minutes is None:
        return None
    if minutes <= 60:
        return "minutes", max(10, -(-int(minutes) // 10) * 10)
    hours = -(-int(minutes) // 60)
    return ("hours", hours) if hours <= 24 else None


@dataclass
class ReviewSummary:
    total: int = 0
    positive: int = 0
    item_counts: dict[str, int] = field(default_factory=dict)

    @property
    def rehire_rate(self) -> int | None:
        """재거래희망률: the share of counterparts whose review was good or best."""
        return round(100 * self.positive / self.total) if self.total else None


async def review_summary(db: AsyncSession, user_id: int) -> ReviewSummary:
    ratings = dict(
        (
            await db.execute(
                select(Review.rating, func.count())
                .where(Review.reviewee_id == user_id)
                .group_by(Review.rating)
            )
        ).all()
    )
    items = dict(
        (
            await db.execute(
                select(ReviewItem.item, func.count())
                .join(Review, Review.id == ReviewItem.review_id)
                .where(Review.reviewee_id == user_id)
                .group_by(ReviewItem.item)
            )
        ).all()
    )
    total = sum(int(n) for n in ratings.values())
    return ReviewSummary(
        total=total,
        positive=total - int(ratings.get(BAD, 0)),
        item_counts={k: int(v) for k, v in items.items()},
    )


@dataclass(frozen=True)
class ShownReview:
    """A positive review as the profile shows it (negative ones are never listed)."""

    id: int
    reviewer_id: int
    reviewer_nickname: str
    role: str
    rating: str
    message: str
    created_at: datetime


async def positive_reviews(db: AsyncSession, user_id: int, limit: int = 20) -> list[ShownReview]:
    rows = await db.execute(
        select(Review, User.nickname)
        .join(User, User.id == Review.reviewer_id)
        .where(Review.reviewee_id == user_id, Review.rating != BAD)
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(limit)
    )
    return [
        ShownReview(
            id=r.id,
            reviewer_id=r.reviewer_id,
            reviewer_nickname=nickname or "",
            role=r.role,
            rating=r.rating,
            message=r.message,
            created_at=r.created_at,
        )
        for r, nickname in rows
    ]


async def deal_counts(db: AsyncSession, user_id: int) -> tuple[int, int, int]:
    """(sales completed, purchases completed, sales given away free)."""
    sold = await db.scalar(select(func.count()).select_from(Deal).where(Deal.seller_id == user_id))
    bought = await db.scalar(select(func.count()).select_from(Deal).where(Deal.buyer_id == user_id))
    free = await db.scalar(
        select(func.count())
        .select_from(Deal)
        .join(Listing, Listing.id == Deal.listing_id)
        .where(Deal.seller_id == user_id, Listing.is_free.is_(True), Listing.status == SOLD)
    )
    return int(sold or 0), int(bought or 0), int(free or 0)


# ---- deals and histories ----------------------------------------------------------------


async def deal_for_listing(db: AsyncSession, listing_id: int) -> Deal | None:
    return await db.scalar(select(Deal).where(Deal.listing_id == listing_id))


async def reviewed_deal_ids(db: AsyncSession, reviewer_id: int, deal_ids: list[int]) -> set[int]:
    if not deal_ids:
        return set()
    return set(
        (
            await db.scalars(
                select(Review.deal_id).where(
                    Review.reviewer_id == reviewer_id, Review.deal_id.in_(deal_ids)
                )
            )
        ).all()
    )


async def purchases(db: AsyncSession, buyer_id: int, limit: int = 100) -> list[tuple[Deal, int]]:
    """구매내역: the deals in which this person was the buyer, newest first,
    with their listing ids (listings deleted since stay out)."""
    rows = await db.execute(
        select(Deal, Listing.id)
        .join(Listing, Listing.id == Deal.listing_id)
        .where(Deal.buyer_id == buyer_id, Listing.deleted_at.is_(None))
        .order_by(Deal.completed_at.desc(), Deal.id.desc())
        .limit(limit)
    )
    return [(d, int(i)) for d, i in rows]


async def buyer_candidates(db: AsyncSession, listing_id: int) -> list[tuple[int, str, int]]:
    """Who the seller can pick as the buyer: everyone who chatted about the
    listing, newest activity first, as (user id, nickname, conversation id)."""
    rows = await db.execute(
        select(Conversation.buyer_id, User.nickname, Conversation.id)
        .join(User, User.id == Conversation.buyer_id)
        .where(Conversation.listing_id == listing_id, User.deleted_at.is_(None))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    )
    return [(int(u), n or "", int(c)) for u, n, c in rows]


async def get_user_or_raise(db: AsyncSession, user_id: int) -> User:
    user = await db.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound(N_("사용자를 찾을 수 없어요."))
    return user
