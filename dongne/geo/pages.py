"""The 내 동네 page: verify by location and choose the range."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dongne.accounts.service import my_neighbourhoods
from dongne.geo.queries import range_counts
from dongne.kit.templating import render
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)


@router.get("/neighbourhood")
async def my_neighbourhood_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    days = ctx.svc.settings.verification_days
    places = [
        {
            "id": place.id,
            "name": place.name,
            "full_name": place.full_name,
            "active": link.is_active,
            "level": link.range_level,
            "counts": await range_counts(ctx.db, place.id),
            "verified": link.is_verified(days),
            "verified_until": link.verified_until(days),
        }
        for link, place in await my_neighbourhoods(ctx)
    ]
    return render(request, "geo/neighbourhood.html", {"places": places})
