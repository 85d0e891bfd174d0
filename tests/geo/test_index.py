"""Reverse geocoding and ranges: exact against brute force, in step with ``dongnae``."""

from __future__ import annotations

import csv
import io
import itertools
import math
import multiprocessing
import os
import random
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import dongnae_kr
import pytest
from dongnae import DongnaeEngine
from hypothesis import given, settings
from hypothesis import strategies as st

from dongne.geo.dataset import Dataset, NeighbourhoodRow, bundled_csv_path, read_csv
from dongne.geo.index import (
    LAT_KM_PER_DEGREE,
    NeighbourhoodIndex,
    compute_ranges,
    great_circle_km,
    lon_coefficient,
)

SEED = 20261123
POINTS = 10_000
YEOKSAM = "1168010100"
Row = tuple[str, float, float, float]  # id, lat, lon, radius_km


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return read_csv(bundled_csv_path())


@pytest.fixture(scope="module")
def original() -> list[Row]:
    """Every row of the bundled file, in file order, before any repair."""
    text = bundled_csv_path().read_text(encoding="utf-8-sig")
    return [
        (r["dnid"], float(r["dnlatitude"]), float(r["dnlongitude"]), float(r["dnradius"]))
        for r in csv.DictReader(io.StringIO(text))
    ]


@pytest.fixture(scope="module")
def index(dataset: Dataset) -> NeighbourhoodIndex:
    return NeighbourhoodIndex(dataset.rows)


@pytest.fixture(scope="module")
def engine() -> DongnaeEngine:
    return dongnae_kr.dongnaekr()


def planar(row: Row, lat: float, lon: float, lon_coef: float) -> float:
    """The engine's boundary distance, written out independently."""
    dy = (row[1] - lat) * LAT_KM_PER_DEGREE
    dx = (row[2] - lon) * lon_coef
    return math.sqrt(dy * dy + dx * dx) - row[3]


def brute_reverse(
    rows: Sequence[Row], lat: float, lon: float, lon_coef: float, tolerance: float = 0.0
) -> str | None:
    best = min(rows, key=lambda row: (planar(row, lat, lon, lon_coef), row[0]))
    return best[0] if planar(best, lat, lon, lon_coef) <= tolerance else None


def as_rows(rows: Sequence[NeighbourhoodRow]) -> list[Row]:
    return [(r.id, r.lat, r.lon, r.radius_km) for r in rows]


def engine_where(engine: DongnaeEngine, lat: float, lon: float) -> str:
    """``engine.where(lat, lon)["dnid"]``, about twice as fast for points inside a circle.

    ``where`` sorts every row of a wide box by its boundary distance rounded to 4 places,
    keeping file order among equals. ``nearest(radius_km=0.0)`` does the same over the
    rows whose boundary distance is ≤ 0. When its best rounded distance is < 0, every row
    with that rounded distance is among them, so both pick the same row; otherwise we
    ask ``where`` itself. (test_engine_shortcut_matches_where checks this.)
    """
    found = engine.nearest(lat, lon, k=1, radius_km=0.0)
    if found and found[0]["distance"] < 0:
        return str(found[0]["dnid"])
    answer = engine.where(lat, lon)
    assert answer is not None
    return str(answer["dnid"])


def _engine_answers(points: Sequence[tuple[float, float]]) -> list[str]:
    engine = dongnae_kr.dongnaekr()
    return [engine_where(engine, lat, lon) for lat, lon in points]


