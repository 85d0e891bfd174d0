"""Where the viewer is: their active verified neighbourhood (posting and chatting
need a current verification), or the one a visitor picked to browse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from dongne.accounts.models import UserNeighbourhood
from dongne.context import Ctx
from dongne.geo.models import Neighbourhood
from dongne.kit.errors import DomainError
from dongne.kit.i18n import N_

if TYPE_CHECKING:
    pass


class VerificationRequired(DomainError):
    status = 403
    code = "verification_required"
    message = N_("동네 인증이 필요해요. 내 동네에서 위치를 인증해 주세요.")


async def active_place(ctx: Ctx) -> tuple[UserNeighbourhood, Neighbourhood] | None:
    user = ctx.require_user()
    row = (
        await ctx.db.execute(
            select(UserNeighbourhood, Neighbourhood)
            .join(Neighbourhood, Neighbourhood.id == UserNeighbourhood.neighbourhood_id)
            .where(UserNeighbourhood.user_id == user.id, UserNeighbourhood.is_active.is_(True))
        )
    ).first()
    return row.tuple() if row else None


async def require_verified_place(ctx: Ctx) -> tuple[UserNeighbourhood, Neighbourhood]:
    place = await active_place(ctx)
    if place is None or not place[0].is_verified(ctx.svc.settings.verification_days):
        raise VerificationRequired()
    return place


VISITOR_LEVEL = 2


async def viewer_place(ctx: Ctx, requested: str | None = None) -> tuple[str, int] | None:
    """Whose range the caller sees: their active neighbourhood and range; for a
    visitor without one, the neighbourhood they picked (read-only browsing)."""
    if ctx.user is not None:
        place = await active_place(ctx)
        if place is not None:
            return place[1].id, place[0].range_level
    chosen = requested or ctx.browsing
    if chosen and await ctx.db.get(Neighbourhood, chosen) is not None:
        return chosen, VISITOR_LEVEL
    return None
