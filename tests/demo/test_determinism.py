"""`dongne demo` is deterministic for a seed: the same seed on an empty
database gives the same events, in the same order, at the same times."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from dongne.config import Settings
from dongne.demo.shops import open_shops
from dongne.demo.simulation import simulate
from tests.conftest import DatabaseUnderTest, query

END = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def town(factory: Callable[[], DatabaseUnderTest], data_dir: Path, seed: int) -> DatabaseUnderTest:
    db = factory()  # migrated, every neighbourhood loaded, nothing else
    settings = Settings(
        database_url=db.url, data_dir=data_dir, env="test", password_hash_profile="cheapest"
    )

    async def live() -> None:
        from dongne.app import build_services

        svc = await build_services(settings)
        try:
            await simulate(svc, users=8, days=4, seed=seed, console=Console(quiet=True), end=END)
            await open_shops(svc, seed, END)
            await svc.jobs.drain()
        finally:
            await svc.close()

    with warnings.catch_warnings():
        # geo/service.py (not this package) still calls a SQLAlchemy 2.1 deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.run(live())
    return db


def events(db: DatabaseUnderTest) -> list[tuple[object, ...]]:
    return query(db, "SELECT id, name, user_id, occurred_at, properties FROM events ORDER BY id")


@pytest.fixture(scope="module")
def seed5(
    loaded_database_factory: Callable[[], DatabaseUnderTest],
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[object, ...]]:
    return events(town(loaded_database_factory, tmp_path_factory.mktemp("seed5"), seed=5))


def test_the_same_seed_gives_the_same_town(
    seed5: list[tuple[object, ...]],
    loaded_database_factory: Callable[[], DatabaseUnderTest],
    tmp_path: Path,
) -> None:
    again = events(town(loaded_database_factory, tmp_path, seed=5))
    assert len(seed5) > 100
    assert again == seed5
    # the simulated clock put every event inside the simulated days, not at "now"
    times = sorted(str(row[3]) for row in seed5)
    assert times[0] >= "2026-11-16" and times[-1] < "2026-11-20 12:00:01"
    # shops opened in the last evening, through the same services as people
    names = {str(row[1]) for row in seed5}
    assert {"business_created", "business_verified", "business_post_created"} <= names
    assert {"business_followed", "business_review_written"} & names


def test_another_seed_gives_another_town(
    seed5: list[tuple[object, ...]],
    loaded_database_factory: Callable[[], DatabaseUnderTest],
    tmp_path: Path,
) -> None:
    other = events(town(loaded_database_factory, tmp_path, seed=6))
    assert [r[1:3] for r in other] != [r[1:3] for r in seed5]
