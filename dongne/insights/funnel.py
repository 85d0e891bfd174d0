"""2. Marketplace funnel: feed view → listing view → like or chat →
appointment → sold → reviewed (people), and per category and district the
listings posted in the range: sell-through, time to first chat, time to sale."""

from __future__ import annotations

from dongne.insights.engine import Chart, Filters, Query, Result, Series, Table, pct
from dongne.kit.i18n import N_

KEY = "funnel"
TITLE = N_("거래 퍼널")

# People who did each step in the range, each step among those who did the
# previous ones (from their per-day counts, ``dr``). Buying is the buyer named
# on a completed deal.
PEOPLE = """
WITH u AS (
    SELECT actor,
           sum(feed_viewed) > 0 AS feed,
           sum(listing_viewed) > 0 AS viewed,
           sum(engaged) > 0 AS engaged,
           sum(appointments) > 0 AS appointment,
           sum(buyer_reviews) > 0 AS reviewed
    FROM dr GROUP BY actor
),
bought AS (SELECT DISTINCT buyer_id AS actor FROM deals)
SELECT count(*) FILTER (WHERE feed),
       count(*) FILTER (WHERE feed AND viewed),
       count(*) FILTER (WHERE feed AND viewed AND engaged),
       count(*) FILTER (WHERE feed AND viewed AND engaged AND appointment),
       count(*) FILTER (WHERE feed AND viewed AND engaged AND appointment AND b.actor IS NOT NULL),
       count(*) FILTER (WHERE feed AND viewed AND engaged AND appointment AND b.actor IS NOT NULL
                        AND reviewed)
FROM u LEFT JOIN bought b USING (actor)
"""
# Listings posted in the range (in the area), followed to today.
LISTINGS = """
WITH created AS (
    SELECT e.listing_id, e.occurred_at AS t0, l.category, coalesce(l.district, '?') AS district
    FROM evr e JOIN lst l ON l.id = e.listing_id
    WHERE e.name = 'listing_created'
),
steps AS (
    SELECT e.listing_id,
           bool_or(e.name = 'listing_viewed') AS viewed,
           bool_or(e.name IN ('listing_liked', 'conversation_started')) AS engaged,
           min(e.occurred_at) FILTER (WHERE e.name = 'conversation_started') AS first_chat,
           bool_or(e.name = 'appointment_set') AS appointment,
           min(e.occurred_at) FILTER (
               WHERE e.name = 'deal_completed'
                  OR (e.name = 'listing_status_changed' AND e.new = 'sold')) AS sold,
           bool_or(e.name = 'review_written') AS reviewed
    FROM events e SEMI JOIN created c ON c.listing_id = e.listing_id
    WHERE e.date >= CAST(? AS DATE)
      AND e.name IN ('listing_viewed', 'listing_liked', 'conversation_started',
                     'appointment_set', 'deal_completed', 'listing_status_changed',
                     'review_written')
    GROUP BY 1
)
SELECT c.category, c.district, count(*) AS listings,
       count(*) FILTER (WHERE s.viewed) AS viewed,
       count(*) FILTER (WHERE s.engaged) AS liked_or_chatted,
       count(*) FILTER (WHERE s.appointment) AS appointment,
       count(s.sold) AS sold,
       count(*) FILTER (WHERE s.reviewed) AS reviewed,
       median(date_diff('minute', c.t0, s.first_chat)) / 60.0 AS hours_to_first_chat,
       median(date_diff('minute', c.t0, s.sold)) / 60.0 AS hours_to_sale
FROM created c LEFT JOIN steps s USING (listing_id)
GROUP BY ROLLUP (c.category, c.district)
ORDER BY c.category NULLS FIRST, c.district NULLS FIRST
"""
STEPS = [
    N_("피드 조회"),
    N_("글 조회"),
    N_("관심 또는 채팅"),
    N_("약속"),
    N_("구매 (거래완료)"),
    N_("후기"),
]


def _hours(x: float | None) -> float | None:
    return None if x is None else round(float(x), 1)


def compute(q: Query, f: Filters) -> Result:
    q.deals()
    people = [int(x or 0) for x in q.one_row(PEOPLE)]
    rows = []
    total = None
    for cat, district, n, viewed, engaged, appt, sold, reviewed, h_chat, h_sale in q.rows(
        LISTINGS, [f.start]
    ):
        row = (
            cat or N_("전체"),
            district or ("" if cat is None else N_("전체")),
            n,
            viewed,
            engaged,
            appt,
            sold,
            reviewed,
            pct(sold / n if n else None),
            _hours(h_chat),
            _hours(h_sale),
        )
        if cat is None:
            total = row
        rows.append(row)
    figures = [
        (N_("피드를 본 사람"), f"{people[0]:,}"),
        (N_("구매까지 간 사람"), f"{people[4]:,}"),
    ]
    if total is not None:
        figures += [
            (N_("판매율 (sell-through)"), str(total[8])),
            (N_("첫 채팅까지 (중앙값, 시간)"), "–" if total[9] is None else f"{total[9]}"),
            (N_("판매까지 (중앙값, 시간)"), "–" if total[10] is None else f"{total[10]}"),
        ]
    return Result(
        key=KEY,
        title=TITLE,
        chart=Chart(
            kind="bar",
            labels=list(STEPS),
            series=[Series(N_("사람"), [float(x) for x in people])],
            y_label=N_("사람"),
            notes=[
                pct(people[i] / people[i - 1]) if i and people[i - 1] else ""
                for i in range(len(people))
            ],
        ),
        figures=figures,
        tables=[
            Table(
                N_("카테고리·지역별 (기간 중 올라온 글)"),
                [
                    "category",
                    "district",
                    "listings",
                    "viewed",
                    "liked_or_chatted",
                    "appointment",
                    "sold",
                    "reviewed",
                    "sell_through",
                    "hours_to_first_chat",
                    "hours_to_sale",
                ],
                rows,
            ),
            Table(N_("퍼널 (사람)"), ["step", "people"], list(zip(STEPS, people, strict=True))),
        ],
    )
