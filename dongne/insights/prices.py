"""7. Price guide: the median and inter-quartile range of sold prices, by
category and district; and for the listing form, of similar items sold inside
the seller's range ("이 근처 비슷한 물건은 보통 3만~5만 원에 거래됐어요").

A price is the listing's price when its deal was completed (given-away items
are left out). The guide speaks only when at least ``MIN_DEALS`` deals stand
behind it, so it never reveals one person's sale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dongne.insights.engine import Chart, Filters, Query, Result, Series, Table
from dongne.insights.files import is_current
from dongne.kit.i18n import N_

KEY = "prices"
TITLE = N_("시세")
MIN_DEALS = 5

SOLD = """
WITH sold AS (
    SELECT l.category, coalesce(l.district, '?') AS district, d.price
    FROM deals d JOIN lst l ON l.id = d.listing_id
    WHERE d.price > 0
)
SELECT category, district, count(*) AS deals,
       quantile_cont(price, 0.25) AS q1, median(price) AS median,
       quantile_cont(price, 0.75) AS q3
FROM sold
GROUP BY ROLLUP (category, district)
ORDER BY category NULLS FIRST, district NULLS FIRST
"""
GUIDE = """
SELECT count(*), quantile_cont(e.price, 0.25), median(e.price), quantile_cont(e.price, 0.75)
FROM events e JOIN listings l ON l.id = e.listing_id
WHERE e.name = 'deal_completed' AND e.price > 0 AND e.date >= CAST(? AS DATE)
  AND l.category = ? AND l.neighbourhood_id IN (SELECT unnest(CAST(? AS VARCHAR[])))
"""


def compute(q: Query, f: Filters) -> Result:
    q.deals()
    sold = q.rows(SOLD)
    rows = [
        (cat, district, int(n), round(q1), round(med), round(q3))
        for cat, district, n, q1, med, q3 in sold
        if cat is not None and district is not None
    ]
    per_category = [r for r in sold if r[0] is not None and r[1] is None]
    total = sum(int(r[2]) for r in per_category)
    return Result(
        key=KEY,
        title=TITLE,
        chart=Chart(
            kind="bar",
            labels=[str(r[0]) for r in per_category],
            series=[
                Series(
                    N_("중앙값 (원)"),
                    [float(r[4]) for r in per_category],
                    [float(r[3]) for r in per_category],
                    [float(r[5]) for r in per_category],
                )
            ],
            y_label=N_("원"),
            notes=[f"n={int(r[2]):,}" for r in per_category],
        ),
        figures=[(N_("거래완료 (가격 있음)"), f"{total:,}")],
        tables=[
            Table(
                N_("카테고리·지역별 거래 가격 (중앙값과 사분위 범위)"),
                ["category", "district", "deals", "q1", "median", "q3"],
                rows,
            )
        ],
    )


@dataclass(frozen=True)
class Guide:
    deals: int
    low: int
    median: int
    high: int


def price_guide(
    root: Path, category: str, neighbourhood_ids: Sequence[str], since: date
) -> Guide | None:
    """Sold prices of the category inside these neighbourhoods since a day,
    or None when fewer than MIN_DEALS deals stand behind them."""
    if not (root / "tables" / "listings.parquet").exists() or not is_current(root):
        return None  # no export yet, or one of an older layout until it is written again
    q = Query(root, Filters(since, date.max))
    try:
        n, q1, med, q3 = q.one_row(GUIDE, [since, category, list(neighbourhood_ids)])
    finally:
        q.close()
    if not n or int(n) < MIN_DEALS:
        return None
    return Guide(int(n), round(q1), round(med), round(q3))
