"""Keyword alerts (키워드 알림): up to 30 keywords a person; a new listing in their
range that matches one notifies them, after the posting request has committed."""

from __future__ import annotations

from sqlalchemy import func, select

from dongne.accounts.models import UserNeighbourhood
from dongne.context import Ctx, Services, job_ctx
from dongne.geo.models import NeighbourhoodRange
from dongne.kit.errors import Conflict, InvalidInput, NotFound
from dongne.kit.i18n import N_
from dongne.listings.models import (
    MAX_KEYWORDS,
    KeywordAlert,
    Listing,
    ListingTerm,
)
from dongne.listings.text import matches, query_plan
from dongne.notifications.service import notify

# ---- keyword alerts -------------------------------------------------------------


async def add_keyword(ctx: Ctx, keyword: str) -> KeywordAlert:
    user = ctx.require_user()
    if query_plan(keyword).is_empty:
        raise InvalidInput(N_("검색할 수 있는 글자를 넣어 주세요."), field="keyword")
    existing = await ctx.db.scalar(
        select(KeywordAlert).where(KeywordAlert.user_id == user.id, KeywordAlert.keyword == keyword)
    )
    if existing:
        return existing
    count = await ctx.db.scalar(
        select(func.count()).select_from(KeywordAlert).where(KeywordAlert.user_id == user.id)
    )
    if (count or 0) >= MAX_KEYWORDS:
        raise Conflict(N_("키워드는 30개까지 등록할 수 있어요."), field="keyword")
    alert = KeywordAlert(user_id=user.id, keyword=keyword)
    ctx.db.add(alert)
    await ctx.db.flush()
    ctx.record("keyword_added", keyword_id=alert.id)
    return alert


async def remove_keyword(ctx: Ctx, keyword_id: int) -> None:
    user = ctx.require_user()
    alert = await ctx.db.get(KeywordAlert, keyword_id)
    if alert is None or alert.user_id != user.id:
        raise NotFound(N_("키워드를 찾을 수 없어요."))
    await ctx.db.delete(alert)
    ctx.record("keyword_removed", keyword_id=keyword_id)


async def match_keyword_alerts(svc: Services, listing_id: int) -> int:
    """After a listing commits: notify everyone whose range covers it and who
    saved a keyword that matches it (the same rule as search). Returns how many
    people were notified."""
    async with job_ctx(svc) as ctx:
        listing = await ctx.db.get(Listing, listing_id)
        if listing is None or not listing.is_listed:
            return 0
        terms = set(
            (
                await ctx.db.scalars(
                    select(ListingTerm.term).where(ListingTerm.listing_id == listing_id)
                )
            ).all()
        )
        origins = (
            select(NeighbourhoodRange.origin_id, NeighbourhoodRange.level)
            .where(NeighbourhoodRange.target_id == listing.neighbourhood_id)
            .subquery()
        )
        rows = await ctx.db.execute(
            select(KeywordAlert.user_id, KeywordAlert.id, KeywordAlert.keyword)
            .join(UserNeighbourhood, UserNeighbourhood.user_id == KeywordAlert.user_id)
            .join(origins, origins.c.origin_id == UserNeighbourhood.neighbourhood_id)
            .where(
                UserNeighbourhood.is_active.is_(True),
                origins.c.level <= UserNeighbourhood.range_level,
                KeywordAlert.user_id != listing.seller_id,
            )
            .order_by(KeywordAlert.user_id, KeywordAlert.id)
        )
        notified: set[int] = set()
        for user_id, keyword_id, keyword in rows:
            if user_id in notified or not matches(query_plan(keyword), terms):
                continue
            notified.add(user_id)
            await notify(
                ctx.db,
                svc.hub,
                user_id,
                "keyword",
                keyword=keyword,
                keyword_id=keyword_id,
                listing_id=listing.id,
                title=listing.title,
            )
        return len(notified)
