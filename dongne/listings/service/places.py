"""Where the viewer is. Two things, each with its own name:

- :class:`Home`, a user's active neighbourhood (posting, chatting and opening a
  shop need it verified recently): their link to it and the neighbourhood;
- :class:`~dongne.geo.models.BrowseRange`, whose listings the viewer sees: that
  neighbourhood and its range level, or for a visitor the neighbourhood they
  picked to browse.

(The third "place" in the code base is an appointment's meeting place, a text
in chat.)"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select

from dongne.accounts.models import UserNeighbourhood
from dongne.context import Ctx
from dongne.geo.models import BrowseRange, Neighbourhood
from dongne.kit.errors import DomainError
from dongne.kit.i18n import N_


class VerificationRequired(DomainError):
    status = 403
    code = "verification_required"
    message = N_("동네 인증이 필요해요. 내 동네에서 위치를 인증해 주세요.")


class Home(NamedTuple):
    """A user's active neighbourhood: their link to it (verification, range level)
    and the neighbourhood."""

    link: UserNeighbourhood
    neighbourhood: Neighbourhood

    @property
    def browse_range(self) -> BrowseRange:
        """Whose listings its user sees from home."""
        return BrowseRange(self.neighbourhood.id, self.link.range_level)


async def active_home(ctx: Ctx) -> Home | None:
    user = ctx.require_user()
    row = (
        await ctx.db.execute(
            select(UserNeighbourhood, Neighbourhood)
            .join(Neighbourhood, Neighbourhood.id == UserNeighbourhood.neighbourhood_id)
            .where(UserNeighbourhood.user_id == user.id, UserNeighbourhood.is_active.is_(True))
        )
    ).first()
    return Home(*row.tuple()) if row else None


async def require_verified_home(ctx: Ctx) -> Home:
    home = await active_home(ctx)
    if home is None or not home.link.is_verified(ctx.svc.settings.verification_days):
        raise VerificationRequired()
    return home


VISITOR_LEVEL = 2


async def browse_range(ctx: Ctx, requested: str | None = None) -> BrowseRange | None:
    """Whose listings the caller sees: their active neighbourhood and range; for a
    visitor without one, the neighbourhood they picked (read-only browsing)."""
    if ctx.user is not None:
        home = await active_home(ctx)
        if home is not None:
            return home.browse_range
    chosen = requested or ctx.browsing
    if chosen and await ctx.db.get(Neighbourhood, chosen) is not None:
        return BrowseRange(chosen, VISITOR_LEVEL)
    return None
