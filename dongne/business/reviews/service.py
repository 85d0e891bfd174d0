"""Every write about business reviews: a neighbour's review (written once,
edited by writing again, deleted by its author) and the shop's one reply.
Services flush; the request commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dongne.business.models import Business
from dongne.business.reviews.models import BusinessReview
from dongne.business.reviews.queries import hidden_authors, inquired_authors
from dongne.business.reviews.schemas import ReplyIn, ReviewIn
from dongne.business.service import (
    access_managed_business_by_id,
    get_business_or_raise,
    member_role,
)
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import Conflict, DomainError, NotFound, PermissionDenied
from dongne.kit.i18n import N_
from dongne.listings.service import active_home, in_range
from dongne.trust.moderation.sanctions import ensure_can_act


class NotNeighbour(PermissionDenied):
    code = "not_a_neighbour"
    message = N_("이 가게 근처 동네를 인증한 이웃만 후기를 남길 수 있어요.")


class OwnBusiness(PermissionDenied):
    code = "own_business"
    message = N_("내 가게에는 후기를 남길 수 없어요.")


class NotTheAuthor(PermissionDenied):
    code = "not_the_author"
    message = N_("내가 쓴 후기만 지울 수 있어요.")


REVIEW_NOT_FOUND = N_("후기를 찾을 수 없어요.")


# ---- access -------------------------------------------------------------------------


async def _ensure_can_act(ctx: Ctx) -> None:
    """Suspended and banned people write no reviews (moderation's rule)."""
    await ensure_can_act(ctx.db, ctx.require_user())


async def access_reviewable_business_by_id(ctx: Ctx, business_id: int) -> Business:
    """A business the caller may review: they live near it (a current verified
    neighbourhood whose range covers the shop's, the news feed's rule), they do
    not act for it, and they are not sanctioned."""
    user = ctx.require_user()
    business = await get_business_or_raise(ctx.db, business_id)
    if await member_role(ctx.db, business.id, user.id) is not None:
        raise OwnBusiness()
    home = await active_home(ctx)
    if home is None:
        raise NotNeighbour()
    if not home.link.is_verified(ctx.svc.settings.verification_days) or not await in_range(
        ctx.db, *home.browse_range, business.neighbourhood_id
    ):
        raise NotNeighbour()
    await _ensure_can_act(ctx)
    return business


async def writing_refusal(ctx: Ctx, business: Business) -> DomainError | None:
    """Why the caller may not write a review of ``business`` (None: they may)."""
    if ctx.user is None:
        return PermissionDenied(N_("로그인하면 후기를 남길 수 있어요."))
    try:
        await access_reviewable_business_by_id(ctx, business.id)
    except PermissionDenied as exc:
        return exc
    except DomainError as exc:  # sanctions (403) are DomainErrors of their own
        if exc.status != 403:
            raise
        return exc
    return None


async def access_review_by_id(ctx: Ctx, business_id: int, review_id: int) -> BusinessReview:
    """A review of this business that the caller can see: 404 for an unknown one,
    one of another business, or one by someone blocked either way."""
    review = await ctx.db.get(BusinessReview, review_id)
    if review is None or review.business_id != business_id:
        raise NotFound(REVIEW_NOT_FOUND)
    if review.author_id in await hidden_authors(ctx):
        raise NotFound(REVIEW_NOT_FOUND)
    return review


# ---- 후기 ---------------------------------------------------------------------------------


async def write_review(ctx: Ctx, business_id: int, data: ReviewIn) -> tuple[BusinessReview, bool]:
    """One review per person per business: the first write creates it, the next
    ones edit it. Returns the review and whether it was created."""
    user = ctx.require_user()
    business = await access_reviewable_business_by_id(ctx, business_id)
    await ctx.limit(ctx.svc.settings.listing_limit_per_user, "business-review", str(user.id))
    mine = select(BusinessReview).where(
        BusinessReview.business_id == business.id, BusinessReview.author_id == user.id
    )
    review = await ctx.db.scalar(mine)
    if review is None:
        now = utcnow()
        review = BusinessReview(
            business_id=business.id,
            author_id=user.id,
            body=data.content,
            created_at=now,
            updated_at=now,
        )
        try:
            async with ctx.db.begin_nested():
                ctx.db.add(review)
                await ctx.db.flush()
        except IntegrityError:  # their other tab wrote it first: this write edits it
            review = await ctx.db.scalar(mine)
            if review is None:  # deleted again in between
                raise Conflict() from None
        else:
            inquired = user.id in await inquired_authors(ctx.db, business.id, [user.id])
            ctx.record(
                "business_review_written",
                business_id=business.id,
                review_id=review.id,
                length=len(data.content),
                inquired=inquired,
            )
            return review, True
    if review.body != data.content:
        review.body = data.content
        review.updated_at = utcnow()
        await ctx.db.flush()
        ctx.record(
            "business_review_edited",
            business_id=business.id,
            review_id=review.id,
            length=len(data.content),
        )
    return review, False


async def delete_review(ctx: Ctx, business_id: int, review_id: int) -> None:
    """The author removes their review (and the reply to it)."""
    user = ctx.require_user()
    await get_business_or_raise(ctx.db, business_id)
    review = await access_review_by_id(ctx, business_id, review_id)
    if review.author_id != user.id:
        raise NotTheAuthor()
    had_reply = review.reply_body is not None
    await ctx.db.delete(review)
    await ctx.db.flush()
    ctx.record(
        "business_review_deleted",
        business_id=business_id,
        review_id=review_id,
        had_reply=had_reply,
    )


# ---- 사장님 답글 ----------------------------------------------------------------------------


async def reply_to_review(
    ctx: Ctx, business_id: int, review_id: int, data: ReplyIn
) -> BusinessReview:
    """The owner or staff answer a review once, under their own name; answering
    again edits the answer."""
    user = ctx.require_user()
    business, role = await access_managed_business_by_id(ctx, business_id, owner_only=False)
    review = await access_review_by_id(ctx, business.id, review_id)
    await _ensure_can_act(ctx)
    edited = review.reply_body is not None
    if edited and review.reply_body == data.content:
        return review
    now = utcnow()
    review.reply_body = data.content
    review.reply_author_id = user.id
    review.reply_updated_at = now
    if review.replied_at is None:
        review.replied_at = now
    await ctx.db.flush()
    ctx.record(
        "business_review_replied",
        business_id=business.id,
        review_id=review.id,
        by=role,
        edited=edited,
        length=len(data.content),
    )
    return review
