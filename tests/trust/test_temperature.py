"""The manner temperature formula (dongne/trust/reviews/temperature.py):
properties that must hold for any data, and the worked examples in docs/features.md."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dongne.trust.reviews.temperature import (
    BANDS,
    MAXIMUM,
    MINIMUM,
    START,
    ReviewFact,
    SanctionInput,
    band,
    manner_temperature,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
FEATURES = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def good(days: float = 0, items: int = 2) -> ReviewFact:
    return ReviewFact(at=ago(days), rating="good", positive_items=items)


def best(days: float = 0, items: int = 2) -> ReviewFact:
    return ReviewFact(at=ago(days), rating="best", positive_items=items)


def bad(days: float = 0, items: int = 1) -> ReviewFact:
    return ReviewFact(at=ago(days), rating="bad", negative_items=items)


# ---- strategies ------------------------------------------------------------------------

ages = st.floats(min_value=-30, max_value=800, allow_nan=False)
reviews = st.builds(
    lambda days, rating, pos, neg: ReviewFact(
        at=ago(days),
        rating=rating,
        positive_items=0 if rating == "bad" else pos,
        negative_items=neg if rating == "bad" else 0,
    ),
    ages,
    st.sampled_from(["best", "good", "bad"]),
    st.integers(0, 8),
    st.integers(0, 8),
)
sanctions = st.builds(
    lambda days, kind, length: SanctionInput(
        kind=kind, at=ago(days), days=length if kind == "suspension" else None
    ),
    ages,
    st.sampled_from(["warning", "suspension", "ban"]),
    st.integers(1, 365),
)
positive_reviews = st.builds(
    lambda days, rating, items: ReviewFact(at=ago(days), rating=rating, positive_items=items),
    ages,
    st.sampled_from(["best", "good"]),
    st.integers(0, 8),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(reviews, max_size=60), st.lists(sanctions, max_size=5))
def test_always_between_0_and_99(rs: list[ReviewFact], ss: list[SanctionInput]) -> None:
    value = manner_temperature(rs, ss, now=NOW)
    assert MINIMUM <= value <= MAXIMUM
    assert value == round(value, 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(reviews, max_size=40), st.lists(sanctions, max_size=4), positive_reviews)
def test_a_good_review_never_lowers_it(
    rs: list[ReviewFact], ss: list[SanctionInput], extra: ReviewFact
) -> None:
    before = manner_temperature(rs, ss, now=NOW)
    after = manner_temperature([*rs, extra], ss, now=NOW)
    assert after >= before


@settings(max_examples=200, deadline=None)
@given(st.lists(reviews, max_size=40), st.lists(sanctions, max_size=4), sanctions)
def test_a_sanction_never_raises_it(
    rs: list[ReviewFact], ss: list[SanctionInput], extra: SanctionInput
) -> None:
    assert manner_temperature(rs, [*ss, extra], now=NOW) <= manner_temperature(rs, ss, now=NOW)


@settings(max_examples=200, deadline=None)
@given(st.lists(reviews, max_size=40), st.lists(sanctions, max_size=4), st.randoms())
def test_the_same_data_gives_the_same_answer_in_any_order(
    rs: list[ReviewFact], ss: list[SanctionInput], rnd: object
) -> None:
    first = manner_temperature(rs, ss, now=NOW)
    shuffled_r, shuffled_s = list(rs), list(ss)
    rnd.shuffle(shuffled_r)  # type: ignore[attr-defined]
    rnd.shuffle(shuffled_s)  # type: ignore[attr-defined]
    assert manner_temperature(shuffled_r, shuffled_s, now=NOW) == first
    assert manner_temperature(tuple(rs), tuple(ss), now=NOW) == first


@settings(max_examples=200, deadline=None)
@given(st.lists(reviews, max_size=20), st.lists(sanctions, max_size=3))
def test_nothing_older_than_a_year_counts(rs: list[ReviewFact], ss: list[SanctionInput]) -> None:
    old = [ReviewFact(at=ago(365 + d), rating="bad", negative_items=8) for d in range(5)]
    old_sanction = [SanctionInput(kind="ban", at=ago(400))]
    assert manner_temperature([*rs, *old], [*ss, *old_sanction], now=NOW) == manner_temperature(
        rs, ss, now=NOW
    )


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["best", "good"]), st.integers(0, 8), st.floats(0, 300))
def test_a_recent_review_weighs_more_than_an_older_one(
    rating: str, items: int, days: float
) -> None:
    newer = ReviewFact(at=ago(days), rating=rating, positive_items=items)
    older = ReviewFact(at=ago(days + 60), rating=rating, positive_items=items)
    # Twenty of them, so the difference survives rounding to 0.1.
    assert manner_temperature([newer] * 20, now=NOW) > manner_temperature([older] * 20, now=NOW)


def test_everyone_starts_at_36_5() -> None:
    assert manner_temperature([], [], now=NOW) == START == 36.5


# ---- the worked examples in docs/features.md ---------------------------------------------------------

# (the row's description as the docs' table writes it, reviews, sanctions, °C)
EXAMPLES: list[tuple[str, list[ReviewFact], list[SanctionInput], float]] = [
    ("후기 없음 (새 이웃)", [], [], 36.5),
    ("오늘 좋아요 1개, 좋은 항목 2개", [good(0, 2)], [], 36.9),
    ("오늘 최고예요 1개, 좋은 항목 4개", [best(0, 4)], [], 37.3),
    ("180일 전 좋아요 1개, 좋은 항목 2개", [good(180, 2)], [], 36.7),
    ("400일 전 최고예요 1개, 좋은 항목 8개", [best(400, 8)], [], 36.5),
    ("오늘 별로예요 1개, 나쁜 항목 2개", [bad(0, 2)], [], 34.6),
    ("오늘 좋아요 20개, 각각 좋은 항목 2개", [good(0, 2)] * 20, [], 44.5),
    (
        "오늘 좋아요 10개 (각각 좋은 항목 2개) + 별로예요 1개 (나쁜 항목 1개)",
        [*[good(0, 2)] * 10, bad(0, 1)],
        [],
        38.8,
    ),
    ("오늘 경고 1회", [], [SanctionInput("warning", ago(0))], 34.5),
    ("오늘 7일 이용정지", [], [SanctionInput("suspension", ago(0), 7)], 31.4),
    ("90일 전 7일 이용정지", [], [SanctionInput("suspension", ago(90), 7)], 32.9),
    ("오늘 영구정지", [good(0, 2)] * 5, [SanctionInput("ban", ago(0))], 0.0),
    ("오늘 최고예요 100개, 각각 좋은 항목 8개", [best(0, 8)] * 100, [], 99.0),
]


@pytest.mark.parametrize(("label", "rs", "ss", "expected"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_worked_examples(
    label: str, rs: list[ReviewFact], ss: list[SanctionInput], expected: float
) -> None:
    assert manner_temperature(rs, ss, now=NOW) == expected


def test_the_documented_table_is_these_examples() -> None:
    """The table under "Manner temperature" in docs/features.md lists exactly these rows."""
    text = FEATURES.read_text(encoding="utf-8")
    section = text.split("### Manner temperature", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| (.+?) \| ([0-9.]+) \|$", section, flags=re.MULTILINE)
    assert rows == [(label, f"{expected:.1f}") for label, _r, _s, expected in EXAMPLES]


def test_bands_cover_the_scale_in_order() -> None:
    assert band(0.0).code == "freezing"
    assert band(36.5).code == "warm"
    assert band(36.4).code == "cool"
    assert band(99.0).code == BANDS[-1].code
    limits = [b.below for b in BANDS]
    assert limits == sorted(limits)
