"""`dongne geo load FILE.csv`: any CSV with the same columns, all or nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT, DatabaseUnderTest, query

PARIS = """dnid,dnname,dnlatitude,dnlongitude,dnradius
FR75101,Paris 1er Arrondissement,48.8625,2.3364,1.0
FR75104,Paris 4e Arrondissement,48.8543,2.3576,0.9
FR75116,Paris 16e Arrondissement,48.8603,2.2621,2.5
FR69001,Lyon 1er Arrondissement,45.7676,4.8344,0.8
"""


def load(db: DatabaseUnderTest, path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DONGNE_DATABASE_URL": db.url}
    return subprocess.run(
        [sys.executable, "-m", "dongne.cli", "geo", "load", str(path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_foreign_csv_loads_with_its_ranges(
    migrated_database_factory: Callable[[], DatabaseUnderTest], tmp_path: Path
) -> None:
    db = migrated_database_factory()
    csv = tmp_path / "paris.csv"
    csv.write_text(PARIS, encoding="utf-8")
    run = load(db, csv)
    assert run.returncode == 0, run.stderr + run.stdout
    assert "loaded 4 neighbourhoods" in run.stdout
    names = dict(query(db, "SELECT id, name FROM neighbourhoods"))
    assert names["FR75101"] == "Paris 1er Arrondissement"  # no Korean-style shortening
    ranges = query(
        db, "SELECT target_id, level FROM neighbourhood_ranges WHERE origin_id = 'FR75101'"
    )
    levels = dict(ranges)
    assert levels["FR75101"] == 0
    assert levels["FR75104"] == 1  # 1.8 km apart
    assert "FR69001" not in levels  # Lyon is 390 km away

    broken = tmp_path / "broken.csv"
    broken.write_text(PARIS + "FR13001,Marseille,not-a-number,5.37,1.0\n", encoding="utf-8")
    failed = load(db, broken)
    assert failed.returncode == 2
    assert "6" in failed.stdout  # names the offending line
    assert query(db, "SELECT count(*) FROM neighbourhoods")[0][0] == 4  # nothing changed


def test_a_reload_keeps_the_neighbourhoods_people_chose(
    migrated_database_factory: Callable[[], DatabaseUnderTest], tmp_path: Path
) -> None:
    """A neighbourhood the new data lacks is dropped, unless an account chose it
    (accounts tells the loader which: the command asks it)."""
    db = migrated_database_factory()
    csv = tmp_path / "paris.csv"
    csv.write_text(PARIS, encoding="utf-8")
    assert load(db, csv).returncode == 0
    query(
        db,
        "INSERT INTO users (id, email, nickname, role, locale, created_at)"
        " VALUES (1, 'lyon@example.com', 'lyon', 'user', 'ko', CURRENT_TIMESTAMP)",
    )
    query(
        db,
        "INSERT INTO user_neighbourhoods"
        " (user_id, neighbourhood_id, is_active, range_level, created_at)"
        " VALUES (1, 'FR69001', true, 2, CURRENT_TIMESTAMP)",
    )
    smaller = tmp_path / "smaller.csv"
    smaller.write_text("\n".join(PARIS.splitlines()[:3]) + "\n", encoding="utf-8")  # no 16e, Lyon
    run = load(db, smaller)
    assert run.returncode == 0, run.stderr + run.stdout
    assert "kept 1 in use" in run.stdout
    ids = {row[0] for row in query(db, "SELECT id FROM neighbourhoods")}
    assert ids == {"FR75101", "FR75104", "FR69001"}
