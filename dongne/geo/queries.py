"""Reads over neighbourhoods and ranges."""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.geo.models import MAX_RANGE_LEVEL, Neighbourhood, NeighbourhoodAlias, NeighbourhoodRange
from dongne.kit.errors import NotFound
from dongne.kit.i18n import N_


async def get_neighbourhood(db: AsyncSession, neighbourhood_id: str) -> Neighbourhood | None:
    """By id, following an alias (an obsolete code) to the place it became."""
    found = await db.get(Neighbourhood, neighbourhood_id)
    if found is not None:
        return found
    target = await db.scalar(
        select(NeighbourhoodAlias.neighbourhood_id).where(
            NeighbourhoodAlias.alias_id == neighbourhood_id
        )
    )
    return await db.get(Neighbourhood, target) if target else None


async def get_neighbourhood_or_raise(db: AsyncSession, neighbourhood_id: str) -> Neighbourhood:
    found = await get_neighbourhood(db, neighbourhood_id)
    if found is None:
        raise NotFound(N_("알 수 없는 동네입니다."), field="neighbourhood_id")
    return found


async def range_counts(db: AsyncSession, neighbourhood_id: str) -> list[int]:
    """How many neighbourhoods each range level covers (this one included)."""
    rows = await db.execute(
        select(NeighbourhoodRange.level, func.count())
        .where(NeighbourhoodRange.origin_id == neighbourhood_id)
        .group_by(NeighbourhoodRange.level)
    )
    per_level = dict(rows.all())
    counts, total = [], 0
    for level in range(MAX_RANGE_LEVEL + 1):
        total += per_level.get(level, 0)
        counts.append(total)
    return counts


async def search_neighbourhoods(
    db: AsyncSession, text: str, limit: int = 20
) -> list[Neighbourhood]:
    words = [w for w in text.split() if w][:4]
    if not words:
        return []
    stmt = select(Neighbourhood)
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Neighbourhood.full_name.like(f"%{escaped}%", escape="\\"))
    exact = case((Neighbourhood.name == words[-1], 0), else_=1)
    stmt = stmt.order_by(exact, func.length(Neighbourhood.full_name), Neighbourhood.id).limit(limit)
    return list((await db.scalars(stmt)).all())
