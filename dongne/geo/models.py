"""Neighbourhoods (법정동/리) and their precomputed ranges."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Float, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base

# 동네 범위: level → the furthest a neighbourhood's circle may be, in km.
RANGE_LEVELS_KM: dict[int, float] = {0: 0.0, 1: 2.0, 2: 4.0, 3: 6.0}
MAX_RANGE_LEVEL = 3


class Neighbourhood(Base):
    __tablename__ = "neighbourhoods"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(200), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float)


class NeighbourhoodAlias(Base):
    """An id from the source data that was merged into another (e.g. an old
    전라북도 code kept only as a pointer to its 전북특별자치도 twin)."""

    __tablename__ = "neighbourhood_aliases"

    alias_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    neighbourhood_id: Mapped[str] = mapped_column(
        ForeignKey("neighbourhoods.id", ondelete="CASCADE")
    )
    reason: Mapped[str] = mapped_column(String(32))


class NeighbourhoodRange(Base):
    """``target`` is inside ``origin``'s range from ``level`` up.

    Computed once when neighbourhoods are loaded, so the feed never computes a
    distance: it reads ``WHERE origin_id = ? AND level <= ?`` from this index.
    Derived data, rebuilt whole by the loader in one transaction, so it carries
    no foreign keys: checking 2.2 million of them made a load three times slower.
    """

    __tablename__ = "neighbourhood_ranges"

    origin_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    target_id: Mapped[str] = mapped_column(String(32), primary_key=True)

    __table_args__ = (
        Index("ix_neighbourhood_ranges_target_id", "target_id"),
        {"sqlite_with_rowid": False},
    )


class BrowseRange(NamedTuple):
    """Whose listings a viewer sees: the neighbourhood they browse from and how far
    its range reaches (the ``level`` of :class:`NeighbourhoodRange`, 0-3). Its
    neighbourhoods are ``listings.queries.range_targets(db, *browse_range)``."""

    neighbourhood_id: str
    level: int
