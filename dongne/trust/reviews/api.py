"""Deals, reviews and profiles as JSON (/api/v1)."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, status
from sqlalchemy import select

from dongne.context import Ctx
from dongne.kit.errors import NotFound
from dongne.kit.i18n import N_
from dongne.kit.ids import Id
from dongne.listings.models import Listing
from dongne.listings.service import access_own_listing_by_id
from dongne.trust.reviews import queries, service
from dongne.trust.reviews.models import Deal, Review, ReviewItem
from dongne.trust.reviews.profile import profile as profile_of
from dongne.trust.reviews.schemas import (
    DealIn,
    DealOut,
    ProfileOut,
    PurchaseOut,
    ReviewIn,
    ReviewOut,
)
from dongne.web import CtxDep

router = APIRouter(prefix="/api/v1", tags=["trust"])


async def deal_out(ctx: Ctx, deal: Deal) -> DealOut:
    user = ctx.require_user()
    reviewed = await queries.reviewed_deal_ids(ctx.db, user.id, [deal.id])
    return DealOut(
        id=deal.id,
        listing_id=deal.listing_id,
        seller_id=deal.seller_id,
        buyer_id=deal.buyer_id,
        conversation_id=deal.conversation_id,
        completed_at=deal.completed_at,
        reviewed_by_me=deal.id in reviewed,
    )


@router.post("/listings/{listing_id}/deal")
async def complete_deal(listing_id: Id, data: DealIn, ctx: CtxDep) -> DealOut:
    """거래완료: mark the listing sold to one of the people who chatted about it
    (``buyer_id``), or to someone else (null). Both sides are asked for a review."""
    deal = await service.complete_deal(ctx, listing_id, data.buyer_id)
    return await deal_out(ctx, deal)


@router.get("/listings/{listing_id}/deal")
async def get_deal(listing_id: Id, ctx: CtxDep) -> DealOut:
    """The listing's deal, for its seller or its buyer."""
    deal = await queries.deal_for_listing(ctx.db, listing_id)
    if deal is not None:
        with suppress(NotFound):
            return await deal_out(ctx, await service.access_deal_by_id(ctx, deal.id))
    # Strangers get the same 404 whether or not the listing has a deal.
    await access_own_listing_by_id(ctx, listing_id)
    raise NotFound(N_("거래를 찾을 수 없어요."))


@router.post("/deals/{deal_id}/reviews", status_code=status.HTTP_201_CREATED)
async def write_review(deal_id: Id, data: ReviewIn, ctx: CtxDep) -> ReviewOut:
    """A review of the other side of the deal: once per person per deal."""
    review = await service.write_review(ctx, deal_id, data.rating, data.items, data.message)
    items = list(
        (
            await ctx.db.scalars(select(ReviewItem.item).where(ReviewItem.review_id == review.id))
        ).all()
    )
    return _review_out(review, items)


def _review_out(review: Review, items: list[str]) -> ReviewOut:
    return ReviewOut(
        id=review.id,
        deal_id=review.deal_id,
        reviewee_id=review.reviewee_id,
        role=review.role,
        rating=review.rating,
        items=items,
        message=review.message,
        created_at=review.created_at,
    )


@router.get("/users/{user_id}/profile")
async def profile(user_id: Id, ctx: CtxDep) -> ProfileOut:
    """매너온도, 재거래희망률, 응답률, badges, 받은 매너 평가 and 받은 거래 후기."""
    return await profile_of(ctx.db, user_id, ctx.user.id if ctx.user else None)


@router.get("/me/purchases")
async def purchases(ctx: CtxDep) -> list[PurchaseOut]:
    """구매내역: what I bought, newest first, and whether I reviewed the seller."""
    user = ctx.require_user()
    rows = await queries.purchases(ctx.db, user.id)
    reviewed = await queries.reviewed_deal_ids(ctx.db, user.id, [d.id for d, _ in rows])
    titles = dict(
        (
            await ctx.db.execute(
                select(Listing.id, Listing.title).where(Listing.id.in_([i for _, i in rows]))
            )
        ).all()
    )
    return [
        PurchaseOut(
            deal_id=d.id,
            listing_id=i,
            title=titles.get(i, ""),
            seller_id=d.seller_id,
            completed_at=d.completed_at,
            reviewed=d.id in reviewed,
        )
        for d, i in rows
    ]
