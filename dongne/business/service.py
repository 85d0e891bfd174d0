"""Every write about businesses: profiles, location verification, hours, staff,
following (단골) and news posts (소식). Services flush; the request commits."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.service import NotThere
from dongne.business.models import (
    MAX_PHOTOS,
    OWNER,
    Business,
    BusinessFollow,
    BusinessHoliday,
    BusinessHours,
    BusinessMember,
    BusinessPhoto,
    BusinessPost,
    PriceItem,
)
from dongne.business.schemas import BusinessIn, HoursIn, PostIn
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.geo.models import Neighbourhood
from dongne.geo.queries import get_neighbourhood_or_raise
from dongne.kit.errors import Conflict, NotFound, PermissionDenied
from dongne.kit.i18n import N_
from dongne.listings.service import require_verified_home
from dongne.photos.service import owned_photos

MAX_OWNED = 5
NOT_FOUND = N_("가게를 찾을 수 없어요.")


class BusinessNotVerified(Conflict):
    code = "business_not_verified"
    message = N_("가게 위치 인증을 먼저 해 주세요. 인증한 가게의 소식만 이웃에게 보여요.")


# ---- access -------------------------------------------------------------------


async def get_business_or_raise(db: AsyncSession, business_id: int) -> Business:
    business = await db.get(Business, business_id)
    if business is None:
        raise NotFound(NOT_FOUND)
    return business


async def access_business_by_id(ctx: Ctx, business_id: int) -> Business:
    """A profile anyone may read (profiles are public, like a shop's sign)."""
    return await get_business_or_raise(ctx.db, business_id)


async def member_role(db: AsyncSession, business_id: int, user_id: int) -> str | None:
    return await db.scalar(
        select(BusinessMember.role).where(
            BusinessMember.business_id == business_id, BusinessMember.user_id == user_id
        )
    )


async def access_managed_business_by_id(
    ctx: Ctx, business_id: int, *, owner_only: bool = True
) -> tuple[Business, str]:
    """A business the caller acts for: as its owner, or (unless ``owner_only``) as staff."""
    user = ctx.require_user()
    business = await get_business_or_raise(ctx.db, business_id)
    role = await member_role(ctx.db, business.id, user.id)
    if role is None or (owner_only and role != OWNER):
        raise PermissionDenied(
            N_("가게 대표만 할 수 있어요.") if owner_only else N_("가게 사람만 할 수 있어요.")
        )
    return business, role


# ---- the profile ----------------------------------------------------------------


async def _attach_photos(ctx: Ctx, business: Business, photo_ids: list[int]) -> None:
    photos = await owned_photos(ctx, photo_ids)
    await ctx.db.execute(delete(BusinessPhoto).where(BusinessPhoto.business_id == business.id))
    for position, photo in enumerate(photos):
        ctx.db.add(BusinessPhoto(business_id=business.id, position=position, photo_id=photo.id))
    business.cover_key = photos[0].small_key if photos else None


async def _replace_price_list(ctx: Ctx, business: Business, data: BusinessIn) -> None:
    await ctx.db.execute(delete(PriceItem).where(PriceItem.business_id == business.id))
    for position, item in enumerate(data.price_list):
        ctx.db.add(
            PriceItem(
                business_id=business.id,
                position=position,
                name=item.name,
                price=item.price,
                note=item.note,
            )
        )


async def create_business(ctx: Ctx, data: BusinessIn) -> Business:
    """Any user with a verified neighbourhood may open a profile. The shop's own
    neighbourhood (by default the owner's) is verified by location afterwards."""
    user = ctx.require_user()
    _link, home = await require_verified_home(ctx)
    owned = await ctx.db.scalar(
        select(func.count())
        .select_from(BusinessMember)
        .where(BusinessMember.user_id == user.id, BusinessMember.role == OWNER)
    )
    if (owned or 0) >= MAX_OWNED:
        raise Conflict(N_("비즈프로필은 한 사람이 5개까지 만들 수 있어요."))
    place = (
        await get_neighbourhood_or_raise(ctx.db, data.neighbourhood_id)
        if data.neighbourhood_id
        else home
    )
    now = utcnow()
    business = Business(
        name=data.name,
        category=data.category,
        description=data.description,
        address=data.address,
        phone=data.phone,
        show_phone=data.show_phone,
        neighbourhood_id=place.id,
        created_by=user.id,
        created_at=now,
        updated_at=now,
    )
    ctx.db.add(business)
    await ctx.db.flush()
    ctx.db.add(BusinessMember(business_id=business.id, user_id=user.id, role=OWNER))
    await _attach_photos(ctx, business, data.photo_ids)
    await _replace_price_list(ctx, business, data)
    await ctx.db.flush()
    ctx.record(
        "business_created",
        business_id=business.id,
        category=data.category,
        neighbourhood_id=place.id,
        photos=len(data.photo_ids),
        price_items=len(data.price_list),
    )
    return business


async def update_business(ctx: Ctx, business_id: int, data: BusinessIn) -> Business:
    business, _role = await access_managed_business_by_id(ctx, business_id)
    place_id = business.neighbourhood_id
    if data.neighbourhood_id and data.neighbourhood_id != business.neighbourhood_id:
        place_id = (await get_neighbourhood_or_raise(ctx.db, data.neighbourhood_id)).id
    fields = ("name", "category", "description", "address", "phone", "show_phone")
    changed = [f for f in fields if getattr(business, f) != getattr(data, f)]
    for f in fields:
        setattr(business, f, getattr(data, f))
    if place_id != business.neighbourhood_id:
        # A shop that moved proves its new place before its news reach anyone there.
        business.neighbourhood_id = place_id
        business.verified_at = None
        changed.append("neighbourhood_id")
    business.updated_at = utcnow()
    await _attach_photos(ctx, business, data.photo_ids)
    await _replace_price_list(ctx, business, data)
    await ctx.db.flush()
    ctx.record(
        "business_edited",
        business_id=business.id,
        fields=changed,
        photos=len(data.photo_ids),
        price_items=len(data.price_list),
    )
    return business


async def _current_photo_ids(ctx: Ctx, business_id: int) -> list[int]:
    return list(
        (
            await ctx.db.scalars(
                select(BusinessPhoto.photo_id)
                .where(BusinessPhoto.business_id == business_id)
                .order_by(BusinessPhoto.position)
            )
        ).all()
    )


async def add_photo(ctx: Ctx, business_id: int, photo_id: int) -> Business:
    business, _role = await access_managed_business_by_id(ctx, business_id)
    ids = await _current_photo_ids(ctx, business.id)
    if len(ids) >= MAX_PHOTOS:
        raise Conflict(N_("사진은 10장까지 올릴 수 있어요."), field="photo")
    await _attach_photos(ctx, business, [*ids, photo_id])
    ctx.record("business_photos_changed", business_id=business.id, photos=len(ids) + 1)
    return business


async def remove_photo(ctx: Ctx, business_id: int, photo_id: int) -> Business:
    business, _role = await access_managed_business_by_id(ctx, business_id)
    ids = await _current_photo_ids(ctx, business.id)
    if photo_id not in ids:
        raise NotFound(N_("사진을 찾을 수 없어요."))
    await _attach_photos(ctx, business, [i for i in ids if i != photo_id])
    ctx.record("business_photos_changed", business_id=business.id, photos=len(ids) - 1)
    return business


async def verify_business(
    ctx: Ctx, business_id: int, latitude: float, longitude: float
) -> Business:
    """가게 위치 인증: someone acting for the shop stands there; the same rule as a
    person's 동네 인증 (inside the neighbourhood's radius plus the tolerance). The
    position is used for this check only: neither stored nor logged."""
    business, _role = await access_managed_business_by_id(ctx, business_id, owner_only=False)
    tolerance = ctx.svc.settings.verification_tolerance_km
    index = ctx.svc.geo_index
    place = await get_neighbourhood_or_raise(ctx.db, business.neighbourhood_id)
    if not index.contains(place.id, latitude, longitude, tolerance):
        here_id = index.reverse(latitude, longitude)
        here = await ctx.db.get(Neighbourhood, here_id) if here_id else None
        raise NotThere(
            wanted=place.name, here=here.name if here else N_("서비스 지역 밖"), field="location"
        )
    business.verified_at = utcnow()
    ctx.record("business_verified", business_id=business.id, neighbourhood_id=place.id)
    return business


async def set_hours(ctx: Ctx, business_id: int, data: HoursIn) -> Business:
    business, _role = await access_managed_business_by_id(ctx, business_id)
    await ctx.db.execute(delete(BusinessHours).where(BusinessHours.business_id == business.id))
    await ctx.db.execute(delete(BusinessHoliday).where(BusinessHoliday.business_id == business.id))
    ranges = data.time_ranges()
    for r in ranges:
        ctx.db.add(
            BusinessHours(
                business_id=business.id, weekday=r.weekday, opens=r.opens, closes=r.closes
            )
        )
    for day in data.holidays:
        ctx.db.add(BusinessHoliday(business_id=business.id, day=day))
    await ctx.db.flush()
    ctx.record(
        "business_hours_set",
        business_id=business.id,
        ranges=len(ranges),
        open_days=len({r.weekday for r in ranges}),
        holidays=len(data.holidays),
    )
    return business


# ---- 단골 ---------------------------------------------------------------------------


async def set_following(ctx: Ctx, business: Business, following: bool) -> bool:
    user = ctx.require_user()
    if await member_role(ctx.db, business.id, user.id) is not None:
        raise PermissionDenied(N_("내 가게는 단골로 맺을 수 없어요."))
    exists = await ctx.db.get(BusinessFollow, (user.id, business.id))
    if following and exists is None:
        try:
            async with ctx.db.begin_nested():
                ctx.db.add(BusinessFollow(user_id=user.id, business_id=business.id))
                await ctx.db.flush()
        except IntegrityError:  # a concurrent request of theirs followed first
            return following
        await ctx.db.execute(
            update(Business)
            .where(Business.id == business.id)
            .values(follower_count=Business.follower_count + 1)
        )
        ctx.record("business_followed", business_id=business.id)
    elif not following and exists is not None:
        await ctx.db.delete(exists)
        await ctx.db.execute(
            update(Business)
            .where(Business.id == business.id)
            .values(follower_count=Business.follower_count - 1)
        )
        ctx.record("business_unfollowed", business_id=business.id)
    await ctx.db.flush()
    return following


# ---- 소식 ----------------------------------------------------------------------------


async def create_post(ctx: Ctx, business_id: int, data: PostIn) -> BusinessPost:
    user = ctx.require_user()
    business, role = await access_managed_business_by_id(ctx, business_id, owner_only=False)
    if business.verified_at is None:
        raise BusinessNotVerified()
    await ctx.limit(ctx.svc.settings.listing_limit_per_user, "business-post", str(user.id))
    post = BusinessPost(
        business_id=business.id, author_id=user.id, title=data.title, content=data.content
    )
    ctx.db.add(post)
    await ctx.db.flush()
    ctx.record(
        "business_post_created",
        business_id=business.id,
        post_id=post.id,
        neighbourhood_id=business.neighbourhood_id,
        by=role,
    )
    return post


async def delete_post(ctx: Ctx, business_id: int, post_id: int) -> None:
    business, _role = await access_managed_business_by_id(ctx, business_id, owner_only=False)
    post = await ctx.db.get(BusinessPost, post_id)
    if post is None or post.business_id != business.id or post.deleted_at is not None:
        raise NotFound(N_("소식을 찾을 수 없어요."))
    post.deleted_at = utcnow()
    ctx.record("business_post_deleted", business_id=business.id, post_id=post.id)
