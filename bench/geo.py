"""Reverse geocoding: our grid index against ``dongnae``'s ``engine.where()``, side by side.

    python bench/geo.py [--points N] [--seed S]

Draws N points uniformly inside the circles of randomly chosen rows of the original data
(in the engine's plane), times both on the same points, checks that they agree, and
times the index build and the range computation.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

try:
    import dongne  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dongnae_kr

from dongne.geo.dataset import Dataset, bundled_csv_path, read_csv
from dongne.geo.index import LAT_KM_PER_DEGREE, NeighbourhoodIndex, compute_ranges

Row = tuple[str, float, float, float]  # id, lat, lon, radius_km


def planar(row: Row, lat: float, lon: float, lon_coef: float) -> float:
    dy = (row[1] - lat) * LAT_KM_PER_DEGREE
    dx = (row[2] - lon) * lon_coef
    return math.sqrt(dy * dy + dx * dx) - row[3]


def brute_reverse(rows: Sequence[Row], lat: float, lon: float, lon_coef: float) -> str | None:
    best, best_id = min((planar(row, lat, lon, lon_coef), row[0]) for row in rows)
    return best_id if best <= 0.0 else None


def original_rows() -> list[Row]:
    text = bundled_csv_path().read_text(encoding="utf-8-sig")
    return [
        (r["dnid"], float(r["dnlatitude"]), float(r["dnlongitude"]), float(r["dnradius"]))
        for r in csv.DictReader(io.StringIO(text))
    ]


def draw_points(
    rows: Sequence[Row], n: int, seed: int, lat_coef: float, lon_coef: float
) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    points = []
    for _ in range(n):
        _, lat, lon, radius = rng.choice(rows)
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
    original: dict[str, Row],
    position: dict[str, int],
    kept: Sequence[Row],
    data: Dataset,
    lon_coef: float,
) -> str:
    """Why the answers differ (the same classes as tests/geo/test_index.py)."""
    if ours == theirs:
        return "same id"
    if ours is not None and data.aliases.get(theirs) == ours:
        return "engine gave the dropped twin of ours"
    if ours != brute_reverse(kept, lat, lon, lon_coef):
        return "UNEXPLAINED: index differs from brute force"
    d_theirs = planar(original[theirs], lat, lon, lon_coef)
    if ours is None:
        if theirs in data.aliases:
            return "only a dropped duplicate covers the point"
        return "on the boundary (floating point)" if d_theirs > -1e-9 else "UNEXPLAINED"
    d_ours = planar(original[ours], lat, lon, lon_coef)
    if d_ours == d_theirs and ours < theirs:
        return "exact tie, smaller id wins"
    rounded_tie = round(d_ours, 4) == round(d_theirs, 4)
    if d_ours < d_theirs and rounded_tie and position[theirs] < position[ours]:
        return "engine's 4-decimal rounding tie, file order wins"
    if theirs in data.aliases and d_theirs < d_ours:
        twin = original[data.aliases[theirs]]
        if d_ours <= planar(twin, lat, lon, lon_coef):
            return "engine gave a dropped duplicate whose twin lies elsewhere"
    return "UNEXPLAINED"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args()
    n = args.points

    t0 = time.perf_counter()
    data = read_csv(bundled_csv_path())
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = NeighbourhoodIndex(data.rows)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine = dongnae_kr.dongnaekr()
    t_engine = time.perf_counter() - t0
    original = original_rows()
    points = draw_points(original, n, args.seed, engine._lat_coef, engine._lon_coef)
    assert index.lon_coef == engine._lon_coef

    theirs: list[str] = []
    engine_times: list[float] = []
    clock = time.perf_counter
    for lat, lon in points:
        t0 = clock()
        found = engine.where(lat, lon)
        engine_times.append(clock() - t0)
        assert found is not None
        theirs.append(found["dnid"])

    reverse = index.reverse
    our_times: list[float] = []
    for lat, lon in points:
        t0 = clock()
        reverse(lat, lon)
        our_times.append(clock() - t0)
    loops = []
    for _ in range(5):  # the mean without per-call clock overhead; best of 5 passes
        t0 = clock()
        for lat, lon in points:
            reverse(lat, lon)
        loops.append((clock() - t0) / n)
    ours = [reverse(lat, lon) for lat, lon in points]

    engine_mean = statistics.fmean(engine_times)
    our_mean = min(loops)
    print(f"reverse geocoding, {n:,} points inside random circles of the original data\n")
    print(f"{'':28}{'dongnae where()':>18}{'NeighbourhoodIndex':>20}")
    print(f"{'mean per call (µs)':28}{engine_mean * 1e6:18.1f}{our_mean * 1e6:20.2f}")
    print(
        f"{'p50 per call (µs)':28}{percentile(engine_times, 0.5) * 1e6:18.1f}"
        f"{percentile(our_times, 0.5) * 1e6:20.2f}"
    )
    print(
        f"{'p99 per call (µs)':28}{percentile(engine_times, 0.99) * 1e6:18.1f}"
        f"{percentile(our_times, 0.99) * 1e6:20.2f}"
    )
    print(f"{'build / load (s)':28}{t_engine:18.2f}{t_build:20.2f}")
    print(f"\nspeed-up (mean): {engine_mean / our_mean:,.0f}x")
    print("(p50/p99 time each call alone, so they include ~0.1 µs of clock overhead;")
    print(" the mean is the best of 5 untimed passes over all points)")
    print(f"CSV read + validation + dedupe: {t_load:.2f} s; index cells: {index.cell_count:,}")

    kept = [(r.id, r.lat, r.lon, r.radius_km) for r in data.rows]
    by_id = {row[0]: row for row in original}
    position = {row[0]: i for i, row in enumerate(original)}
    classes = Counter(
        classify(lat, lon, t, o, by_id, position, kept, data, index.lon_coef)
        for (lat, lon), t, o in zip(points, theirs, ours, strict=True)
    )
    raw = classes["same id"] / n
    resolved = (classes["same id"] + classes["engine gave the dropped twin of ours"]) / n
    print(f"\nagreement: raw {raw:.2%}, alias-resolved {resolved:.2%}")
    for kind, count in classes.most_common():
        print(f"  {count:7,d}  {kind}")

    t0 = time.perf_counter()
    levels = Counter(level for _, _, level in compute_ranges(data.rows))
    t_ranges = time.perf_counter() - t0
    total = sum(levels.values())
    print(
        f"\ncompute_ranges over {len(data.rows):,} neighbourhoods: {t_ranges:.2f} s, {total:,} rows"
    )
    for level in sorted(levels):
        print(f"  level {level}: {levels[level]:9,d}")
    unexplained = sum(count for kind, count in classes.items() if kind.startswith("UNEXPLAINED"))
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
