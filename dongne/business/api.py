"""JSON endpoints for business profiles, hours, staff, 단골 and 소식 (/api/v1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from dongne.business import queries, service, staff
from dongne.business.models import BUSINESS_CATEGORIES
from dongne.business.schemas import (
    AcceptInvitationIn,
    BusinessCard,
    BusinessIn,
    BusinessOut,
    HoursIn,
    HoursOut,
    InvitationOut,
    InviteIn,
    MemberOut,
    PostIn,
    PostOut,
    PostPage,
    VerifyIn,
)
from dongne.kit.i18n import gettext
from dongne.kit.ids import Id
from dongne.listings.queries import range_targets
from dongne.listings.service import viewer_place
from dongne.trust.moderation.blocks import hidden_sellers
from dongne.web import Ctx, CtxDep

router = APIRouter(prefix="/api/v1", tags=["businesses"])

Cursor = Annotated[str | None, Query(max_length=200)]
PlaceParam = Annotated[
    str | None, Query(max_length=32, description="For visitors: the neighbourhood to browse")
]


@router.get("/business-categories")
async def categories() -> list[dict[str, str]]:
    return [{"slug": slug, "name": gettext(name)} for slug, name in BUSINESS_CATEGORIES.items()]


@router.post("/businesses", status_code=status.HTTP_201_CREATED)
async def create(data: BusinessIn, ctx: CtxDep) -> BusinessOut:
    """Open a business profile (비즈프로필); needs a verified neighbourhood. The
    shop's own location is verified afterwards (POST …/verify)."""
    business = await service.create_business(ctx, data)
    return await queries.business_out(ctx, business)


@router.get("/businesses/{business_id}")
async def detail(business_id: Id, ctx: CtxDep) -> BusinessOut:
    business = await service.access_business_by_id(ctx, business_id)
    return await queries.business_out(ctx, business)


@router.put("/businesses/{business_id}")
async def edit(business_id: Id, data: BusinessIn, ctx: CtxDep) -> BusinessOut:
    """Owner only. Replaces photos and the price list; a new neighbourhood must be verified again."""
    business = await service.update_business(ctx, business_id, data)
    return await queries.business_out(ctx, business)


@router.post("/businesses/{business_id}/verify")
async def verify(business_id: Id, data: VerifyIn, ctx: CtxDep) -> BusinessOut:
    """가게 위치 인증: the device's position must lie in the shop's neighbourhood.
    Checked and forgotten, never stored."""
    business = await service.verify_business(ctx, business_id, data.latitude, data.longitude)
    return await queries.business_out(ctx, business)


@router.get("/businesses/{business_id}/hours")
async def hours(business_id: Id, ctx: CtxDep) -> HoursOut:
    business = await service.access_business_by_id(ctx, business_id)
    return queries.hours_out(await queries.schedule_of(ctx.db, business.id))


@router.put("/businesses/{business_id}/hours")
async def set_hours(business_id: Id, data: HoursIn, ctx: CtxDep) -> HoursOut:
    """Owner only: every range (several per weekday; closing at or before opening
    means the next day) and the holidays, replaced at once."""
    business = await service.set_hours(ctx, business_id, data)
    return queries.hours_out(await queries.schedule_of(ctx.db, business.id))


@router.get("/businesses/{business_id}/members")
async def members(business_id: Id, ctx: CtxDep) -> list[MemberOut]:
    business, _ = await service.access_managed_business_by_id(ctx, business_id, owner_only=False)
    return await queries.members(ctx.db, business.id)


