"""Neighbourhood views."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PlaceOut(BaseModel):
    id: str = Field(examples=["1168010100"])
    name: str = Field(examples=["역삼동"])
    full_name: str = Field(examples=["서울특별시 강남구 역삼동"])


class NeighbourhoodOut(PlaceOut):
    radius_km: float
    range_counts: list[int] = Field(
        description="Neighbourhoods inside each range level (0: this one, 1: ≤2 km, 2: ≤4 km, "
        "3: ≤6 km), this one included"
    )
