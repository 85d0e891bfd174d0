"""The manner temperature (매너온도): a pure function of the last twelve months
of reviews received and sanctions, so it can be recomputed from the data at any
time and always gives the same answer. The README's "Manner temperature"
section states the same rule with worked examples; tests/trust/test_temperature.py
checks that the two agree.

    T = clamp(36.5 + Σ weight(age) × points, 0, 99), rounded to 0.1 (half up)

    weight(age) = 0.5 ** (age_days / 180)   for an age under 365 days, else 0
                  (age_days in whole days; a date in the future counts as today)
    review points: best +0.6, good +0.3, not good −1.5;
                   every positive manner item +0.05, every negative item −0.2
    sanction points: warning −2.0; suspension −(3.0 + 0.3 × days)
    a ban from the last 365 days: T = 0
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

START = 36.5
MINIMUM = 0.0
MAXIMUM = 99.0
HORIZON = timedelta(days=365)
HALF_LIFE_DAYS = 180.0

RATING_POINTS: dict[str, float] = {"best": 0.6, "good": 0.3, "bad": -1.5}
POSITIVE_ITEM_POINTS = 0.05
NEGATIVE_ITEM_POINTS = -0.2
WARNING_POINTS = -2.0
SUSPENSION_POINTS = -3.0
SUSPENSION_DAY_POINTS = -0.3


@dataclass(frozen=True)
class ReviewFact:
    """A review someone received: when, how good, and how many manner items of
    each kind it named."""

    at: datetime
    rating: str  # best | good | bad
    positive_items: int = 0
    negative_items: int = 0


@dataclass(frozen=True)
class SanctionInput:
    """What the formula needs of a sanction (moderation's SanctionFact fits)."""

    kind: str  # "warning" | "suspension" | "ban"
    at: datetime
    days: int | None = None


def weight(at: datetime, now: datetime) -> float:
    """How much an event of time ``at`` counts at ``now``: 1 today, ½ after 180
    days, ¼ after 360, nothing from 365 days on."""
    age = now - at
    if age >= HORIZON:
        return 0.0
    days = max(0, age.days)  # whole days: the value holds still within a day
    return float(0.5 ** (days / HALF_LIFE_DAYS))


def review_points(review: ReviewFact) -> float:
    return (
        RATING_POINTS[review.rating]
        + POSITIVE_ITEM_POINTS * max(0, review.positive_items)
        + NEGATIVE_ITEM_POINTS * max(0, review.negative_items)
    )


def sanction_points(sanction: SanctionInput) -> float:
    """A warning's or a suspension's points (a ban is not points: see below)."""
    if sanction.kind == "suspension":
        return SUSPENSION_POINTS + SUSPENSION_DAY_POINTS * max(0, sanction.days or 0)
    return WARNING_POINTS


def round_tenth(value: float) -> float:
    """Half up to one decimal, the way the value is shown (36.45 → 36.5)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def manner_temperature(
    reviews: Iterable[ReviewFact],
    sanctions: Iterable[SanctionInput] = (),
    *,
    now: datetime,
) -> float:
    """The temperature at ``now``. Order of the inputs does not matter:
    ``math.fsum`` adds exactly, so any permutation gives the same float."""
    sanctions = list(sanctions)
    if any(s.kind == "ban" and weight(s.at, now) > 0 for s in sanctions):
        return MINIMUM
    terms = [weight(r.at, now) * review_points(r) for r in reviews]
    terms += [weight(s.at, now) * sanction_points(s) for s in sanctions]
    raw = START + math.fsum(terms)
    return round_tenth(min(MAXIMUM, max(MINIMUM, raw)))


# ---- how it is shown -----------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A colour and face band of the temperature scale."""

    code: str
    below: float  # the band holds values under this (the last one: up to 99)
    face: str
    colour: str


BANDS: tuple[Band, ...] = (
    Band("freezing", 20.0, "😫", "#0d3a99"),
    Band("cold", 32.0, "😟", "#1561a9"),
    Band("cool", 36.5, "🙂", "#319e96"),
    Band("warm", 40.0, "😊", "#27a04a"),
    Band("hot", 50.0, "😄", "#de9b00"),
    Band("boiling", math.inf, "😍", "#e06a1b"),
)


def band(value: float) -> Band:
    for b in BANDS:
        if value < b.below:
            return b
    return BANDS[-1]
