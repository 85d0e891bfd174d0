"""6. Unmet demand: searches that found nothing, by term and district (terms
that at least two people searched), and categories where people search more
than neighbours post."""

from __future__ import annotations

from dongne.insights.engine import Chart, Filters, Query, Result, Series, Table, pct
from dongne.kit.i18n import N_

KEY = "demand"
TITLE = N_("채워지지 않은 수요")
TOP = 50
# A term shows only when at least this many people searched it there: what
# one person typed into the search box may say who they are.
MIN_PEOPLE = 2

SEARCHES = """
SELECT e.query, coalesce(d.name, '?') AS district, count(*) AS searches,
       count(DISTINCT e.actor) AS people
FROM evr e LEFT JOIN districts d ON d.code = left(e.neighbourhood_id, 5)
WHERE e.name = 'search_performed' AND e.result_count = 0 AND e.neighbourhood_id LIKE ?
GROUP BY 1, 2 HAVING count(DISTINCT e.actor) >= ?
ORDER BY searches DESC, people DESC, 1, 2 LIMIT ?
"""
TOTALS = """
SELECT count(*), count(*) FILTER (WHERE result_count = 0) FROM evr
WHERE name = 'search_performed' AND neighbourhood_id LIKE ?
"""
CATEGORIES = """
WITH s AS (
    SELECT category, count(*) AS searches FROM evr
    WHERE name = 'search_performed' AND category IS NOT NULL AND neighbourhood_id LIKE ?
    GROUP BY 1
),
l AS (
    SELECT category, count(*) AS listings FROM evr
    WHERE name = 'listing_created' AND neighbourhood_id LIKE ? GROUP BY 1
)
SELECT category, coalesce(searches, 0), coalesce(listings, 0)
FROM s FULL JOIN l USING (category)
WHERE coalesce(searches, 0) > coalesce(listings, 0)
ORDER BY coalesce(searches, 0) - coalesce(listings, 0) DESC, category
"""


def compute(q: Query, f: Filters) -> Result:
    terms = [tuple(r) for r in q.rows(SEARCHES, [f.like, MIN_PEOPLE, TOP])]
    total, empty = (int(x or 0) for x in q.one_row(TOTALS, [f.like]))
    categories = [tuple(r) for r in q.rows(CATEGORIES, [f.like, f.like])]
    top = terms[:12]
    return Result(
        key=KEY,
        title=TITLE,
        chart=Chart(
            kind="bar",
            labels=[f"{t[0]} · {t[1]}" for t in top],
            series=[Series(N_("결과 없는 검색"), [float(t[2]) for t in top])],
            y_label=N_("검색 수"),
        ),
        figures=[
            (N_("검색"), f"{total:,}"),
            (N_("결과 없는 검색"), f"{empty:,}"),
            (N_("결과 없는 비율"), pct(empty / total if total else None)),
        ],
        tables=[
            Table(
                N_("결과 없는 검색어 (지역별)"), ["query", "district", "searches", "people"], terms
            ),
            Table(
                N_("검색이 글보다 많은 카테고리"), ["category", "searches", "listings"], categories
            ),
        ],
    )
