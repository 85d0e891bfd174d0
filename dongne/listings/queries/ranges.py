"""The neighbourhood ids of a viewer's range, cached in process."""

from __future__ import annotations

from collections import OrderedDict
from weakref import WeakKeyDictionary

from sqlalchemy import (
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.geo.models import NeighbourhoodRange


class _RangeCache:
    """The neighbourhood ids of a range, per (origin, level), kept in process: neighbourhood
    geometry (and so ``neighbourhood_ranges``) never changes while the application runs
    (``dongne geo load`` is run before it starts). Least recently used entries go first;
    one cache per engine, so databases never mix. Saves a query on every feed and search."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[str, int], tuple[str, ...]] = OrderedDict()

    def get(self, key: tuple[str, int]) -> tuple[str, ...] | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: tuple[str, int], targets: tuple[str, ...]) -> None:
        self.entries[key] = targets
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


RANGE_CACHE_SIZE = 4096  # ranges of ~70 ids on average: a few megabytes
_range_caches: WeakKeyDictionary[Engine, _RangeCache] = WeakKeyDictionary()


async def range_targets(db: AsyncSession, origin_id: str, level: int) -> list[str]:
    """The ids of the neighbourhoods inside ``origin_id``'s range at ``level`` (cached)."""
    engine = db.get_bind()
    assert isinstance(engine, Engine)
    cache = _range_caches.get(engine)
    if cache is None:
        cache = _range_caches[engine] = _RangeCache(RANGE_CACHE_SIZE)
    targets = cache.get((origin_id, level))
    if targets is None:
        targets = tuple(
            (
                await db.scalars(
                    select(NeighbourhoodRange.target_id).where(
                        NeighbourhoodRange.origin_id == origin_id,
                        NeighbourhoodRange.level <= level,
                    )
                )
            ).all()
        )
        if targets:  # an unknown origin (or geo data not loaded yet) is not remembered
            cache.put((origin_id, level), targets)
    return list(targets)
