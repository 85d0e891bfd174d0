"""Loading neighbourhoods and answering "where am I?".

The table is the record; the in-memory :class:`NeighbourhoodIndex` built from
it at start-up answers reverse geocoding without touching the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from typing import TypeVar

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.context import NeighbourhoodLookup
from dongne.geo.dataset import Dataset, NeighbourhoodRow
from dongne.geo.index import NeighbourhoodIndex, compute_ranges
from dongne.geo.models import Neighbourhood, NeighbourhoodAlias, NeighbourhoodRange
from dongne.kit.errors import DomainError, InvalidInput
from dongne.kit.i18n import N_

CHUNK = 5000
T = TypeVar("T")


class OutsideCoverage(DomainError):
    status = 422
    code = "outside_coverage"
    message = N_("이 위치는 서비스 지역(대한민국의 동네) 밖이에요.")


@dataclass
class LoadReport:
    neighbourhoods: int
    aliases: int
    ranges: int
    dropped: dict[str, int] = field(default_factory=dict)
    kept_referenced: int = 0


def _chunks(rows: Iterable[T], size: int = CHUNK) -> Iterable[list[T]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


async def load_dataset(
    db: AsyncSession,
    dataset: Dataset,
    progress: Callable[[str, int], None] | None = None,
    *,
    in_use: Collection[str] = (),
) -> LoadReport:
    """Replace the neighbourhoods with ``dataset`` and recompute every range.

    Neighbourhoods ``in_use`` (those users have chosen: accounts knows, see
    ``accounts.queries.neighbourhoods_in_use``) are kept even if the new data
    lacks them, so no account loses its place; they get no ranges beyond themselves.
    """
    if (await db.connection()).dialect.name == "postgresql":
        await db.execute(text("TRUNCATE neighbourhood_ranges"))  # transactional there
    else:
        await db.execute(delete(NeighbourhoodRange))
    await db.execute(delete(NeighbourhoodAlias))
    referenced = set(in_use)
    new_ids = {row.id for row in dataset.rows}
    stale = (await db.scalars(select(Neighbourhood.id))).all()
    to_delete = [nid for nid in stale if nid not in referenced]
    for start in range(0, len(to_delete), CHUNK):
        await db.execute(
            delete(Neighbourhood).where(Neighbourhood.id.in_(to_delete[start : start + CHUNK]))
        )
    existing = set(stale) - set(to_delete)
    values = [
        {
            "id": r.id,
            "name": r.name,
            "full_name": r.full_name,
            "latitude": r.lat,
            "longitude": r.lon,
            "radius_km": r.radius_km,
        }
        for r in dataset.rows
    ]
    # Rows users point at are updated in place; the rest are replaced wholesale.
    in_place = [v for v in values if v["id"] in existing]
    for chunk in _chunks(in_place):
        await db.execute(update(Neighbourhood), chunk)
    for chunk in _chunks(v for v in values if v["id"] not in existing):
        await db.execute(insert(Neighbourhood), chunk)
    if progress:
        progress("neighbourhoods", len(dataset.rows))

    aliases = [
        {"alias_id": old, "neighbourhood_id": new, "reason": _alias_reason(old, new)}
        for old, new in dataset.aliases.items()
        if old not in new_ids
    ]
    for alias_chunk in _chunks(aliases):
        await db.execute(insert(NeighbourhoodAlias), alias_chunk)

    kept = sorted(nid for nid in existing if nid not in new_ids)
    pairs = await _insert_ranges(db, _ranges_with_self(dataset.rows, kept), progress)
    return LoadReport(
        neighbourhoods=len(dataset.rows),
        aliases=len(aliases),
        ranges=pairs,
        dropped=dict(dataset.dropped),
        kept_referenced=len(kept),
    )


async def _insert_ranges(
    db: AsyncSession,
    pairs: Iterable[tuple[str, str, int]],
    progress: Callable[[str, int], None] | None,
) -> int:
    """A million rows: straight to the driver (COPY on PostgreSQL, executemany on
    SQLite), skipping the ORM, which would take ten times as long."""
    conn = await db.connection()
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    total = 0
    for chunk in _chunks(((o, lvl, t) for o, t, lvl in pairs), 50_000):
        if conn.dialect.name == "postgresql":
            await driver.copy_records_to_table(
                "neighbourhood_ranges", records=chunk, columns=["origin_id", "level", "target_id"]
            )
        else:
            await conn.exec_driver_sql(
                "INSERT INTO neighbourhood_ranges (origin_id, level, target_id) VALUES (?, ?, ?)",
                chunk,
            )
        total += len(chunk)
        if progress:
            progress("ranges", len(chunk))
    return total


def _alias_reason(old: str, new: str) -> str:
    return "renamed_province" if old[:2] != new[:2] else "same_place"


def _ranges_with_self(
    rows: list[NeighbourhoodRow], kept: list[str]
) -> Iterable[tuple[str, str, int]]:
    yield from compute_ranges(rows)
    for nid in kept:
        yield nid, nid, 0


async def neighbourhood_count(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(Neighbourhood)) or 0)


async def build_index(db: AsyncSession, coverage_tolerance_km: float) -> NeighbourhoodIndex:
    rows = await db.execute(
        select(
            Neighbourhood.id,
            Neighbourhood.full_name,
            Neighbourhood.name,
            Neighbourhood.latitude,
            Neighbourhood.longitude,
            Neighbourhood.radius_km,
        )
    )
    found = [
        NeighbourhoodRow(id=i, full_name=f, name=n, lat=la, lon=lo, radius_km=r)
        for i, f, n, la, lo, r in rows
    ]
    # Building the grid over every neighbourhood takes about a second of CPU: in a
    # thread, so the event loop (and uvicorn's health check of a starting worker)
    # keeps its turn instead of waiting for all of it.
    return await asyncio.to_thread(
        partial(NeighbourhoodIndex, found, coverage_tolerance_km=coverage_tolerance_km)
    )


def reverse_or_raise(index: NeighbourhoodLookup, latitude: float, longitude: float) -> str:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInput(N_("위도와 경도의 범위를 확인해 주세요."))
    found = index.reverse(latitude, longitude)
    if found is None:
        raise OutsideCoverage()
    return found
