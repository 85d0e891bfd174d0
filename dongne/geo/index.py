"""Reverse geocoding and neighbourhood ranges, in pure Python.

Reverse geocoding uses the metric of the ``dongnae`` engine so that both agree: the
*boundary distance* from a point to a neighbourhood is the planar distance to its
centroid minus its radius, with ``dy = Δlat · 111`` and ``dx = Δlon · lon_coef`` where
``lon_coef = round(111 · cos(mid-latitude of the data), 2)``. A point belongs to the
neighbourhood with the smallest boundary distance (ties: the smaller id).

:class:`NeighbourhoodIndex` answers that in microseconds with a uniform grid whose cells
each hold the few neighbourhoods that can be the answer somewhere in the cell.

Ranges (:func:`compute_ranges`) use the great-circle (haversine) distance instead: they
are stored once, so accuracy matters more than agreeing with the engine.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from itertools import pairwise
from typing import TypeAlias

from dongne.geo.dataset import NeighbourhoodRow

LAT_KM_PER_DEGREE = 111.0
EARTH_RADIUS_KM = 6371.0088
DEFAULT_LIMITS_KM = (2.0, 4.0, 6.0)
MAX_TOLERANCE_KM = 50.0

#: ``(id, lat, lon, radius_km)``, or a :class:`NeighbourhoodRow`.
RowLike: TypeAlias = NeighbourhoodRow | tuple[str, float, float, float]
_Entry: TypeAlias = tuple[float, float, float, str]  # lat, lon, radius_km, id
_Cell: TypeAlias = str | tuple[_Entry, ...] | None

# Slack for rounding (km) when deciding which neighbourhoods a cell must keep.
_SLACK_KM = 1e-6


def lon_coefficient(latitudes: Iterable[float]) -> float:
    """Kilometres per degree of longitude at the middle of the data's latitude span."""
    lats = list(latitudes)
    if not lats:
        return 88.8  # the engine's default (about 37°N)
    mid = (min(lats) + max(lats)) / 2.0
    return round(LAT_KM_PER_DEGREE * math.cos(math.radians(mid)), 2)


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km on a sphere of the mean Earth radius."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    return _haversine(p1, math.radians(lon1), math.cos(p1), p2, math.radians(lon2), math.cos(p2))


def _haversine(p1: float, l1: float, c1: float, p2: float, l2: float, c2: float) -> float:
    s = math.sin((p2 - p1) * 0.5)
    t = math.sin((l2 - l1) * 0.5)
    h = s * s + c1 * c2 * t * t
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(h, 1.0)))


def _entries(rows: Iterable[RowLike]) -> list[_Entry]:
    entries: list[_Entry] = []
    for row in rows:
        if isinstance(row, NeighbourhoodRow):
            entries.append((row.lat, row.lon, row.radius_km, row.id))
        else:
            nid, lat, lon, radius = row
            entries.append((float(lat), float(lon), float(radius), nid))
    ids = [entry[3] for entry in entries]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate neighbourhood ids")
    return entries


