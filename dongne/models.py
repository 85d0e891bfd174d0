"""Imports every table so that metadata (Alembic, tests) sees the whole schema."""

from dongne.accounts.models import AuthSession, User, UserNeighbourhood
from dongne.events import Event
from dongne.geo.models import Neighbourhood, NeighbourhoodAlias, NeighbourhoodRange
from dongne.listings.models import (
    KeywordAlert,
    Listing,
    ListingLike,
    ListingPhoto,
    ListingTerm,
    ListingView,
    SearchHistory,
)
from dongne.notifications.models import Notification
from dongne.photos.models import Photo

__all__ = [
    "AuthSession",
    "Event",
    "KeywordAlert",
    "Listing",
    "ListingLike",
    "ListingPhoto",
    "ListingTerm",
    "ListingView",
    "Neighbourhood",
    "NeighbourhoodAlias",
    "NeighbourhoodRange",
    "Notification",
    "Photo",
    "SearchHistory",
    "User",
    "UserNeighbourhood",
]
