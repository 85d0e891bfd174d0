"""Every write about listings: posting, editing, states, bumps, likes, views,
keyword alerts. Services flush; the request commits."""

from __future__ import annotations

from dongne.listings.models import BUMP_INTERVAL
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
    count_chat,
    feed_viewed,
    record_view,
    remember_search,
    searched,
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
    active_home,
    browse_range,
    require_verified_home,
)
from dongne.listings.service.writing import (
    TRANSITIONS,
    bump_listing,
    create_listing,
    delete_listing,
    next_bump_at,
    reserve,
    set_hidden,
    set_status,
    sync_seller_terms,
    sync_terms,
    take_down,
    take_down_seller,
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
    "active_home",
    "add_keyword",
    "browse_range",
    "bump_listing",
    "clear_searches",
    "count_chat",
    "create_listing",
    "delete_listing",
    "feed_viewed",
    "get_listing_or_raise",
    "in_range",
    "match_keyword_alerts",
    "next_bump_at",
    "record_view",
    "remember_search",
    "remove_keyword",
    "require_verified_home",
    "reserve",
    "searched",
    "set_hidden",
    "set_like",
    "set_status",
    "sync_seller_terms",
    "sync_terms",
    "take_down",
    "take_down_seller",
    "update_listing",
]
