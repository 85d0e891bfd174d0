"""Voice in the loyalty insight: a support contact is a customer's 1:1 inquiry
to the platform's 고객센터, not an agent answering or a question to a shop; the
support CSAT is those customers' ratings only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from dongne.db import Database
from dongne.events import Event
from dongne.insights import loyalty
from dongne.insights.engine import Filters, latest_day, run
from dongne.insights.export import export_events
from tests.conftest import DatabaseUnderTest

AT = datetime(2026, 10, 1, 3, tzinfo=UTC)


def test_only_the_platforms_own_inquiries_and_ratings_count_as_support_voice(
    migrated_database_factory: Callable[[], DatabaseUnderTest], tmp_path: Path
) -> None:
    db = migrated_database_factory()
    rows = [
        # Two customers write to the 고객센터, one to a shop; an agent answers three times.
        ("inquiry_started", 1, {"inbox_id": 1, "conversation_id": 1, "support": True}),
        ("inquiry_started", 2, {"inbox_id": 1, "conversation_id": 2, "support": True}),
        ("inquiry_started", 3, {"inbox_id": 2, "conversation_id": 3, "support": False}),
        ("inbox_message_sent", 9, {"inbox_id": 1, "conversation_id": 1}),
        ("inbox_message_sent", 9, {"inbox_id": 1, "conversation_id": 2}),
        ("inbox_message_sent", 9, {"inbox_id": 2, "conversation_id": 3}),
        # The platform's customers rate their answers 5 and 2; a shop's customer gives 1.
        ("inbox_csat_given", 1, {"inbox_id": 1, "business_id": None, "score": 5}),
        ("inbox_csat_given", 2, {"inbox_id": 1, "business_id": None, "score": 2}),
        ("inbox_csat_given", 3, {"inbox_id": 2, "business_id": 7, "score": 1}),
        ("feed_viewed", 4, {"neighbourhood_id": "1168010100"}),
    ]

    async def fill() -> None:
        database = Database(db.url)
        async with database.transaction() as s:
            await s.execute(
                insert(Event),
                [
                    {
                        "name": n,
                        "user_id": u,
                        "occurred_at": AT + timedelta(minutes=i),
                        "properties": p,
                    }
                    for i, (n, u, p) in enumerate(rows)
                ],
            )
        await database.dispose()

    asyncio.run(fill())
    root = tmp_path / "export"
    asyncio.run(export_events(db.url, root))
    end = latest_day(root)
    assert end is not None
    result = run(loyalty.compute, root, Filters(end - timedelta(days=7), end))
    figures = dict(result.figures)
    assert figures["고객센터 문의"] == "2"
    assert figures["고객센터 만족도 (1~5)"] == "3.5 (n=2)"
