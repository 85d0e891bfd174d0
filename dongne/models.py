"""Imports every table so that metadata (Alembic, tests) sees the whole schema."""

from dongne.accounts.models import AuthSession, User, UserNeighbourhood
from dongne.chat.models import Appointment, Block, Conversation, Message, Participant
from dongne.events import Event
from dongne.geo.models import Neighbourhood, NeighbourhoodAlias, NeighbourhoodRange
from dongne.kit.scheduler import ScheduledJob
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
    "Appointment",
    "AuthSession",
    "Block",
    "Conversation",
    "Event",
    "KeywordAlert",
    "Listing",
    "ListingLike",
    "ListingPhoto",
    "ListingTerm",
    "ListingView",
    "Message",
    "Neighbourhood",
    "NeighbourhoodAlias",
    "NeighbourhoodRange",
    "Notification",
    "Participant",
    "Photo",
    "ScheduledJob",
    "SearchHistory",
    "User",
    "UserNeighbourhood",
]