@router.delete(
    "/businesses/{business_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def remove_member(business_id: Id, user_id: Id, ctx: CtxDep) -> Response:
    """The owner removes staff, or staff leave (their own id)."""
    await staff.remove_member(ctx, business_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/businesses/{business_id}/invitations")
async def invitations(business_id: Id, ctx: CtxDep) -> list[InvitationOut]:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    return await queries.pending_invitations(ctx.db, business.id)


@router.post("/businesses/{business_id}/invitations", status_code=status.HTTP_201_CREATED)
async def invite(business_id: Id, data: InviteIn, ctx: CtxDep) -> InvitationOut:
    """Owner only: invite staff by email (valid 14 days). A mail with a link goes
    out at once; whoever opens it accepts with the account they are signed in
    with. Inviting a pending address again sends a new link (the old one stops
    working)."""
    invitation = await staff.invite_staff(ctx, business_id, data.email)
    found = await queries.pending_invitations(ctx.db, invitation.business_id)
    return next(i for i in found if i.id == invitation.id)


@router.delete(
    "/businesses/{business_id}/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def revoke(business_id: Id, invitation_id: Id, ctx: CtxDep) -> Response:
    await staff.revoke_invitation(ctx, business_id, invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/business-invitations/accept")
async def accept(data: AcceptInvitationIn, ctx: CtxDep) -> BusinessOut:
    """Accept a staff invitation with the token from its mail's link."""
    member = await staff.accept_invitation(ctx, data.token)
    business = await service.get_business_or_raise(ctx.db, member.business_id)
    return await queries.business_out(ctx, business)


@router.get("/me/businesses")
async def my_businesses(ctx: CtxDep) -> list[BusinessCard]:
    mine = await queries.my_business_ids(ctx.db, ctx.require_user().id)
    return await queries.cards(ctx.db, ctx.svc.media, [b for b, _ in mine])


@router.get("/me/following")
async def following(ctx: CtxDep) -> list[BusinessCard]:
    """단골: the businesses I follow, most recent first."""
    ids = await queries.followed_ids(ctx.db, ctx.require_user().id)
    return await queries.cards(ctx.db, ctx.svc.media, ids)


@router.put("/businesses/{business_id}/follow", status_code=status.HTTP_204_NO_CONTENT)
async def follow(business_id: Id, ctx: CtxDep) -> Response:
    business = await service.access_business_by_id(ctx, business_id)
    await service.set_following(ctx, business, True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/businesses/{business_id}/follow", status_code=status.HTTP_204_NO_CONTENT)
async def unfollow(business_id: Id, ctx: CtxDep) -> Response:
    business = await service.access_business_by_id(ctx, business_id)
    await service.set_following(ctx, business, False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/businesses/{business_id}/posts")
async def posts(business_id: Id, ctx: CtxDep, cursor: Cursor = None) -> PostPage:
    business = await service.access_business_by_id(ctx, business_id)
    items, more = await queries.business_posts(ctx.db, ctx.svc.media, business.id, cursor)
    return PostPage(items=items, next_cursor=more)


@router.post("/businesses/{business_id}/posts", status_code=status.HTTP_201_CREATED)
async def create_post(business_id: Id, data: PostIn, ctx: CtxDep) -> PostOut:
    """소식: owner or staff of a verified shop. It reaches the feeds of
    neighbours whose range covers the shop."""
    post = await service.create_post(ctx, business_id, data)
    items, _ = await queries.business_posts(ctx.db, ctx.svc.media, post.business_id, None, 1)
    return items[0]


@router.delete("/businesses/{business_id}/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_post(business_id: Id, post_id: Id, ctx: CtxDep) -> Response:
    await service.delete_post(ctx, business_id, post_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def run_news(
    ctx: Ctx, cursor: str | None, neighbourhood_id: str | None, limit: int = queries.PAGE_SIZE
) -> PostPage:
    """동네 소식 for the caller's range (a visitor's chosen neighbourhood), without
    the news of people blocked either way."""
    place = await viewer_place(ctx, neighbourhood_id)
    if place is None:
        return PostPage(items=[], next_cursor=None)
    targets = await range_targets(ctx.db, *place)
    hidden = await hidden_sellers(ctx.db, ctx.user.id) if ctx.user is not None else ()
    items, more = await queries.news_feed(ctx.db, ctx.svc.media, targets, cursor, limit, hidden)
    ctx.record(
        "news_viewed",
        neighbourhood_id=place[0],
        level=place[1],
        first_page=cursor is None,
        count=len(items),
    )
    return PostPage(items=items, next_cursor=more)


@router.get("/news/feed")
async def news(ctx: CtxDep, cursor: Cursor = None, neighbourhood_id: PlaceParam = None) -> PostPage:
    """동네 소식: news of verified shops inside the viewer's range, newest first."""
    return await run_news(ctx, cursor, neighbourhood_id)
