"""4. Concentration (the CRM paradox).

Deals per person among everyone active in the range (a deal counts for its
seller and for its buyer): the Lorenz curve, the Gini coefficient and the
share of deals made by the top 20 %. Week by week the same share is set
against new-user retention (new people of a week who come back the next
week); the alert fires when the core's share grows while newcomers return
less: growth carried by a shrinking core."""

from __future__ import annotations

from datetime import date

from dongne.insights.engine import Chart, Filters, Query, Result, Series, Table, pct
from dongne.kit.i18n import N_

KEY = "concentration"
TITLE = N_("거래 집중도")
LORENZ_POINTS = 20

# Deals per person (and week) among everyone active then or trading then; the
# deals are counted before the join, so the large side (people) is only joined.
PER_USER = """
WITH here AS (
    SELECT d.actor AS seller, d.buyer_id AS buyer, d.date
    FROM deals d JOIN lst l ON l.id = d.listing_id
),
parts AS (
    SELECT seller AS actor, date FROM here WHERE seller IS NOT NULL
    UNION ALL SELECT buyer, date FROM here WHERE buyer IS NOT NULL
),
part_counts AS (SELECT actor, {week} AS wk, count(*) AS deals FROM parts GROUP BY 1, 2),
people AS (
    SELECT actor, {week} AS wk FROM ud
    WHERE date BETWEEN DATE '{start}' AND DATE '{end}'
    UNION SELECT actor, wk FROM part_counts
)
SELECT p.wk, coalesce(c.deals, 0) AS deals
FROM people p LEFT JOIN part_counts c ON c.actor = p.actor AND c.wk = p.wk
"""

# Share of the top 20 % and Gini, computed by DuckDB from per-person counts.
STATS = """
WITH c AS (SELECT * FROM {per_user}),
r AS (
    SELECT wk, deals,
           row_number() OVER (PARTITION BY wk ORDER BY deals) AS i,
           count(*) OVER (PARTITION BY wk) AS n,
           sum(deals) OVER (PARTITION BY wk) AS total,
           row_number() OVER (PARTITION BY wk ORDER BY deals DESC) AS rank_desc
    FROM c
)
SELECT wk, any_value(n), any_value(total),
       sum(deals) FILTER (WHERE rank_desc <= ceil(0.2 * n)) / nullif(any_value(total), 0),
       2.0 * sum(i * deals) / nullif(any_value(n) * any_value(total), 0)
           - (any_value(n) + 1.0) / any_value(n)
FROM r GROUP BY wk ORDER BY wk
"""
LORENZ = """
WITH c AS (SELECT * FROM {per_user}),
r AS (
    SELECT deals, row_number() OVER (ORDER BY deals) AS i, count(*) OVER () AS n,
           sum(deals) OVER (ORDER BY deals ROWS UNBOUNDED PRECEDING) AS cum,
           sum(deals) OVER () AS total
    FROM c
)
SELECT i * 1.0 / n, cum * 1.0 / nullif(total, 0) FROM r
WHERE i % greatest(1, n // {points}) = 0 OR i = n ORDER BY i
"""
NEW_RETENTION = """
SELECT f.fw, count(*), count(n.actor)
FROM first_weeks f LEFT JOIN uw n ON n.actor = f.actor AND n.wk = f.fw + 7
WHERE f.fw >= CAST(date_trunc('week', CAST(? AS DATE)) AS DATE)
  AND f.fw + 13 <= CAST(? AS DATE)
GROUP BY 1 ORDER BY 1
"""


def _per_user(f: Filters, weekly: bool) -> str:
    week = "CAST(date_trunc('week', date) AS DATE)" if weekly else "DATE '2000-01-01'"
    return PER_USER.format(week=week, start=f.start.isoformat(), end=f.end.isoformat())


def trend_alert(shares: list[float], retention: list[float]) -> bool:
    """The core's share rose and newcomer retention fell, comparing the first
    and second halves of the weeks that have both."""
    k = min(len(shares), len(retention))
    if k < 4:
        return False
    s, r = shares[-k:], retention[-k:]
    half = k // 2

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs)

    return mean(s[half:]) > mean(s[:half]) + 0.02 and mean(r[half:]) < mean(r[:half]) - 0.02


def _counts(q: Query, f: Filters, weekly: bool) -> str:
    """Per-person (and week) deal counts, made once for the queries that read them."""
    name = "deals_per_week" if weekly else "deals_per_person"
    return q.temp(name, _per_user(f, weekly))


def compute(q: Query, f: Filters) -> Result:
    q.user_weeks()
    q.deals()
    overall_counts = _counts(q, f, weekly=False)
    overall = q.rows(STATS.format(per_user=overall_counts))
    n, total, top20, gini = overall[0][1:] if overall else (0, 0, None, None)
    lorenz = [(0.0, 0.0)] + [
        (float(x), float(y or 0))
        for x, y in q.rows(LORENZ.format(per_user=overall_counts, points=LORENZ_POINTS))
    ]
    weekly = {
        wk: (float(share) if share is not None else None, float(g) if g is not None else None)
        for wk, _n, _t, share, g in q.rows(STATS.format(per_user=_counts(q, f, weekly=True)))
    }
    retention: dict[date, float | None] = {
        fw: (int(back) / int(size) if size else None)
        for fw, size, back in q.rows(NEW_RETENTION, [f.start, f.end])
    }
    weeks = sorted(set(weekly) | set(retention))
    rows = [
        (
            wk.isoformat(),
            weekly.get(wk, (None, None))[0],
            weekly.get(wk, (None, None))[1],
            retention.get(wk),
        )
        for wk in weeks
    ]
    both = [(r[1], r[3]) for r in rows if r[1] is not None and r[3] is not None]
    alerts = []
    if trend_alert([b[0] for b in both], [b[1] for b in both]):
        alerts.append(
            N_(
                "상위 20%의 거래 비중은 커지는데 신규 사용자는 덜 돌아와요: "
                "성장이 줄어드는 핵심 사용자에게 기대고 있어요."
            )
        )
    return Result(
        key=KEY,
        title=TITLE,
        chart=Chart(
            kind="lorenz",
            labels=[f"{x:.2f}" for x, _ in lorenz],
            series=[Series(N_("로렌츠 곡선"), [y for _, y in lorenz])],
            y_label=N_("거래 누적 비중"),
            percent=True,
        ),
        figures=[
            (N_("사용자"), f"{int(n or 0):,}"),
            (N_("거래 참여 (판매+구매)"), f"{int(total or 0):,}"),
            (N_("상위 20%의 거래 비중"), pct(float(top20) if top20 is not None else None)),
            (N_("지니 계수"), "–" if gini is None else f"{float(gini):.3f}"),
        ],
        alerts=alerts,
        tables=[
            Table(
                N_("주별 상위 20% 비중과 신규 사용자 재방문율"),
                ["week", "top20_share", "gini", "new_user_next_week_retention"],
                rows,
            ),
            Table(
                N_("로렌츠 곡선"),
                ["user_share", "deal_share"],
                [(round(x, 4), round(y, 4)) for x, y in lorenz],
            ),
        ],
    )
