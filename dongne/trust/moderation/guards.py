"""The trust checks other domains call before they write, and the fraud scans
they call while writing: who may act, what may be posted, how fast a new
account may go, and the fraud signals stored with messages and listings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import Conflict
from dongne.kit.i18n import N_
from dongne.listings.models import Listing
from dongne.trust.fraud import Signal, mask_accounts, scan
from dongne.trust.moderation.models import ListingWarning
from dongne.trust.moderation.sanctions import ensure_can_act
from dongne.trust.prohibited import ensure_allowed


class DuplicateListing(Conflict):
    code = "duplicate_listing"
    message = N_("같은 내용의 글이 이미 있어요. 이전 글을 수정하거나 끌어올려 주세요.")


def is_new_account(ctx: Ctx) -> bool:
    user = ctx.require_user()
    return user.created_at > utcnow() - timedelta(days=ctx.svc.settings.new_account_days)


def own_hosts(ctx: Ctx) -> tuple[str, ...]:
    """Links to the site itself are fine."""
    parts = urlsplit(ctx.svc.settings.base_url)
    return (parts.netloc,) if parts.netloc else ()


def _same_text(text: str) -> str:
    return "".join(text.split()).lower()


async def _ensure_not_duplicate(
    ctx: Ctx, title: str, description: str, listing_id: int | None
) -> None:
    """One account may not post the same listing again (the spam pattern)."""
    user = ctx.require_user()
    key = (_same_text(title), _same_text(description))
    stmt = select(Listing.title, Listing.description).where(
        Listing.seller_id == user.id,
        Listing.deleted_at.is_(None),
        func.lower(func.replace(Listing.title, " ", "")) == key[0],
    )
    if listing_id is not None:
        stmt = stmt.where(Listing.id != listing_id)
    for t, d in await ctx.db.execute(stmt):
        if (_same_text(t), _same_text(d)) == key:
            raise DuplicateListing(field="title")


async def check_listing(
    ctx: Ctx,
    title: str,
    description: str,
    category: str,
    price: int,
    *,
    listing_id: int | None = None,
) -> None:
    """Before a listing is created (``listing_id`` None) or saved: nothing is
    written when one of these refuses."""
    user = ctx.require_user()
    await ensure_can_act(ctx.db, user)
    await ensure_allowed(
        ctx.db, user.id, title, description, category, price, listing_id=listing_id
    )
    await _ensure_not_duplicate(ctx, title, description, listing_id)
    if listing_id is None and is_new_account(ctx):
        limit = ctx.svc.settings.new_account_listing_limit_per_user
        await ctx.limit(limit, "listing-new-account", str(user.id))


async def check_chat_start(ctx: Ctx) -> None:
    user = ctx.require_user()
    await ensure_can_act(ctx.db, user)
    if is_new_account(ctx):
        limit = ctx.svc.settings.new_account_chat_start_limit_per_user
        await ctx.limit(limit, "chat-start-new-account", str(user.id))


async def check_chat_send(ctx: Ctx) -> None:
    await ensure_can_act(ctx.db, ctx.require_user())


# ---- fraud signals ----------------------------------------------------------------------


def message_signals(ctx: Ctx, body: str) -> dict[str, Any] | None:
    """What the receiver's client needs to show warning cards under a message,
    stored in the message's ``data["fraud"]``; None when clean (or the scan is off)."""
    if not body or not ctx.svc.settings.chat_fraud_scan:
        return None
    found = scan(body, own_hosts=own_hosts(ctx))
    if not found.flagged:
        return None
    signals = sorted(s.value for s in found.signals)
    out: dict[str, Any] = {"signals": signals}
    if Signal.ACCOUNT in found.signals:
        out["masked"] = mask_accounts(body, found)
    return out


async def scan_listing(ctx: Ctx, listing: Listing) -> list[str]:
    """Store the fraud signals of a listing's text for its page; returns them."""
    found = scan(f"{listing.title}\n{listing.description}", own_hosts=own_hosts(ctx))
    signals = sorted(s.value for s in found.signals)
    row = await ctx.db.get(ListingWarning, listing.id)
    if signals:
        if row is None:
            ctx.db.add(ListingWarning(listing_id=listing.id, signals=signals))
        elif row.signals != signals:
            row.signals = signals
            row.updated_at = utcnow()
        ctx.record("listing_flagged", listing_id=listing.id, signals=signals)
    elif row is not None:
        await ctx.db.delete(row)
    return signals
