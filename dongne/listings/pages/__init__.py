"""HTML pages for listings: the home feed (홈), a listing, writing and editing,
search, and the seller's and buyer's own lists. Pages call the same services
and reads as the JSON API; the write form itself posts to the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from dongne.listings.pages import home, listing, mine, search
from dongne.listings.pages.places import verification_needed
from dongne.listings.pages.presenters import TEMPLATES

router = APIRouter(include_in_schema=False)
for part in (home, listing, search, mine):
    router.include_router(part.router)

__all__ = ["TEMPLATES", "router", "verification_needed"]
