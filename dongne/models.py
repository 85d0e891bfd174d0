"""Imports every table so that metadata (Alembic, tests) sees the whole schema."""

from dongne.accounts.models import AuthSession, User, UserNeighbourhood
from dongne.blocks.models import Block
from dongne.business.models import (
    Business,
    BusinessFollow,
    BusinessHoliday,
    BusinessHours,
    BusinessInvitation,
    BusinessMember,
    BusinessPhoto,
    BusinessPost,
    PriceItem,
)
from dongne.business.reviews.models import BusinessReview
from dongne.chat.models import Appointment, Conversation, Message, Participant
from dongne.events import Event
from dongne.geo.models import Neighbourhood, NeighbourhoodAlias, NeighbourhoodRange
from dongne.help.models import FaqArticle, FaqTerm
from dongne.inbox.models import (
    Inbox,
    InboxAgent,
    InboxConversation,
    InboxLabel,
    InboxMessage,
    SavedReply,
)
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
from dongne.scheduler import ScheduledJob
from dongne.trust.moderation.models import ListingWarning, ModerationAction, Report, Sanction
from dongne.trust.reviews.models import Deal, MannerTemperature, Review, ReviewItem

__all__ = [
    "Appointment",
    "AuthSession",
    "Block",
    "Business",
    "BusinessFollow",
    "BusinessHoliday",
    "BusinessHours",
    "BusinessInvitation",
    "BusinessMember",
    "BusinessPhoto",
    "BusinessPost",
    "BusinessReview",
    "Conversation",
    "Deal",
    "Event",
    "FaqArticle",
    "FaqTerm",
    "Inbox",
    "InboxAgent",
    "InboxConversation",
    "InboxLabel",
    "InboxMessage",
    "KeywordAlert",
    "Listing",
    "ListingLike",
    "ListingPhoto",
    "ListingTerm",
    "ListingView",
    "ListingWarning",
    "MannerTemperature",
    "Message",
    "ModerationAction",
    "Neighbourhood",
    "NeighbourhoodAlias",
    "NeighbourhoodRange",
    "Notification",
    "Participant",
    "Photo",
    "PriceItem",
    "Report",
    "Review",
    "ReviewItem",
    "Sanction",
    "SavedReply",
    "ScheduledJob",
    "SearchHistory",
    "User",
    "UserNeighbourhood",
]
