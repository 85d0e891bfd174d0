"""How listings read in templates: category and state names, a card's age, the
hours until the next bump; given to the templates at app creation."""

from __future__ import annotations

import math
from datetime import datetime

from dongne.db import utcnow
from dongne.kit.i18n import gettext
from dongne.kit.templating import TemplateParts, ago
from dongne.listings.models import CATEGORIES, MAX_KEYWORDS, MAX_PHOTOS, STATUSES
from dongne.listings.schemas import ListingCard


def card_time(card: ListingCard) -> str:
    """A card's age: since it was posted, or since it was last bumped (끌올)."""
    if card.bumped_at is not None:
        return gettext("끌올 %(ago)s", ago=ago(card.sort_at))
    return ago(card.sort_at)


def category_name(slug: str) -> str:
    return gettext(CATEGORIES[slug]) if slug in CATEGORIES else slug


def status_name(status: str) -> str:
    return gettext(STATUSES[status]) if status in STATUSES else status


def hours_until(when: datetime) -> int:
    return max(1, math.ceil((when - utcnow()).total_seconds() / 3600))


TEMPLATES = TemplateParts(
    globals={
        "card_time": card_time,
        "category_name": category_name,
        "status_name": status_name,
        "hours_until": hours_until,
        "categories": CATEGORIES,
        "statuses": STATUSES,
        "max_photos": MAX_PHOTOS,
        "max_keywords": MAX_KEYWORDS,
    }
)
