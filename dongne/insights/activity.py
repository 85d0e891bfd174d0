"""1. Activity: DAU/WAU/MAU, stickiness, lifecycle, weekly cohort retention.

Active means any event a person made themselves (see ``files.PASSIVE``).
Weeks start on Monday; days are days in Korea.
"""

from __future__ import annotations

from datetime import date, timedelta

from dongne.insights.engine import Chart, Filters, Query, Result, Series, Table, pct
from dongne.kit.i18n import N_

KEY = "activity"
TITLE = N_("활동")
RETENTION_WEEKS = 8

DAILY = """
SELECT date, count(*) FROM ud WHERE date BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
GROUP BY 1 ORDER BY 1
"""
ACTIVE_SINCE = """
SELECT count(DISTINCT actor) FROM ud
WHERE date > CAST(? AS DATE) - ? AND date >= CAST(? AS DATE) AND date <= CAST(? AS DATE)
"""
# Growth accounting per week: new (first week ever), returning (active the week
# before), resurrecting (active before, not the week before), dormant (active the
# week before, not this week).
LIFECYCLE = """
WITH cur AS (
    SELECT uw.wk,
           count(*) FILTER (WHERE f.fw = uw.wk) AS new,
           count(*) FILTER (WHERE f.fw < uw.wk AND p.actor IS NOT NULL) AS returned,
           count(*) FILTER (WHERE f.fw < uw.wk AND p.actor IS NULL) AS resurrecting
    FROM uw JOIN first_weeks f USING (actor)
    LEFT JOIN uw p ON p.actor = uw.actor AND p.wk = uw.wk - 7
    GROUP BY 1
),
dormant AS (
    SELECT p.wk + 7 AS wk, count(*) AS dormant
    FROM uw p LEFT JOIN uw c ON c.actor = p.actor AND c.wk = p.wk + 7
    WHERE c.actor IS NULL GROUP BY 1
)
SELECT cur.wk, new, returned, resurrecting, coalesce(dormant, 0)
FROM cur LEFT JOIN dormant USING (wk)
WHERE cur.wk >= CAST(date_trunc('week', CAST(? AS DATE)) AS DATE)
ORDER BY 1
"""
RETENTION = """
SELECT f.fw, (uw.wk - f.fw) // 7 AS k, count(*) AS n
FROM first_weeks f JOIN uw USING (actor)
WHERE f.fw >= CAST(date_trunc('week', CAST(? AS DATE)) AS DATE)
  AND (uw.wk - f.fw) // 7 < ?
GROUP BY 1, 2 ORDER BY 1, 2
"""


def compute(q: Query, f: Filters) -> Result:
    q.user_weeks()
    daily = dict(q.rows(DAILY, [f.start, f.end]))
    days = [f.start + timedelta(days=i) for i in range((f.end - f.start).days + 1)]
    dau = [int(daily.get(d, 0)) for d in days]
    wau = int(q.one(ACTIVE_SINCE, [f.end, 7, f.start, f.end]) or 0)
    mau = int(q.one(ACTIVE_SINCE, [f.end, 28, f.start, f.end]) or 0)
    last28 = dau[-28:]
    avg_dau = sum(last28) / len(last28) if last28 else 0.0
    stickiness = avg_dau / mau if mau else None

    lifecycle = [
        (wk.isoformat(), int(n), int(r), int(s), int(d))
        for wk, n, r, s, d in q.rows(LIFECYCLE, [f.start])
    ]
    cohorts: dict[date, dict[int, int]] = {}
    for fw, k, n in q.rows(RETENTION, [f.start, RETENTION_WEEKS]):
        cohorts.setdefault(fw, {})[int(k)] = int(n)
    retention_rows = []
    for fw, by_k in sorted(cohorts.items()):
        size = by_k.get(0, 0)
        retention_rows.append(
            (
                fw.isoformat(),
                size,
                *[
                    pct(by_k[k] / size)
                    if size and k in by_k and fw + timedelta(weeks=k) <= f.end
                    else ""
                    for k in range(RETENTION_WEEKS)
                ],
            )
        )
    return Result(
        key=KEY,
        title=TITLE,
        chart=Chart(
            kind="line",
            labels=[d.isoformat() for d in days],
            series=[Series(N_("일간 활성 사용자 (DAU)"), [float(x) for x in dau])],
            y_label=N_("사용자"),
        ),
        figures=[
            (N_("DAU (마지막 날)"), f"{dau[-1] if dau else 0:,}"),
            (N_("WAU (7일)"), f"{wau:,}"),
            (N_("MAU (28일)"), f"{mau:,}"),
            (N_("Stickiness (평균 DAU/MAU)"), pct(stickiness)),
        ],
        tables=[
            Table(
                N_("일별 활성 사용자"),
                ["date", "dau"],
                [(d.isoformat(), n) for d, n in zip(days, dau, strict=True)],
            ),
            Table(
                N_("주간 라이프사이클 (신규 / 복귀 / 재활성 / 휴면)"),
                ["week", "new", "returning", "resurrecting", "dormant"],
                lifecycle,
            ),
            Table(
                N_("주간 코호트 잔존율"),
                ["cohort_week", "users", *[f"week_{k}" for k in range(RETENTION_WEEKS)]],
                retention_rows,
            ),
        ],
    )
