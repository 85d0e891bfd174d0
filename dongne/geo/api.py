"""JSON endpoints for neighbourhoods (/api/v1/geo)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from dongne.geo.queries import get_neighbourhood_or_raise, range_counts, search_neighbourhoods
from dongne.geo.schemas import NeighbourhoodOut, PlaceOut
from dongne.geo.service import reverse_or_raise
from dongne.web import Db, services

router = APIRouter(prefix="/api/v1/geo", tags=["geo"])


@router.get("/reverse")
async def reverse(
    request: Request,
    db: Db,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
) -> PlaceOut:
    """The neighbourhood a point lies in; 422 outside the covered area.
    The point is not stored or logged."""
    found = reverse_or_raise(services(request).geo_index, lat, lon)
    place = await get_neighbourhood_or_raise(db, found)
    return PlaceOut(id=place.id, name=place.name, full_name=place.full_name)


@router.get("/neighbourhoods")
async def search(db: Db, q: Annotated[str, Query(min_length=1, max_length=50)]) -> list[PlaceOut]:
    """Neighbourhoods whose full name contains every word of ``q``."""
    return [
        PlaceOut(id=p.id, name=p.name, full_name=p.full_name)
        for p in await search_neighbourhoods(db, q)
    ]


@router.get("/neighbourhoods/{neighbourhood_id}")
async def detail(db: Db, neighbourhood_id: str) -> NeighbourhoodOut:
    place = await get_neighbourhood_or_raise(db, neighbourhood_id)
    return NeighbourhoodOut(
        id=place.id,
        name=place.name,
        full_name=place.full_name,
        radius_km=place.radius_km,
        range_counts=await range_counts(db, place.id),
    )
