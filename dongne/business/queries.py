"""Reads: a profile as people see it, opening hours, members, followers, and
the news (소식) feed.

The news feed follows the listings feed's range rule: the viewer's
neighbourhood set comes from ``neighbourhood_ranges`` (listings.queries.range_targets)
and a post is in the feed when its shop's neighbourhood is in that set and the
shop is verified. Shops are few next to listings, so one ``IN`` over the
shops' neighbourhood index, then each shop's newest posts through
``ix_business_posts_business_created``, is enough.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.business.hours import Schedule, TimeRange, clock
from dongne.business.models import (
    Business,
    BusinessFollow,
    BusinessHoliday,
    BusinessHours,
    BusinessInvitation,
    BusinessMember,
    BusinessPhoto,
    BusinessPost,
    PriceItem,
)
from dongne.business.schemas import (
    BusinessCard,
    BusinessOut,
    HoursOut,
    InvitationOut,
    MemberOut,
    PhotoOut,
    PlaceOut,
    PostOut,
    PriceItemOut,
    RangeOut,
)
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.geo.models import Neighbourhood
from dongne.kit.cursors import encode_cursor, time_and_id
from dongne.kit.media import MediaStorage
from dongne.photos.models import Photo

PAGE_SIZE = 20


async def schedule_of(db: AsyncSession, business_id: int) -> Schedule:
    """The business's opening hours as one object: ask it is_open / next_opening."""
    hours = (
        await db.scalars(select(BusinessHours).where(BusinessHours.business_id == business_id))
    ).all()
    holidays = (
        await db.scalars(
            select(BusinessHoliday.day).where(BusinessHoliday.business_id == business_id)
        )
    ).all()
    return Schedule(
        ranges=tuple(sorted(TimeRange(h.weekday, h.opens, h.closes) for h in hours)),
        holidays=frozenset(holidays),
    )


def hours_out(schedule: Schedule, at: datetime | None = None) -> HoursOut:
    now = at or utcnow()
    status = schedule.status(now)
    today = now.astimezone(schedule.tz).date()
    return HoursOut(
        ranges=[
            RangeOut(
                weekday=r.weekday,
                opens=clock(r.opens),
                closes=clock(r.closes),
                overnight=r.closes > 24 * 60,
            )
            for r in schedule.ranges
        ],
        holidays=sorted(d for d in schedule.holidays if d >= today),
        is_open=status.is_open,
        until=status.until,
    )


async def cards(db: AsyncSession, media: MediaStorage, ids: list[int]) -> list[BusinessCard]:
    if not ids:
        return []
    rows = await db.execute(
        select(Business, Neighbourhood.name)
        .join(Neighbourhood, Neighbourhood.id == Business.neighbourhood_id)
        .where(Business.id.in_(ids))
    )
    by_id = {b.id: card(b, name, media) for b, name in rows}
    return [by_id[i] for i in ids if i in by_id]


def card(business: Business, place_name: str, media: MediaStorage) -> BusinessCard:
    return BusinessCard(
        id=business.id,
        name=business.name,
        category=business.category,
        neighbourhood=PlaceOut(id=business.neighbourhood_id, name=place_name),
        is_verified=business.verified_at is not None,
        follower_count=business.follower_count,
        thumb_url=media.url(business.cover_key) if business.cover_key else None,
    )


async def business_out(ctx: Ctx, business: Business) -> BusinessOut:
    db, media = ctx.db, ctx.svc.media
    await db.flush()
    await db.refresh(business)  # the follower count moves by UPDATE statements
    place = await db.get(Neighbourhood, business.neighbourhood_id)
    photos = (
        await db.scalars(
            select(Photo)
            .join(BusinessPhoto, BusinessPhoto.photo_id == Photo.id)
            .where(BusinessPhoto.business_id == business.id)
            .order_by(BusinessPhoto.position)
        )
    ).all()
    prices = (
        await db.scalars(
            select(PriceItem)
            .where(PriceItem.business_id == business.id)
            .order_by(PriceItem.position)
        )
    ).all()
    role: str | None = None
    following = False
    if ctx.user is not None:
        role = await db.scalar(
            select(BusinessMember.role).where(
                BusinessMember.business_id == business.id, BusinessMember.user_id == ctx.user.id
            )
        )
        following = await db.get(BusinessFollow, (ctx.user.id, business.id)) is not None
    return BusinessOut(
        **card(business, place.name if place else "", media).model_dump(),
        description=business.description,
        address=business.address,
        phone=business.phone if business.show_phone or role is not None else None,
        show_phone=business.show_phone,
        verified_at=business.verified_at,
        photos=[
            PhotoOut(id=p.id, url=media.url(p.large_key), thumb_url=media.url(p.small_key))
            for p in photos
        ],
        price_list=[PriceItemOut(name=p.name, price=p.price, note=p.note) for p in prices],
        hours=hours_out(await schedule_of(db, business.id)),
        following=following,
        my_role=role,
        can_message=False,
    )


