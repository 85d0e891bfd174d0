"""Every write about deals and reviews, and the temperature's change events.
Services flush; the request commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dongne import events
from dongne.chat.models import Conversation
from dongne.chat.service import post_system
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import Conflict, InvalidInput, NotFound
from dongne.kit.i18n import N_
from dongne.listings.models import SOLD, Listing
from dongne.listings.service import access_own_listing_by_id, set_status
from dongne.notifications.service import notify
from dongne.trust.moderation.sanctions import ensure_can_act
from dongne.trust.reviews import queries
from dongne.trust.reviews.models import (
    BAD,
    BUYER,
    MAX_MESSAGE,
    NEGATIVE_ITEMS,
    POSITIVE_ITEMS,
    RATINGS,
    SELLER,
    Deal,
    MannerTemperature,
    Review,
    ReviewItem,
)
from dongne.trust.reviews.temperature import START

# ---- access -----------------------------------------------------------------------


async def access_deal_by_id(ctx: Ctx, deal_id: int) -> Deal:
    """A deal the caller took part in (as seller, or as the buyer picked);
    404 for anyone else."""
    user = ctx.require_user()
    deal = await ctx.db.get(Deal, deal_id)
    if deal is None or user.id not in (deal.seller_id, deal.buyer_id):
        raise NotFound(N_("거래를 찾을 수 없어요."))
    return deal


def counterpart(deal: Deal, user_id: int) -> int | None:
    return deal.buyer_id if user_id == deal.seller_id else deal.seller_id


# ---- 거래완료 ------------------------------------------------------------------------


async def complete_deal(ctx: Ctx, listing_id: int, buyer_id: int | None) -> Deal:
    """The seller marks the listing 거래완료 and says who bought it: one of the
    people who chatted about it, or None for "someone else". Both sides are then
    asked for a review, in their conversation and in a notification."""
    user = ctx.require_user()
    listing = await access_own_listing_by_id(ctx, listing_id)
    conversation: Conversation | None = None
    if buyer_id is not None:
        conversation = await ctx.db.scalar(
            select(Conversation).where(
                Conversation.listing_id == listing.id, Conversation.buyer_id == buyer_id
            )
        )
        if conversation is None:
            raise InvalidInput(
                N_("이 글로 채팅한 사람 중에서 구매자를 골라 주세요."), field="buyer_id"
            )
    deal = await queries.deal_for_listing(ctx.db, listing.id)
    if deal is not None and listing.status == SOLD and deal.buyer_id == buyer_id:
        return deal  # the same answer again: nothing changes
    if deal is not None and deal.buyer_id != buyer_id:
        reviewed = await ctx.db.scalar(select(Review.id).where(Review.deal_id == deal.id).limit(1))
        if reviewed is not None:
            raise Conflict(
                N_("이미 후기를 주고받은 거래라서 구매자를 바꿀 수 없어요."), field="buyer_id"
            )
    if listing.status != SOLD:
        await set_status(ctx, listing.id, SOLD, buyer_id=buyer_id)
    now = utcnow()
    if deal is None:
        deal = Deal(listing_id=listing.id, seller_id=user.id)
        ctx.db.add(deal)
    deal.buyer_id = buyer_id
    deal.conversation_id = conversation.id if conversation else None
    deal.completed_at = now
    await ctx.db.flush()
    ctx.record(
        "deal_completed",
        deal_id=deal.id,
        listing_id=listing.id,
        buyer_id=buyer_id,
        conversation_id=deal.conversation_id,
        price=listing.price,
        is_free=listing.is_free,
    )
    if conversation is not None and buyer_id is not None:
        await post_system(ctx, conversation, "deal_completed", deal_id=deal.id)
        for uid, role in ((buyer_id, BUYER), (user.id, SELLER)):
            await notify(
                ctx.db,
                ctx.svc.hub,
                uid,
                "review_request",
                deal_id=deal.id,
                listing_id=listing.id,
                title=listing.title,
                role=role,
            )
    return deal


# ---- 거래 후기 ------------------------------------------------------------------------


def check_review(rating: str, items: list[str], message: str) -> tuple[list[str], str]:
    """The rules of a review's content; returns the items and the message cleaned."""
    if rating not in RATINGS:
        raise InvalidInput(N_("후기 평가를 골라 주세요."), field="rating")
    allowed = NEGATIVE_ITEMS if rating == BAD else POSITIVE_ITEMS
    unique = list(dict.fromkeys(items))
    if not unique:
        raise InvalidInput(N_("매너 평가 항목을 하나 이상 골라 주세요."), field="items")
    if any(item not in allowed for item in unique):
        raise InvalidInput(N_("고른 평가와 맞지 않는 항목이 있어요."), field="items")
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        raise InvalidInput(N_("후기는 500자 이하로 써 주세요."), field="message")
    return unique, message