class NeighbourhoodIndex:
    """Which neighbourhood is this point in? Exact, with the ``dongnae`` engine's metric.

    The plane (``x = lon · lon_coef``, ``y = lat · 111``) is cut into square cells of
    ``cell_km``. For each cell, U is the smallest upper bound, over the cell, of any
    boundary distance; a neighbourhood is kept for the cell only if its lower bound over
    the cell is ≤ min(U, tolerance). The true minimiser always passes that test, so a
    query scans only the cell's short list. A cell kept for a single neighbourhood that
    covers it entirely answers with a single look-up.
    """

    def __init__(
        self,
        rows: Iterable[RowLike],
        *,
        coverage_tolerance_km: float = 0.0,
        cell_km: float = 2.0,
    ) -> None:
        # Build time grows with (radius + tolerance)² / cell_km², hence the bounds.
        if not 0.0 <= coverage_tolerance_km <= MAX_TOLERANCE_KM:
            raise ValueError(f"coverage_tolerance_km must be in [0, {MAX_TOLERANCE_KM:g}]")
        if not 0.1 <= cell_km <= 100.0:
            raise ValueError("cell_km must be in [0.1, 100]")
        entries = _entries(rows)
        self.coverage_tolerance_km = coverage_tolerance_km
        self.lon_coef = lon_coefficient(entry[0] for entry in entries)
        self._by_id = {entry[3]: entry for entry in entries}
        self._cell_km = cell_km
        self._inv_cell = 1.0 / cell_km
        self._x0 = self._y0 = 0.0
        self._nx = self._ny = 0
        self._cells: list[_Cell] = []
        if entries:
            self._build(sorted(entries, key=lambda entry: entry[3]))

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, neighbourhood_id: object) -> bool:
        return neighbourhood_id in self._by_id

    @property
    def cell_count(self) -> int:
        """Number of grid cells (for diagnostics)."""
        return len(self._cells)

    def _build(self, entries: list[_Entry]) -> None:
        c, s, tol = self.lon_coef, self._cell_km, self.coverage_tolerance_km
        reach = [entry[2] + tol + s for entry in entries]
        self._x0 = min(e[1] * c - r for e, r in zip(entries, reach, strict=True))
        self._y0 = min(e[0] * LAT_KM_PER_DEGREE - r for e, r in zip(entries, reach, strict=True))
        x1 = max(e[1] * c + r for e, r in zip(entries, reach, strict=True))
        y1 = max(e[0] * LAT_KM_PER_DEGREE + r for e, r in zip(entries, reach, strict=True))
        nx = self._nx = int((x1 - self._x0) / s) + 1
        ny = self._ny = int((y1 - self._y0) / s) + 1
        x0, y0 = self._x0, self._y0

        # Per cell: (lower bound, upper bound, entry) of every circle reaching the cell.
        touching: dict[int, list[tuple[float, float, _Entry]]] = {}
        for entry in entries:
            lat, lon, radius, _ = entry
            x, y = lon * c - x0, lat * LAT_KM_PER_DEGREE - y0
            r = radius + tol + _SLACK_KM
            ix0, ix1 = max(int((x - r) / s), 0), min(int((x + r) / s), nx - 1)
            iy0, iy1 = max(int((y - r) / s), 0), min(int((y + r) / s), ny - 1)
            for iy in range(iy0, iy1 + 1):
                low, high = iy * s, (iy + 1) * s
                near_y = low - y if y < low else (y - high if y > high else 0.0)
                far_y = max(y - low, high - y)
                row = iy * nx
                for ix in range(ix0, ix1 + 1):
                    left, right = ix * s, (ix + 1) * s
                    near_x = left - x if x < left else (x - right if x > right else 0.0)
                    lower = math.hypot(near_x, near_y) - radius
                    if lower > tol + _SLACK_KM:
                        continue
                    upper = math.hypot(max(x - left, right - x), far_y) - radius
                    touching.setdefault(row + ix, []).append((lower, upper, entry))

        cells: list[_Cell] = [None] * (nx * ny)
        for key, found in touching.items():
            bound = min(tol, min(upper for _, upper, _ in found)) + 2 * _SLACK_KM
            keep = [(upper, entry) for lower, upper, entry in found if lower <= bound]
            if len(keep) == 1 and keep[0][0] <= tol - 2 * _SLACK_KM:
                cells[key] = keep[0][1][3]
            else:
                cells[key] = tuple(entry for _, entry in keep)  # still sorted by id
        self._cells = cells

    def reverse(self, lat: float, lon: float) -> str | None:
        """The id with the smallest boundary distance, or None if that exceeds the tolerance."""
        fx = (lon * self.lon_coef - self._x0) * self._inv_cell
        fy = (lat * LAT_KM_PER_DEGREE - self._y0) * self._inv_cell
        if not (0.0 <= fx < self._nx and 0.0 <= fy < self._ny):
            return None
        cell = self._cells[int(fy) * self._nx + int(fx)]
        if cell is None or isinstance(cell, str):
            return cell
        c = self.lon_coef
        best = math.inf
        best_id = None
        for e_lat, e_lon, radius, nid in cell:
            dy = (e_lat - lat) * LAT_KM_PER_DEGREE
            dx = (e_lon - lon) * c
            d = math.sqrt(dy * dy + dx * dx) - radius
            if d < best:
                best, best_id = d, nid
        return best_id if best <= self.coverage_tolerance_km else None

    def boundary_distance_km(self, neighbourhood_id: str, lat: float, lon: float) -> float:
        """Distance from the point to the circle (negative inside); KeyError if unknown."""
        e_lat, e_lon, radius, _ = self._by_id[neighbourhood_id]
        dy = (e_lat - lat) * LAT_KM_PER_DEGREE
        dx = (e_lon - lon) * self.lon_coef
        return math.sqrt(dy * dy + dx * dx) - radius

    def contains(
        self, neighbourhood_id: str, lat: float, lon: float, tolerance_km: float = 0.0
    ) -> bool:
        """Whether the point is within the circle grown by ``tolerance_km``."""
        return self.boundary_distance_km(neighbourhood_id, lat, lon) <= tolerance_km