async def photo_ids(db: AsyncSession, business_id: int) -> list[int]:
    return list(
        (
            await db.scalars(
                select(BusinessPhoto.photo_id)
                .where(BusinessPhoto.business_id == business_id)
                .order_by(BusinessPhoto.position)
            )
        ).all()
    )


async def members(db: AsyncSession, business_id: int) -> list[MemberOut]:
    rows = await db.execute(
        select(BusinessMember, User.nickname)
        .join(User, User.id == BusinessMember.user_id)
        .where(BusinessMember.business_id == business_id)
        .order_by(BusinessMember.created_at, BusinessMember.user_id)
    )
    return [
        MemberOut(user_id=m.user_id, nickname=nick or "", role=m.role, since=m.created_at)
        for m, nick in rows
    ]


async def pending_invitations(db: AsyncSession, business_id: int) -> list[InvitationOut]:
    stmt = (
        select(BusinessInvitation, Business.name)
        .join(Business, Business.id == BusinessInvitation.business_id)
        .where(
            BusinessInvitation.accepted_at.is_(None),
            BusinessInvitation.revoked_at.is_(None),
            BusinessInvitation.expires_at > utcnow(),
        )
        .order_by(BusinessInvitation.created_at.desc(), BusinessInvitation.id.desc())
    )
    stmt = stmt.where(BusinessInvitation.business_id == business_id)
    rows = await db.execute(stmt)
    return [
        InvitationOut(
            id=inv.id,
            business_id=inv.business_id,
            business_name=name,
            email=inv.email,
            created_at=inv.created_at,
            expires_at=inv.expires_at,
            mailed_at=inv.mailed_at,
        )
        for inv, name in rows
    ]


async def my_business_ids(db: AsyncSession, user_id: int) -> list[tuple[int, str]]:
    """The businesses a person acts for, with their role."""
    rows = await db.execute(
        select(BusinessMember.business_id, BusinessMember.role)
        .where(BusinessMember.user_id == user_id)
        .order_by(BusinessMember.created_at)
    )
    return [(b, r) for b, r in rows]


async def followed_ids(db: AsyncSession, user_id: int, limit: int = 100) -> list[int]:
    return list(
        (
            await db.scalars(
                select(BusinessFollow.business_id)
                .where(BusinessFollow.user_id == user_id)
                .order_by(BusinessFollow.created_at.desc())
                .limit(limit)
            )
        ).all()
    )


# ---- 소식 ------------------------------------------------------------------------------


async def _page(
    db: AsyncSession,
    media: MediaStorage,
    where: list[ColumnElement[bool]],
    cursor: str | None,
    limit: int,
) -> tuple[list[PostOut], str | None]:
    stmt = (
        select(BusinessPost, Business, Neighbourhood.name)
        .join(Business, Business.id == BusinessPost.business_id)
        .join(Neighbourhood, Neighbourhood.id == Business.neighbourhood_id)
        .where(BusinessPost.deleted_at.is_(None), *where)
    )
    after = time_and_id(cursor)
    if after is not None:
        stmt = stmt.where(tuple_(BusinessPost.created_at, BusinessPost.id) < tuple_(*after))
    stmt = stmt.order_by(BusinessPost.created_at.desc(), BusinessPost.id.desc()).limit(limit + 1)
    rows = list((await db.execute(stmt)).all())
    page = rows[:limit]
    items = [
        PostOut(
            id=post.id,
            business=card(business, name, media),
            title=post.title,
            content=post.content,
            created_at=post.created_at,
        )
        for post, business, name in page
    ]
    more = encode_cursor(page[-1][0].created_at, page[-1][0].id) if len(rows) > limit else None
    return items, more


async def news_feed(
    db: AsyncSession,
    media: MediaStorage,
    targets: list[str],
    cursor: str | None,
    limit: int = PAGE_SIZE,
    exclude_people: tuple[int, ...] = (),
) -> tuple[list[PostOut], str | None]:
    """News of verified shops inside the viewer's range, newest first; none
    written by, or from a shop owned by, ``exclude_people`` (blocks either way)."""
    if not targets:
        return [], None
    where: list[ColumnElement[bool]] = [
        Business.neighbourhood_id.in_(targets),
        Business.verified_at.is_not(None),
    ]
    if exclude_people:
        where += [
            Business.created_by.not_in(exclude_people),
            BusinessPost.author_id.not_in(exclude_people),
        ]
    return await _page(db, media, where, cursor, limit)


async def business_posts(
    db: AsyncSession,
    media: MediaStorage,
    business_id: int,
    cursor: str | None,
    limit: int = PAGE_SIZE,
) -> tuple[list[PostOut], str | None]:
    """A shop's own news, on its profile (seen by everyone, in range or not)."""
    return await _page(db, media, [BusinessPost.business_id == business_id], cursor, limit)
