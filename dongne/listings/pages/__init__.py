"""HTML pages for listings: the home feed (홈), a listing, writing and editing,
search, and the seller's and buyer's own lists. Pages call the same services
and reads as the JSON API; the write form itself posts to the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from dongne.listings.pages import home, listing, mine, search
from dongne.listings.pages.common import (
    FRAGMENT_VARY,
    YEAR,
    Category,
    Cursor,
    Filters,
    Place,
    ago,
    browsing_place,
    card_time,
    category_name,
    hours_until,
    is_fragment,
    is_htmx,
    more_url,
    status_name,
    verification_needed,
    won,
)

router = APIRouter(include_in_schema=False)
for part in (home, listing, search, mine):
    router.include_router(part.router)

__all__ = [
    "FRAGMENT_VARY",
    "YEAR",
    "Category",
    "Cursor",
    "Filters",
    "Place",
    "ago",
    "browsing_place",
    "card_time",
    "category_name",
    "hours_until",
    "is_fragment",
    "is_htmx",
    "more_url",
    "router",
    "status_name",
    "verification_needed",
    "won",
]