def engine_answers(points: Sequence[tuple[float, float]]) -> list[str]:
    """``engine_where`` for every point, in order. dongnae is pure Python (about 8 ms
    a point here), so the points are shared out between the machine's cores, each
    with an engine of its own."""
    workers = min(os.cpu_count() or 1, 4)
    if workers == 1:
        return _engine_answers(points)
    size = -(-len(points) // workers)
    chunks = [points[i : i + size] for i in range(0, len(points), size)]
    context = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with ProcessPoolExecutor(len(chunks), mp_context=context) as pool:
        return [answer for chunk in pool.map(_engine_answers, chunks) for answer in chunk]


def draw_points(
    original: Sequence[Row], engine: DongnaeEngine, n: int
) -> list[tuple[float, float]]:
    """Uniform points inside the circles of randomly chosen rows, in the engine's plane."""
    rng = random.Random(SEED)
    lat_coef, lon_coef = engine._lat_coef, engine._lon_coef
    points = []
    for _ in range(n):
        _, lat, lon, radius = rng.choice(original)
        angle = rng.uniform(0.0, 2.0 * math.pi)
        rho = radius * math.sqrt(rng.random())
        points.append(
            (lat + rho * math.sin(angle) / lat_coef, lon + rho * math.cos(angle) / lon_coef)
        )
    return points


def classify(
    lat: float,
    lon: float,
    theirs: str,
    ours: str | None,
    *,
    original: dict[str, Row],
    position: dict[str, int],
    kept: Sequence[Row],
    aliases: dict[str, str],
    lon_coef: float,
) -> str:
    """Why our answer differs from the engine's, or "UNEXPLAINED"."""
    if ours == theirs:
        return "same id"
    if ours is not None and aliases.get(theirs) == ours:
        return "engine gave the dropped twin of ours"
    if ours != brute_reverse(kept, lat, lon, lon_coef):
        return "UNEXPLAINED: index differs from brute force"
    d_theirs = planar(original[theirs], lat, lon, lon_coef)
    if ours is None:
        if theirs in aliases:
            return "only a dropped duplicate covers the point"
        return "on the boundary (floating point)" if d_theirs > -1e-9 else "UNEXPLAINED"
    d_ours = planar(original[ours], lat, lon, lon_coef)
    if d_ours == d_theirs and ours < theirs:
        return "exact tie, smaller id wins"
    rounded_tie = round(d_ours, 4) == round(d_theirs, 4)
    if d_ours < d_theirs and rounded_tie and position[theirs] < position[ours]:
        return "engine's 4-decimal rounding tie, file order wins"
    if theirs in aliases and d_theirs < d_ours:
        twin = original[aliases[theirs]]
        if d_ours <= planar(twin, lat, lon, lon_coef):
            return "engine gave a dropped duplicate whose twin lies elsewhere"
    return "UNEXPLAINED"


def test_metric_matches_the_engine(index: NeighbourhoodIndex, engine: DongnaeEngine) -> None:
    assert index.lon_coef == engine._lon_coef == 89.94
    for lat, lon in [(37.5, 127.0), (35.1, 129.05), (33.3, 126.6)]:
        for nid in (YEOKSAM, "2611010100", "5011025021"):
            assert index.boundary_distance_km(nid, lat, lon) == engine.howfar(lat, lon, nid)


def test_engine_shortcut_matches_where(original: list[Row], engine: DongnaeEngine) -> None:
    for lat, lon in draw_points(original, engine, 100):
        where = engine.where(lat, lon)
        assert where is not None
        assert engine_where(engine, lat, lon) == where["dnid"]


def test_reverse_agrees_with_the_engine(
    dataset: Dataset, original: list[Row], index: NeighbourhoodIndex, engine: DongnaeEngine
) -> None:
    kept = as_rows(dataset.rows)
    by_id = {row[0]: row for row in original}
    position = {row[0]: n for n, row in enumerate(original)}
    classes: Counter[str] = Counter()
    unexplained = []
    points = draw_points(original, engine, POINTS)
    for (lat, lon), theirs in zip(points, engine_answers(points), strict=True):
        ours = index.reverse(lat, lon)
        assert ours is None or ours in index
        kind = classify(
            lat,
            lon,
            theirs,
            ours,
            original=by_id,
            position=position,
            kept=kept,
            aliases=dataset.aliases,
            lon_coef=index.lon_coef,
        )
        classes[kind] += 1
        if kind.startswith("UNEXPLAINED"):
            unexplained.append((lat, lon, theirs, ours, kind))
    raw = classes["same id"] / POINTS
    resolved = (classes["same id"] + classes["engine gave the dropped twin of ours"]) / POINTS
    print(f"\nagreement with dongnae: raw {raw:.2%}, alias-resolved {resolved:.2%}")
    for kind, count in classes.most_common():
        print(f"  {count:6d}  {kind}")
    assert unexplained == []
    assert resolved >= 0.995
    assert classes["same id"] > 0.9 * POINTS


def test_reverse_is_exact_everywhere(dataset: Dataset) -> None:
    """Random points over the whole box (land, sea, borders), two tolerances."""
    kept = as_rows(dataset.rows)
    strict = NeighbourhoodIndex(dataset.rows)
    loose = NeighbourhoodIndex(dataset.rows, coverage_tolerance_km=1.5, cell_km=3.0)
    rng = random.Random(SEED + 1)
    outcomes: Counter[bool] = Counter()
    for _ in range(100):
        lat, lon = rng.uniform(33.0, 38.7), rng.uniform(124.5, 132.0)
        best, best_id = min((planar(row, lat, lon, strict.lon_coef), row[0]) for row in kept)
        assert strict.reverse(lat, lon) == (best_id if best <= 0.0 else None)
        assert loose.reverse(lat, lon) == (best_id if best <= 1.5 else None)
        outcomes[best <= 0.0] += 1
    assert outcomes[True] > 20 and outcomes[False] > 20


def test_known_places(index: NeighbourhoodIndex) -> None:
    assert index.reverse(37.50007841, 127.0385488) == YEOKSAM
    assert index.reverse(33.0, 131.0) is None  # the open sea
    assert index.reverse(35.68, 139.69) is None  # Tokyo
    assert index.reverse(0.0, 0.0) is None
    assert index.reverse(math.nan, 127.0) is None
    assert len(index) == 20_233
    assert "4571025622" not in index and "5271025622" in index


def test_distance_and_contains(index: NeighbourhoodIndex) -> None:
    lat, lon = 37.50007841, 127.0385488
    assert index.boundary_distance_km(YEOKSAM, lat, lon) == -1.329
    north = lat + (1.329 + 2.0) / LAT_KM_PER_DEGREE  # 2 km beyond the edge
    assert index.boundary_distance_km(YEOKSAM, north, lon) == pytest.approx(2.0)
    assert index.contains(YEOKSAM, lat, lon)
    assert not index.contains(YEOKSAM, north, lon)
    assert not index.contains(YEOKSAM, north, lon, tolerance_km=1.9)
    assert index.contains(YEOKSAM, north, lon, tolerance_km=2.1)
    with pytest.raises(KeyError):
        index.boundary_distance_km("4571025622", lat, lon)


def test_tolerance_ties_and_edge_cases() -> None:
    rows = [("b", 10.0, 20.0, 1.0), ("a", 10.0, 20.0, 1.0), ("c", 10.0, 20.1, 0.5)]
    strict = NeighbourhoodIndex(rows)
    loose = NeighbourhoodIndex(rows, coverage_tolerance_km=1.0)
    assert strict.lon_coef == lon_coefficient([10.0]) == round(111 * math.cos(math.radians(10)), 2)
    assert strict.reverse(10.0, 20.0) == "a"  # identical circles: the smaller id
    outside = 10.0 + 1.5 / LAT_KM_PER_DEGREE  # 0.5 km north of a/b
    assert strict.reverse(outside, 20.0) is None
    assert loose.reverse(outside, 20.0) == "a"
    assert loose.reverse(10.0 + 2.5 / LAT_KM_PER_DEGREE, 20.0) is None
    assert strict.reverse(10.0, 20.1) == "c"
    empty = NeighbourhoodIndex([])
    assert len(empty) == 0 and empty.reverse(10.0, 20.0) is None
    with pytest.raises(ValueError, match="duplicate"):
        NeighbourhoodIndex([*rows, ("a", 1.0, 1.0, 1.0)])
    for tolerance in (-0.1, math.nan, 51.0):
        with pytest.raises(ValueError, match="coverage_tolerance_km"):
            NeighbourhoodIndex(rows, coverage_tolerance_km=tolerance)
    for cell_km in (0.0, math.inf):
        with pytest.raises(ValueError, match="cell_km"):
            NeighbourhoodIndex(rows, cell_km=cell_km)


circle = st.tuples(
    st.floats(-0.2, 0.2), st.floats(-0.2, 0.2), st.sampled_from([0.05, 0.3, 1.0, 2.5, 8.0])
)


@settings(max_examples=150, deadline=None)
@given(
    base=st.tuples(st.floats(-60.0, 60.0), st.floats(-170.0, 170.0)),
    circles=st.lists(circle, min_size=1, max_size=30),
    copies=st.integers(0, 3),
    tolerance=st.sampled_from([0.0, 0.4, 3.0]),
    cell_km=st.sampled_from([0.5, 2.0, 7.0]),
    seed=st.integers(0, 2**32),
)
def test_reverse_matches_brute_force(
    base: tuple[float, float],
    circles: list[tuple[float, float, float]],
    copies: int,
    tolerance: float,
    cell_km: float,
    seed: int,
) -> None:
    rng = random.Random(seed)
    shapes = circles + circles[:copies]  # identical circles under other ids
    ids = rng.sample(range(1000), len(shapes))
    rows = [
        (f"n{i:03d}", base[0] + dlat, base[1] + dlon, radius)
        for i, (dlat, dlon, radius) in zip(ids, shapes, strict=True)
    ]
    index = NeighbourhoodIndex(rows, coverage_tolerance_km=tolerance, cell_km=cell_km)
    points = [(row[1], row[2]) for row in rows]  # centres: ties at distance -radius
    points += [
        (base[0] + rng.uniform(-0.35, 0.35), base[1] + rng.uniform(-0.35, 0.35)) for _ in range(40)
    ]
    for lat, lon in points:
        assert index.reverse(lat, lon) == brute_reverse(rows, lat, lon, index.lon_coef, tolerance)


# --- ranges -------------------------------------------------------------------------


def brute_ranges(rows: Sequence[Row], limits: Sequence[float]) -> set[tuple[str, str, int]]:
    found = set()
    for origin, target in itertools.product(rows, rows):
        if origin is target:
            found.add((origin[0], origin[0], 0))
            continue
        gap = great_circle_km(origin[1], origin[2], target[1], target[2]) - target[3]
        level = next((n for n, limit in enumerate(limits, 1) if gap <= limit), None)
        if level is not None:
            found.add((origin[0], target[0], level))
    return found


@pytest.fixture(scope="module")
def ranges(dataset: Dataset) -> dict[tuple[str, str], int]:
    return {(origin, target): level for origin, target, level in compute_ranges(dataset.rows)}


def test_ranges_of_the_bundled_data(dataset: Dataset, ranges: dict[tuple[str, str], int]) -> None:
    levels = Counter(ranges.values())
    print(f"\nranges: {len(ranges):,} pairs, by level {dict(sorted(levels.items()))}")
    assert levels == {0: 20_233, 1: 314_428, 2: 335_112, 3: 431_298}
    assert all(ranges[(row.id, row.id)] == 0 for row in dataset.rows)
    assert all(level > 0 for (origin, target), level in ranges.items() if origin != target)


def test_ranges_are_symmetric_where_they_must_be(
    dataset: Dataset, ranges: dict[tuple[str, str], int]
) -> None:
    """If t is within L of o and o is no smaller than t, then o is within L of t."""
    radius = {row.id: row.radius_km for row in dataset.rows}
    for (origin, target), level in ranges.items():
        if radius[origin] >= radius[target]:
            assert ranges[(target, origin)] <= level, (origin, target)


def test_yeoksam_ranges_are_plausible(ranges: dict[tuple[str, str], int]) -> None:
    mine = {target: level for (origin, target), level in ranges.items() if origin == YEOKSAM}
    per_level = Counter(mine.values())
    print(f"\n역삼동 targets per level: {dict(sorted(per_level.items()))}")
    assert per_level[0] == 1
    assert 5 <= per_level[1] <= 30 and 10 <= per_level[2] <= 60 and 15 <= per_level[3] <= 120
    for neighbour in ("1168010800", "1168010500", "1168010600", "1168011800", "1165010800"):
        assert mine[neighbour] == 1  # 논현 삼성 대치 도곡 서초
    assert mine["1171010100"] == 2  # 잠실동
    assert "1111010100" not in mine  # 종로구 청운동, ~10 km away


def test_ranges_match_brute_force_on_a_dense_subset(dataset: Dataset) -> None:
    rng = random.Random(SEED)
    centre = rng.choice(dataset.rows)
    by_distance = sorted(
        dataset.rows,
        key=lambda row: great_circle_km(centre.lat, centre.lon, row.lat, row.lon),
    )
    large = [row for row in dataset.rows[::7] if row.radius_km > 10.0][:20]
    subset = as_rows(list(dict.fromkeys(by_distance[:480] + large)))
    found = list(compute_ranges(subset))
    assert len(found) == len(set(found))
    assert set(found) == brute_ranges(subset, (2.0, 4.0, 6.0))
    assert len(found) > 5 * len(subset)  # dense enough to test something
    # Sorted by origin, the origin itself first, then targets by id.
    for origin, group in itertools.groupby(found, key=lambda pair: pair[0]):
        targets = [target for _, target, _ in group]
        assert targets[0] == origin and targets[1:] == sorted(targets[1:])
    assert [origin for origin, target, _ in found if origin == target] == sorted(
        r[0] for r in subset
    )


@settings(max_examples=100, deadline=None)
@given(
    base=st.tuples(st.floats(-84.0, 84.0), st.floats(-180.0, 180.0)),
    circles=st.lists(
        st.tuples(st.floats(-0.3, 0.3), st.floats(-0.6, 0.6), st.floats(0.01, 30.0)),
        min_size=1,
        max_size=25,
    ),
    limits=st.lists(st.floats(0.0, 20.0), min_size=1, max_size=4, unique=True).map(sorted),
)
def test_ranges_match_brute_force(
    base: tuple[float, float], circles: list[tuple[float, float, float]], limits: list[float]
) -> None:
    rows = []
    for n, (dlat, dlon, radius) in enumerate(circles):
        lon = base[1] + dlon
        lon = lon - 360.0 if lon > 180.0 else lon + 360.0 if lon < -180.0 else lon
        rows.append((f"x{n}", max(-85.0, min(85.0, base[0] + dlat)), lon, radius))
    assert set(compute_ranges(rows, limits)) == brute_ranges(rows, limits)


def test_ranges_across_the_antimeridian() -> None:
    rows = [("east", -17.0, 179.99, 0.5), ("west", -17.0, -179.99, 0.5)]
    assert set(compute_ranges(rows)) == {
        ("east", "east", 0),
        ("east", "west", 1),
        ("west", "east", 1),
        ("west", "west", 0),
    }


@pytest.mark.parametrize("limits", [(), (2.0, 2.0), (4.0, 2.0), (-1.0, 2.0), (1.0, math.inf)])
def test_ranges_reject_bad_limits(limits: tuple[float, ...]) -> None:
    with pytest.raises(ValueError, match="limits_km"):
        list(compute_ranges([("a", 1.0, 1.0, 1.0)], limits))
