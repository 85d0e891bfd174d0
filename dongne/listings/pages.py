"""The home page (홈). The feed itself arrives with listings."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dongne.accounts.service import my_neighbourhoods
from dongne.geo.queries import range_counts
from dongne.kit.templating import render
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)


@router.get("/")
async def home(request: Request, ctx: CtxDep) -> Response:
    active = None
    if ctx.user:
        for link, place in await my_neighbourhoods(ctx):
            if link.is_active:
                counts = await range_counts(ctx.db, place.id)
                active = {
                    "name": place.name,
                    "nearby": counts[link.range_level] - 1,
                    "verified": link.is_verified(ctx.svc.settings.verification_days),
                }
    return render(request, "home.html", {"active": active})