async def write_review(
    ctx: Ctx, deal_id: int, rating: str, items: list[str], message: str = ""
) -> Review:
    """A review of the other side of a completed deal: once per person per deal."""
    user = ctx.require_user()
    deal = await access_deal_by_id(ctx, deal_id)
    await _ensure_can_act(ctx)
    reviewee = counterpart(deal, user.id)
    listing = await ctx.db.get(Listing, deal.listing_id)
    if reviewee is None or listing is None or listing.status != SOLD:
        raise Conflict(N_("거래가 완료된 상대에게만 후기를 남길 수 있어요."))
    items, message = check_review(rating, items, message)
    if await ctx.db.scalar(
        select(Review.id).where(Review.deal_id == deal.id, Review.reviewer_id == user.id)
    ):
        raise Conflict(N_("이 거래의 후기는 이미 보냈어요."))
    role = SELLER if user.id == deal.seller_id else BUYER
    review = Review(
        deal_id=deal.id,
        reviewer_id=user.id,
        reviewee_id=reviewee,
        role=role,
        rating=rating,
        message=message,
    )
    try:
        async with ctx.db.begin_nested():
            ctx.db.add(review)
            await ctx.db.flush()
    except IntegrityError:  # the same review, sent twice at once
        raise Conflict(N_("이 거래의 후기는 이미 보냈어요.")) from None
    for item in items:
        ctx.db.add(ReviewItem(review_id=review.id, item=item))
    await ctx.db.flush()
    ctx.record(
        "review_written",
        review_id=review.id,
        deal_id=deal.id,
        listing_id=deal.listing_id,
        reviewee_id=reviewee,
        role=role,
        rating=rating,
        items=items,
        has_message=bool(message),
    )
    await recompute_temperature(ctx.db, reviewee)
    await notify(
        ctx.db,
        ctx.svc.hub,
        reviewee,
        "review_received",
        deal_id=deal.id,
        listing_id=deal.listing_id,
        title=listing.title,
        positive=rating != BAD,
    )
    return review


async def _ensure_can_act(ctx: Ctx) -> None:
    """Suspended and banned people write no reviews (moderation's rule)."""
    await ensure_can_act(ctx.db, ctx.require_user())


# ---- 매너온도 ------------------------------------------------------------------------


async def recompute_temperature(db: AsyncSession, user_id: int) -> None:
    """Compute the user's temperature from the data now; when it differs from
    the value last announced, record ``manner_temperature_changed`` with the old
    and new value. Called after a review and after a sanction."""
    now = utcnow()
    new = await queries.temperature(db, user_id, now)
    row = await db.get(MannerTemperature, user_id)
    old = row.value if row is not None else START
    if row is None:
        row = MannerTemperature(user_id=user_id, value=new, computed_at=now)
        db.add(row)
    else:
        row.value, row.computed_at = new, now
    await db.flush()
    if new != old:
        events.record(db, "manner_temperature_changed", user_id=user_id, old=old, new=new)
