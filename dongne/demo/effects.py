"""The effects the simulated neighbourhood plants, all in one place.

The insights must find these again in the data the simulation leaves behind;
tests/demo/test_planted_effects.py checks each one within a stated tolerance.
Change a number here and the test tells you whether the insights still see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Typical sold price per category (won): an item's asking price is this times
# a log-normal factor whose median is 1, so the median sold price is this.
TYPICAL_PRICES: dict[str, int] = {
    "digital": 300_000,
    "appliances": 80_000,
    "furniture": 40_000,
    "kitchen": 15_000,
    "kids": 30_000,
    "kids_books": 20_000,
    "womens_clothing": 25_000,
    "mens": 35_000,
    "sports": 60_000,
    "hobby": 120_000,
    "books": 8_000,
    "tickets": 20_000,
    "pets": 20_000,
    "plants": 10_000,
}


@dataclass(frozen=True)
class Effects:
    # --- live chat: the seller's first answer decides the sale -------------------
    # Probability that a conversation ends in a deal, by how long the seller took
    # to answer the buyer's first message (the insight's own buckets).
    sale_lt5m: float = 0.65
    sale_5_30m: float = 0.50
    sale_30m_2h: float = 0.38
    sale_gt2h: float = 0.18
    # Sellers' habits: the share of sellers of each kind, and for each kind how
    # often an answer falls in each bucket (< 5 min, 5–30 min, 30 min–2 h, > 2 h).
    # On top of the habit, some buyers never get an answer.
    fast_sellers: float = 0.40
    medium_sellers: float = 0.30
    reply_habits: dict[str, tuple[float, float, float, float]] = field(
        default_factory=lambda: {
            "fast": (0.75, 0.20, 0.05, 0.0),
            "medium": (0.15, 0.40, 0.35, 0.10),
            "slow": (0.0, 0.05, 0.20, 0.75),
        }
    )
    no_answer: float = 0.08

    # --- concentration: a few heavy users ---------------------------------------
    heavy_share: float = 0.10  # of residents
    heavy_weight: float = 5.0  # how much more often they post and buy per active day

    # --- exit after voice --------------------------------------------------------
    daily_leave: float = 0.010  # everyone's daily chance of stopping for good
    leave_after_negative_review: float = 0.060  # daily, once a 별로예요 was received
    leave_after_unanswered_report: float = 0.060  # daily, once a report went 3 days unanswered
    negative_review: float = 0.12  # share of reviews that are 별로예요
    report_answered: float = 0.5  # share of reports an operator answers (within a day)
    report_per_active_day: float = 0.03

    # --- unmet demand ---------------------------------------------------------------
    # Searched for but never posted; the first is searched most (7 in 10).
    unmet_terms: tuple[str, ...] = ("캠핑 의자", "아기 카시트", "전동 킥보드")
    unmet_search: float = 0.30  # share of searches that look for one of them
    # --- prices ---------------------------------------------------------------------
    price_sigma: float = 0.35  # spread of the log-normal price factor
    typical_prices: dict[str, int] = field(default_factory=lambda: dict(TYPICAL_PRICES))

    def sale_probability(self, reply_seconds: float | None) -> float:
        if reply_seconds is None:
            return 0.0
        if reply_seconds < 300:
            return self.sale_lt5m
        if reply_seconds < 1800:
            return self.sale_5_30m
        if reply_seconds < 7200:
            return self.sale_30m_2h
        return self.sale_gt2h


PLANTED = Effects()
