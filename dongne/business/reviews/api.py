"""JSON endpoints for business reviews (비즈프로필 후기, /api/v1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from dongne.business.reviews import queries, service
from dongne.business.reviews.schemas import ReplyIn, ReviewIn, ReviewOut, ReviewPage
from dongne.business.service import access_business_by_id
from dongne.kit.ids import Id
from dongne.web import Ctx, CtxDep

router = APIRouter(prefix="/api/v1", tags=["businesses"])

Cursor = Annotated[str | None, Query(max_length=200)]
Limit = Annotated[int, Query(ge=1, le=50)]


async def reviews_page(
    ctx: Ctx, business_id: Id, cursor: str | None, limit: int = queries.PAGE_SIZE
) -> ReviewPage:
    """A page of the shop's reviews for the caller, with whether they may write one."""
    business = await access_business_by_id(ctx, business_id)
    hidden = await queries.hidden_authors(ctx)
    viewer = ctx.user.id if ctx.user is not None else None
    items, more = await queries.review_page(ctx.db, business.id, viewer, hidden, cursor, limit)
    refusal = await service.writing_refusal(ctx, business)
    mine = await queries.my_review(ctx.db, business.id, viewer) if viewer is not None else None
    return ReviewPage(
        count=await queries.review_count(ctx.db, business.id, hidden),
        items=items,
        next_cursor=more,
        can_write=refusal is None,
        cannot_write_reason=refusal.text() if refusal is not None else None,
        my_review=mine,
    )


@router.get("/businesses/{business_id}/reviews")
async def reviews(
    business_id: Id, ctx: CtxDep, cursor: Cursor = None, limit: Limit = queries.PAGE_SIZE
) -> ReviewPage:
    """후기: newest first, ``limit`` a page (``next_cursor`` for the next one).
    Reviews by people blocked either way are left out for the caller."""
    return await reviews_page(ctx, business_id, cursor, limit)


@router.post(
    "/businesses/{business_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "The caller's review was edited"}},
)
async def write(business_id: Id, data: ReviewIn, ctx: CtxDep, response: Response) -> ReviewOut:
    """Write a review (10–500 characters): neighbours whose verified range covers
    the shop, not its owner or staff. One per person: writing again edits it (200)."""
    review, created = await service.write_review(ctx, business_id, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    return await queries.review_out(ctx.db, review, ctx.require_user().id)


@router.get("/businesses/{business_id}/reviews/{review_id}")
async def review(business_id: Id, review_id: Id, ctx: CtxDep) -> ReviewOut:
    await access_business_by_id(ctx, business_id)
    found = await service.access_review_by_id(ctx, business_id, review_id)
    return await queries.review_out(ctx.db, found, ctx.user.id if ctx.user else None)


@router.delete(
    "/businesses/{business_id}/reviews/{review_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete(business_id: Id, review_id: Id, ctx: CtxDep) -> Response:
    """The author deletes their review, with the shop's reply to it."""
    await service.delete_review(ctx, business_id, review_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/businesses/{business_id}/reviews/{review_id}/reply")
async def reply(business_id: Id, review_id: Id, data: ReplyIn, ctx: CtxDep) -> ReviewOut:
    """사장님 답글: the owner or staff answer once (1–500 characters), under their
    own name; sending again edits the answer."""
    found = await service.reply_to_review(ctx, business_id, review_id, data)
    return await queries.review_out(ctx.db, found, ctx.require_user().id)
