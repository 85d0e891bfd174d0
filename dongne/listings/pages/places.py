"""The neighbourhood a page is about: the one whose feed the header shows, and
the page that sends someone without a current 동네 인증 to verify."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import HTMLResponse

from dongne.context import Ctx
from dongne.geo.queries import get_neighbourhood
from dongne.kit.templating import render_page
from dongne.listings import service


@dataclass(frozen=True)
class HeaderPlace:
    """The neighbourhood the home page's header names: the viewer's home (verified
    or not yet), or the one a visitor browses."""

    id: str
    name: str
    verified: bool
    visitor: bool


async def header_place(ctx: Ctx) -> HeaderPlace | None:
    """The neighbourhood whose feed the viewer sees, for the page header."""
    if ctx.user is not None:
        home = await service.active_home(ctx)
        if home is not None:
            verified = home.link.is_verified(ctx.svc.settings.verification_days)
            where = home.neighbourhood
            return HeaderPlace(where.id, where.name, verified, visitor=False)
    chosen = await service.browse_range(ctx)
    if chosen is None:
        return None
    found = await get_neighbourhood(ctx.db, chosen.neighbourhood_id)
    name = found.name if found else chosen.neighbourhood_id
    return HeaderPlace(chosen.neighbourhood_id, name, verified=False, visitor=True)


async def verification_needed(
    request: Request, ctx: Ctx, exc: service.VerificationRequired
) -> HTMLResponse:
    """The page that sends someone without a current 동네 인증 to verify, in place
    of a form that needs one (writing a listing, opening a shop, starting a chat)."""
    context = {"detail": exc.text(), "days": ctx.svc.settings.verification_days}
    return await render_page(
        request, ctx, "listings/verify_needed.html", context, status=exc.status
    )
