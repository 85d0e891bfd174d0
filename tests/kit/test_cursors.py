"""Cursors a client sends back: what is not one is a clear 422, never a 500."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from dongne.kit.cursors import decode_cursor, encode_cursor, time_and_id
from dongne.kit.errors import InvalidInput


def test_a_cursor_gives_back_what_was_put_in() -> None:
    moment = datetime(2026, 12, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert time_and_id(encode_cursor(moment, 42)) == (moment, 42)
    assert decode_cursor(encode_cursor("a", 1, 2.5), 3) == ["a", "1", "2.5"]
    assert time_and_id(None) is None


def raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        raw("only-one-part"),
        raw("2026-12-02T03:04:05+00:00|x"),
        raw("not a time|3"),
        raw("2026-12-02T03:04:05|3"),  # naive: no stored time is
        "////",
    ],
)
def test_anything_else_is_refused_with_a_message(cursor: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        time_and_id(cursor)
    assert refused.value.field == "cursor"
