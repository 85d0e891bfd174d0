"""Reads for account views."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User, UserNeighbourhood
from dongne.accounts.schemas import MyNeighbourhoodOut, NeighbourhoodBrief, UserOut
from dongne.accounts.service import my_neighbourhoods
from dongne.context import Ctx
from dongne.geo.models import Neighbourhood
from dongne.geo.queries import range_counts


async def neighbourhood_out(
    ctx: Ctx, link: UserNeighbourhood, place: Neighbourhood
) -> MyNeighbourhoodOut:
    days = ctx.svc.settings.verification_days
    counts = await range_counts(ctx.db, place.id)
    return MyNeighbourhoodOut(
        neighbourhood=NeighbourhoodBrief(id=place.id, name=place.name, full_name=place.full_name),
        is_active=link.is_active,
        range_level=link.range_level,
        range_count=counts[link.range_level],
        verified=link.is_verified(days),
        verified_until=link.verified_until(days),
    )


async def user_out(ctx: Ctx, user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        nickname=user.nickname,
        role=user.role,
        created_at=user.created_at,
        neighbourhoods=[
            await neighbourhood_out(ctx, link, place)
            for link, place in await my_neighbourhoods(ctx)
        ],
    )


async def neighbourhoods_in_use(db: AsyncSession) -> set[str]:
    """Every neighbourhood some account has chosen (kept by a reload of the data)."""
    return set((await db.scalars(select(UserNeighbourhood.neighbourhood_id).distinct())).all())