def compute_ranges(
    rows: Sequence[RowLike], limits_km: Sequence[float] = DEFAULT_LIMITS_KM
) -> Iterator[tuple[str, str, int]]:
    """Yield ``(origin_id, target_id, level)`` for every target within an origin's range.

    Level 0 is the origin itself; otherwise the level is the smallest L ≥ 1 with
    ``great_circle_km(origin centroid, target centroid) - target radius ≤ limits_km[L-1]``.
    Targets farther than every limit are not yielded. Output is sorted by origin id, then
    the origin itself, then target id.
    """
    limits = [float(limit) for limit in limits_km]
    if not limits or any(b <= a for a, b in pairwise(limits)):
        raise ValueError("limits_km must be a non-empty increasing sequence")
    if limits[0] < 0.0 or not math.isfinite(limits[-1]):
        raise ValueError("limits_km must be finite and ≥ 0")
    entries = sorted(_entries(rows), key=lambda entry: entry[3])
    if not entries:
        return
    # Grid in degrees; a target sits in every cell its reach can touch, so an origin
    # only tests the targets listed in its own cell.
    reach_max = limits[-1]
    cell_deg = 4.0 / 111.0
    points = [
        (math.radians(lat), math.radians(lon), math.cos(math.radians(lat)), radius, nid)
        for lat, lon, radius, nid in entries
    ]
    grid: dict[tuple[int, int], list[int]] = {}
    for n, (lat, lon, radius, _) in enumerate(entries):
        reach = (radius + reach_max) / EARTH_RADIUS_KM * 1.000001 + 1e-12  # radians
        dlat = math.degrees(reach)
        top = abs(lat) + dlat
        # Haversine: cos(lat1)·cos(lat2)·sin²(Δlon/2) ≤ sin²(d / 2R).
        cosines = math.cos(math.radians(top)) * math.cos(math.radians(lat)) if top < 89.9 else 0.0
        ratio = math.sin(reach / 2.0) / math.sqrt(cosines) if cosines > 0.0 else 2.0
        dlon = 180.0 if ratio >= 1.0 else math.degrees(2.0 * math.asin(ratio)) * 1.000001
        spans = [(lon - dlon, lon + dlon)]
        if lon - dlon < -180.0:  # reaches across the antimeridian
            spans.append((lon - dlon + 360.0, lon + dlon + 360.0))
        if lon + dlon > 180.0:
            spans.append((lon - dlon - 360.0, lon + dlon - 360.0))
        for gy in range(_floor_div(lat - dlat, cell_deg), _floor_div(lat + dlat, cell_deg) + 1):
            for west, east in spans:
                for gx in range(_floor_div(west, cell_deg), _floor_div(east, cell_deg) + 1):
                    listed = grid.setdefault((gy, gx), [])
                    if not listed or listed[-1] != n:
                        listed.append(n)

    for origin, (p1, l1, c1, _, oid) in enumerate(points):
        lat, lon = entries[origin][0], entries[origin][1]
        yield oid, oid, 0
        candidates = grid.get((_floor_div(lat, cell_deg), _floor_div(lon, cell_deg)), [])
        for target in candidates:  # ascending index = ascending id
            if target == origin:
                continue
            p2, l2, c2, radius, tid = points[target]
            gap = _haversine(p1, l1, c1, p2, l2, c2) - radius
            for level, limit in enumerate(limits, start=1):
                if gap <= limit:
                    yield oid, tid, level
                    break


def _floor_div(value: float, step: float) -> int:
    return math.floor(value / step)
