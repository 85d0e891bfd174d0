"""3. Live chat and sales: is answering fast worth it?

For every conversation started in the range: the time from the buyer's first
message to the seller's first answer, and whether the conversation ended in a
completed deal with that buyer. The probability of a sale per response-time
bucket comes with its 95 % Wilson interval and the number of conversations
behind it."""

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

KEY = "response"
TITLE = N_("채팅 응답과 판매")
BUCKETS = [
    ("lt5m", N_("5분 이내")),
    ("5-30m", N_("5~30분")),
    ("30m-2h", N_("30분~2시간")),
    ("gt2h", N_("2시간 넘게")),
    ("none", N_("답 없음")),
]

SQL = """
WITH m AS (
    SELECT conversation_id, name, role, occurred_at, listing_id, date
    FROM events
    WHERE date >= CAST(? AS DATE) AND conversation_id IS NOT NULL
      AND name IN ('conversation_started', 'message_sent', 'deal_completed')
),
conv AS (
    SELECT conversation_id, listing_id FROM m
    WHERE name = 'conversation_started' AND date <= CAST(? AS DATE)
      AND listing_id IN (SELECT id FROM lst)
),
fb AS (
    SELECT conversation_id, min(occurred_at) AS t FROM m
    WHERE name = 'message_sent' AND role = 'buyer' GROUP BY 1
),
fs AS (
    SELECT m.conversation_id, min(m.occurred_at) AS t
    FROM m JOIN fb USING (conversation_id)
    WHERE m.name = 'message_sent' AND m.role = 'seller' AND m.occurred_at >= fb.t
    GROUP BY 1
),
sold AS (SELECT DISTINCT conversation_id FROM m WHERE name = 'deal_completed'),
c AS (
    SELECT CASE
             WHEN fs.t IS NULL THEN 'none'
             WHEN date_diff('second', fb.t, fs.t) < 300 THEN 'lt5m'
             WHEN date_diff('second', fb.t, fs.t) < 1800 THEN '5-30m'
             WHEN date_diff('second', fb.t, fs.t) < 7200 THEN '30m-2h'
             ELSE 'gt2h'
           END AS bucket,
           sold.conversation_id IS NOT NULL AS sold
    FROM conv JOIN fb USING (conversation_id)
    LEFT JOIN fs USING (conversation_id)
    LEFT JOIN sold USING (conversation_id)
)
SELECT bucket, count(*), count(*) FILTER (WHERE sold) FROM c GROUP BY 1
"""


def compute(q: Query, f: Filters) -> Result:
    found = {b: (int(n), int(s)) for b, n, s in q.rows(SQL, [f.start, f.end])}
    shares = proportions(BUCKETS, found)
    rows, values, low, high, notes = (
        shares.rows,
        shares.values,
        shares.low,
        shares.high,
        shares.notes,
    )
    total = sum(n for n, _ in found.values())
    return Result(
        key=KEY,
        title=TITLE,
        chart=Chart(
            kind="bar",
            labels=[label for _, label in BUCKETS],
            series=[Series(N_("판매 확률"), values, low, high)],
            y_label=N_("판매 확률"),
            percent=True,
            notes=notes,
        ),
        figures=[(N_("대화 수"), f"{total:,}")]
        + [(label, pct(p)) for (_, label), p in zip(BUCKETS, values, strict=True)],
        tables=[
            Table(
                N_("판매자 첫 응답 시간별 판매 확률 (95% 신뢰구간)"),
                ["bucket", "label", "conversations", "sales", "p_sale", "ci_low", "ci_high"],
                rows,
            )
        ],
    )
