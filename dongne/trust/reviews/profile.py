"""A person's profile as everyone sees it: 매너온도 with its band, 재거래희망률,
응답률 and the usual response time, badges, 받은 매너 평가 and 받은 거래 후기."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import UserNeighbourhood
from dongne.db import utcnow
from dongne.geo.models import Neighbourhood
from dongne.kit.i18n import N_, gettext
from dongne.trust.reviews.models import NEGATIVE_ITEMS, POSITIVE_ITEMS
from dongne.trust.reviews.queries import (
    Responsiveness,
    ReviewSummary,
    deal_counts,
    get_user_or_raise,
    positive_reviews,
    responsiveness,
    review_summary,
    temperature,
    usual_response,
)
from dongne.trust.reviews.schemas import BadgeOut, ProfileOut, ShownReviewOut
from dongne.trust.reviews.temperature import band

BADGES: dict[str, str] = {
    "first_deal": N_("첫 거래"),
    "ten_deals": N_("거래 10회"),
    "kind": N_("친절한 이웃"),
    "quick": N_("빠른 응답"),
    "sharing": N_("나눔 이웃"),
}


def badges(
    deals: int, free_given: int, summary: ReviewSummary, response: Responsiveness
) -> list[str]:
    """Badges earned, from the same figures the profile shows."""
    out = []
    if deals >= 1:
        out.append("first_deal")
    if deals >= 10:
        out.append("ten_deals")
    if summary.item_counts.get("kind", 0) >= 3:
        out.append("kind")
    if (
        response.asked >= 3
        and (response.rate or 0) >= 90
        and response.median_minutes is not None
        and response.median_minutes <= 10
    ):
        out.append("quick")
    if free_given >= 1:
        out.append("sharing")
    return out


async def profile(db: AsyncSession, user_id: int, viewer_id: int | None) -> ProfileOut:
    user = await get_user_or_raise(db, user_id)
    now = utcnow()
    value = await temperature(db, user.id, now)
    summary = await review_summary(db, user.id)
    response = await responsiveness(db, user.id, now)
    sold, bought, free = await deal_counts(db, user.id)
    usual = usual_response(response.median_minutes)
    home = await db.scalar(
        select(Neighbourhood.name)
        .join(UserNeighbourhood, UserNeighbourhood.neighbourhood_id == Neighbourhood.id)
        .where(UserNeighbourhood.user_id == user.id, UserNeighbourhood.is_active.is_(True))
    )
    shown_items = {
        k: v
        for k, v in summary.item_counts.items()
        if k in POSITIVE_ITEMS or (viewer_id == user.id and k in NEGATIVE_ITEMS)
    }
    return ProfileOut(
        id=user.id,
        nickname=user.nickname or "",
        neighbourhood=home,
        joined_at=user.created_at,
        manner_temperature=value,
        band=band(value).code,
        rehire_rate=summary.rehire_rate,
        review_count=summary.total,
        satisfied_count=summary.positive,
        response_rate=response.rate,
        usual_response_minutes=(usual[1] * (60 if usual[0] == "hours" else 1)) if usual else None,
        sales=sold,
        purchases=bought,
        badges=[
            BadgeOut(code=code, name=gettext(BADGES[code]))
            for code in badges(sold + bought, free, summary, response)
        ],
        manner_items=shown_items,
        reviews=[ShownReviewOut(**vars(r)) for r in await positive_reviews(db, user.id)],
    )
