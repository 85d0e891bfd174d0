"""What the listings pages share: template filters (registered on import), the
filter bar, htmx fragments, form refusals and the place being browsed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from dongne.context import Ctx
from dongne.db import utcnow
from dongne.geo.queries import get_neighbourhood
from dongne.kit.errors import DomainError
from dongne.kit.forms import rejected
from dongne.kit.i18n import gettext, ngettext
from dongne.kit.templating import environment
from dongne.listings import service
from dongne.listings.models import (
    CATEGORIES,
    MAX_KEYWORDS,
    MAX_PHOTOS,
    STATUSES,
)
from dongne.listings.schemas import ListingCard, Page
from dongne.notifications.pages import render_page

Category = Annotated[str | None, Query(max_length=32)]
Cursor = Annotated[str | None, Query(max_length=200)]
YEAR = 365 * 86400

# ---- template helpers ---------------------------------------------------------


def ago(when: datetime, now: datetime | None = None) -> str:
    """How long ago, the way a person says it: 방금 전, 3분 전, 2주 전…"""
    minutes = max(0, int(((now or utcnow()) - when).total_seconds()) // 60)
    if minutes < 1:
        return gettext("방금 전")
    if minutes < 60:
        return ngettext("%(num)s분 전", "%(num)s분 전", minutes)
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(num)s시간 전", "%(num)s시간 전", hours)
    days = hours // 24
    if days < 7:
        return ngettext("%(num)s일 전", "%(num)s일 전", days)
    if days < 30:
        return ngettext("%(num)s주 전", "%(num)s주 전", days // 7)
    if days < 365:
        return ngettext("%(num)s개월 전", "%(num)s개월 전", days // 30)
    return ngettext("%(num)s년 전", "%(num)s년 전", days // 365)


def card_time(card: ListingCard) -> str:
    """A card's age: since it was posted, or since it was last bumped (끌올)."""
    if card.bumped_at is not None:
        return gettext("끌올 %(ago)s", ago=ago(card.sort_at))
    return ago(card.sort_at)


def won(price: int) -> str:
    return gettext("%(price)s원", price=f"{price:,}")


def category_name(slug: str) -> str:
    return gettext(CATEGORIES[slug]) if slug in CATEGORIES else slug


def status_name(status: str) -> str:
    return gettext(STATUSES[status]) if status in STATUSES else status


def hours_until(when: datetime) -> int:
    return max(1, math.ceil((when - utcnow()).total_seconds() / 3600))


_env = environment()
_env.filters.update(ago=ago, won=won)
_env.globals.update(
    card_time=card_time,
    category_name=category_name,
    status_name=status_name,
    hours_until=hours_until,
    categories=CATEGORIES,
    statuses=STATUSES,
    max_photos=MAX_PHOTOS,
    max_keywords=MAX_KEYWORDS,
)

# ---- shared pieces --------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The feed's and search's filter bar, as query parameters."""

    category: str | None = None
    free: bool = False
    hide_sold: bool = False

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.category:
            out["category"] = self.category
        if self.free:
            out["free"] = "1"
        if self.hide_sold:
            out["hide_sold"] = "1"
        return out


def more_url(base: str, page: Page, filters: Filters, **extra: str) -> str | None:
    """Where the infinite scroll's loader fetches the next cards, if any."""
    if page.next_cursor is None:
        return None
    return f"{base}?{urlencode({**extra, 'cursor': page.next_cursor, **filters.params()})}"


# The same URL answers a whole page or, to htmx, just the list: caches must tell them apart.
FRAGMENT_VARY = "HX-Request, HX-Target, HX-History-Restore-Request"


def is_fragment(request: Request, target: str) -> bool:
    """An htmx request that replaces only ``#target`` (not a history restore)."""
    h = request.headers
    return (
        h.get("hx-request") == "true"
        and h.get("hx-target") == target
        and h.get("hx-history-restore-request") != "true"
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def refused(ctx: Ctx, exc: DomainError) -> dict[str, str]:
    """rejected(), then reload the user the rollback expired, so the page can
    still be built for them."""
    errors = await rejected(ctx.db, exc)
    if ctx.user is not None:
        await ctx.db.refresh(ctx.user)
    return errors


def reraise_unless_form_error(exc: DomainError) -> None:
    """Only refusals a person can fix are shown on the form."""
    if exc.status in (401, 404, 429) or exc.status >= 500:
        raise exc


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    verified: bool
    visitor: bool


async def browsing_place(ctx: Ctx) -> Place | None:
    """The neighbourhood whose feed the viewer sees, for the page header."""
    if ctx.user is not None:
        active = await service.active_place(ctx)
        if active is not None:
            link, place = active
            verified = link.is_verified(ctx.svc.settings.verification_days)
            return Place(place.id, place.name, verified, visitor=False)
    chosen = await service.viewer_place(ctx)
    if chosen is None:
        return None
    found = await get_neighbourhood(ctx.db, chosen[0])
    return Place(chosen[0], found.name if found else chosen[0], verified=False, visitor=True)


async def verification_needed(
    request: Request, ctx: Ctx, exc: service.VerificationRequired
) -> HTMLResponse:
    """The page that sends someone without a current 동네 인증 to verify, in place
    of a form that needs one (writing a listing, opening a shop, starting a chat)."""
    context = {"detail": exc.text(), "days": ctx.svc.settings.verification_days}
    return await render_page(
        request, ctx, "listings/verify_needed.html", context, status=exc.status
    )
