"""Every write about listings: posting, editing, states, bumps, likes, views,
keyword alerts. Services flush; the request commits."""

from __future__ import annotations

from dongne.listings.service.access import (
    access_listing_by_id,
    access_own_listing_by_id,
    get_listing_or_raise,
    in_range,
)
from dongne.listings.service.activity import (
    RECENT_SEARCHES,
    SEOUL,
    clear_searches,
    record_view,
    remember_search,
    set_like,
)
from dongne.listings.service.keywords import (
    add_keyword,
    match_keyword_alerts,
    remove_keyword,
)
from dongne.listings.service.places import (
    VISITOR_LEVEL,
    VerificationRequired,
    active_place,
    require_verified_place,
    viewer_place,
)
from dongne.listings.service.writing import (
    BUMP_INTERVAL,
    TRANSITIONS,
    bump_listing,
    create_listing,
    delete_listing,
    next_bump_at,
    set_hidden,
    set_status,
    sync_seller_terms,
    sync_terms,
    update_listing,
)

__all__ = [
    "BUMP_INTERVAL",
    "RECENT_SEARCHES",
    "SEOUL",
    "TRANSITIONS",
    "VISITOR_LEVEL",
    "VerificationRequired",
    "access_listing_by_id",
    "access_own_listing_by_id",
    "active_place",
    "add_keyword",
    "bump_listing",
    "clear_searches",
    "create_listing",
    "delete_listing",
    "get_listing_or_raise",
    "in_range",
    "match_keyword_alerts",
    "next_bump_at",
    "record_view",
    "remember_search",
    "remove_keyword",
    "require_verified_place",
    "set_hidden",
    "set_like",
    "set_status",
    "sync_seller_terms",
    "sync_terms",
    "update_listing",
    "viewer_place",
]
