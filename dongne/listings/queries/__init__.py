"""Reads: the neighbourhood feed, Korean search, cards and details.

The feed never computes a distance. The viewer's neighbourhood set comes from
``neighbourhood_ranges`` (one index range), then each neighbourhood contributes
its newest listings through ``ix_listings_feed`` (neighbourhood, listed,
sort_at, id) with a keyset bound, and the branches are merged: at most
``neighbourhoods × page`` index entries are read, however many listings exist.
PostgreSQL does it as one LATERAL index range per element of an array of
neighbourhood ids; SQLite (no LATERAL) as a UNION ALL branch per neighbourhood,
ordered as a whole, which it merges lazily (about ``neighbourhoods + page`` entries).
The viewer's neighbourhood set is cached in process (:func:`range_targets`).

Statements are built once per shape (engine, number of branches, filters, first or
later page) and cached; a request only binds values, so its Python cost does not
grow with the number of neighbourhoods in range.
"""

from dongne.listings.queries.browsing import (
    Browsed,
    feed_page,
    listing_out,
    my_keywords,
    photo_out,
    related,
    search_page,
    suggestions,
)
from dongne.listings.queries.cards import (
    CARDS,
    CardSource,
    card,
    cards,
    liked_ids,
    recent_searches,
    seller_listing_ids,
)
from dongne.listings.queries.feed import (
    PAGE_SIZE,
    FeedFilter,
    feed_ids,
    feed_query,
    feed_statement,
)
from dongne.listings.queries.ranges import RANGE_CACHE_SIZE, range_targets
from dongne.listings.queries.search import search_ids, search_query, search_statement

__all__ = [
    "CARDS",
    "PAGE_SIZE",
    "RANGE_CACHE_SIZE",
    "Browsed",
    "CardSource",
    "FeedFilter",
    "card",
    "cards",
    "feed_ids",
    "feed_page",
    "feed_query",
    "feed_statement",
    "liked_ids",
    "listing_out",
    "my_keywords",
    "photo_out",
    "range_targets",
    "recent_searches",
    "related",
    "search_ids",
    "search_page",
    "search_query",
    "search_statement",
    "seller_listing_ids",
    "suggestions",
]
