"""5. Exit, voice and loyalty (after Hirschman).

Exit: people who have been around for at least two weeks and made no event in
the last 14 days of the range have left; churn by weekly cohort. Voice:
reports filed, negative reviews received, support contacts, and reports that
got no answer within three days; does voice come before exit? Loyalty:
repeat traders and 재거래희망률 (the share of reviews that say they would trade
again: 최고예요 or 좋아요)."""

from __future__ import annotations

from dongne.insights.engine import (
    Chart,
    Filters,
    Query,
    Result,
    Series,
    Table,
    pct,
    proportions,
)
from dongne.kit.i18n import N_

KEY = "loyalty"
TITLE = N_("이탈·목소리·충성")
QUIET_DAYS = 14
UNANSWERED_DAYS = 3
# A 1:1 inquiry to the platform's 고객센터, as the customer who opened it (agents'
# inbox events and inquiries to shops are not the platform's customers' voice).
SUPPORT_CONTACT = "name = 'inquiry_started' AND support"
# How those customers rated the answer (1-5) once it was resolved.
SUPPORT_CSAT = "name = 'inbox_csat_given' AND business_id IS NULL"

PEOPLE = """
WITH act AS (
    SELECT actor, min(date) AS first_day, max(date) AS last_day FROM ud GROUP BY 1
),
eligible AS (
    SELECT actor, first_day, last_day < CAST(? AS DATE) - {quiet} + 1 AS left_
    FROM act
    WHERE first_day <= CAST(? AS DATE) - {quiet} AND last_day >= CAST(? AS DATE)
),
negative AS (
    SELECT DISTINCT reviewee_id AS actor FROM events
    WHERE name = 'review_written' AND rating = 'bad' AND date <= CAST(? AS DATE) - {quiet}
),
reports AS (
    SELECT r.actor, r.report_id, r.occurred_at,
           (SELECT min(m.occurred_at) FROM events m
            WHERE m.name = 'moderation_action' AND m.report_id = r.report_id) AS answered
    FROM events r
    WHERE r.name = 'report_filed' AND r.date <= CAST(? AS DATE) - {quiet}
),
unanswered AS (
    SELECT DISTINCT actor FROM reports
    WHERE answered IS NULL OR answered > occurred_at + INTERVAL {unanswered} DAY
),
support AS (
    SELECT DISTINCT actor FROM events
    WHERE {support_contact} AND date <= CAST(? AS DATE) - {quiet}
)
SELECT CASE WHEN n.actor IS NOT NULL THEN 'negative_review'
            WHEN u.actor IS NOT NULL THEN 'report_unanswered'
            WHEN s.actor IS NOT NULL THEN 'support_contact'
            ELSE 'none' END AS voice,
       count(*), count(*) FILTER (WHERE left_)
FROM eligible e
LEFT JOIN negative n USING (actor)
LEFT JOIN unanswered u USING (actor)
LEFT JOIN support s USING (actor)
GROUP BY 1
"""
COHORTS = """
WITH act AS (
    SELECT actor, CAST(date_trunc('week', min(date)) AS DATE) AS cohort, max(date) AS last_day
    FROM ud GROUP BY 1
)
SELECT cohort, count(*), count(*) FILTER (WHERE last_day < CAST(? AS DATE) - {quiet} + 1)
FROM act
WHERE cohort >= CAST(date_trunc('week', CAST(? AS DATE)) AS DATE)
  AND cohort + 14 <= CAST(? AS DATE)
GROUP BY 1 ORDER BY 1
"""
VOICE_COUNTS = """
SELECT count(*) FILTER (WHERE name = 'report_filed'),
       count(*) FILTER (WHERE name = 'review_written' AND rating = 'bad'),
       count(*) FILTER (WHERE {support_contact}),
       count(*) FILTER (WHERE name = 'review_written'),
       count(*) FILTER (WHERE name = 'review_written' AND rating IN ('best', 'good')),
       count(*) FILTER (WHERE {support_csat}),
       avg(CAST(score AS DOUBLE)) FILTER (WHERE {support_csat})
FROM ev
WHERE name IN ('report_filed', 'review_written', 'inquiry_started', 'inbox_csat_given')
"""
TRADERS = """
WITH parts AS (
    SELECT actor FROM deals WHERE listing_id IN (SELECT id FROM lst)
    UNION ALL
    SELECT buyer_id FROM deals WHERE buyer_id IS NOT NULL AND listing_id IN (SELECT id FROM lst)
),
c AS (SELECT actor, count(*) AS n FROM parts GROUP BY 1)
SELECT count(*), count(*) FILTER (WHERE n >= 2) FROM c
"""
GROUPS = [
    ("negative_review", N_("부정 후기를 받음")),
    ("report_unanswered", N_("신고가 답을 못 받음")),
    ("support_contact", N_("고객센터 문의")),
    ("none", N_("목소리 없음")),
]


def compute(q: Query, f: Filters) -> Result:
    q.user_days()
    q.deals()
    ends = [f.end, f.end, f.start, f.end, f.end, f.end]
    voice = {
        g: (int(n), int(left))
        for g, n, left in q.rows(
            PEOPLE.format(
                quiet=QUIET_DAYS, unanswered=UNANSWERED_DAYS, support_contact=SUPPORT_CONTACT
            ),
            ends,
        )
    }
    shares = proportions(GROUPS, voice)
    rows, values, low, high, notes = (
        shares.rows,
        shares.values,
        shares.low,
        shares.high,
        shares.notes,
    )
    cohorts = [
        (fw.isoformat(), int(n), int(left), left / n if n else None)
        for fw, n, left in q.rows(COHORTS.format(quiet=QUIET_DAYS), [f.end, f.start, f.end])
    ]
    counts = q.one_row(
        VOICE_COUNTS.format(support_contact=SUPPORT_CONTACT, support_csat=SUPPORT_CSAT)
    )
    reports, negatives, support, reviews, positive, ratings = (int(x or 0) for x in counts[:6])
    csat = f"{counts[6]:.1f} (n={ratings:,})" if ratings else "-"
    traders, repeat = (int(x or 0) for x in q.one_row(TRADERS))
    return Result(
        key=KEY,
        title=TITLE,
        chart=Chart(
            kind="bar",
            labels=[label for _, label in GROUPS],
            series=[Series(N_("이탈률"), values, low, high)],
            y_label=N_("14일 이상 활동 없음"),
            percent=True,
            notes=notes,
        ),
        figures=[
            (N_("신고"), f"{reports:,}"),
            (N_("부정 후기"), f"{negatives:,}"),
            (N_("고객센터 문의"), f"{support:,}"),
            (N_("고객센터 만족도 (1~5)"), csat),
            (N_("재거래 사용자 (거래 2회 이상)"), pct(repeat / traders if traders else None)),
            (N_("재거래희망률"), pct(positive / reviews if reviews else None)),
        ],
        tables=[
            Table(
                N_("목소리 뒤의 이탈 (95% 신뢰구간)"),
                ["voice", "label", "users", "left", "exit_rate", "ci_low", "ci_high"],
                rows,
            ),
            Table(
                N_("가입 주별 이탈"),
                ["cohort_week", "users", "left", "exit_rate"],
                cohorts,
            ),
        ],
    )
