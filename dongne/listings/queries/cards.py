"""Cards, a seller's listings, likes and recent searches."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import (
    bindparam,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.geo.models import Neighbourhood
from dongne.kit.media import MediaStorage
from dongne.listings.models import Listing, ListingLike, SearchHistory
from dongne.listings.schemas import ListingCard, PlaceOut


class CardSource(Protocol):
    """What a card is made of: a Listing, or a row of :data:`CARDS`."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def price(self) -> int: ...
    @property
    def is_free(self) -> bool: ...
    @property
    def status(self) -> str: ...
    @property
    def is_hidden(self) -> bool: ...
    @property
    def neighbourhood_id(self) -> str: ...
    @property
    def cover_key(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def bumped_at(self) -> datetime | None: ...
    @property
    def sort_at(self) -> datetime: ...
    @property
    def like_count(self) -> int: ...
    @property
    def chat_count(self) -> int: ...


# Columns, not ORM entities: a page of cards loads no descriptions and builds no objects.
CARDS = (
    select(
        Listing.id,
        Listing.title,
        Listing.price,
        Listing.is_free,
        Listing.status,
        Listing.is_hidden,
        Listing.neighbourhood_id,
        Listing.cover_key,
        Listing.created_at,
        Listing.bumped_at,
        Listing.sort_at,
        Listing.like_count,
        Listing.chat_count,
        Neighbourhood.name.label("place_name"),
    )
    .join(Neighbourhood, Neighbourhood.id == Listing.neighbourhood_id)
    .where(Listing.id.in_(bindparam("ids", expanding=True)))
)


async def cards(db: AsyncSession, media: MediaStorage, ids: list[int]) -> list[ListingCard]:
    """Card data for ids, in the given order."""
    if not ids:
        return []
    rows = await db.execute(CARDS, {"ids": ids})
    by_id = {row.id: card(row, row.place_name, media) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def card(listing: CardSource, place_name: str, media: MediaStorage) -> ListingCard:
    return ListingCard(
        id=listing.id,
        title=listing.title,
        price=listing.price,
        is_free=listing.is_free,
        status=listing.status,
        is_hidden=listing.is_hidden,
        neighbourhood=PlaceOut(id=listing.neighbourhood_id, name=place_name),
        thumb_url=media.url(listing.cover_key) if listing.cover_key else None,
        created_at=listing.created_at,
        bumped_at=listing.bumped_at,
        sort_at=listing.sort_at,
        like_count=listing.like_count,
        chat_count=listing.chat_count,
    )


async def seller_listing_ids(
    db: AsyncSession,
    seller_id: int,
    *,
    status: str | None,
    include_hidden: bool,
    exclude: int | None = None,
    limit: int = 50,
) -> list[int]:
    stmt = select(Listing.id).where(Listing.seller_id == seller_id, Listing.deleted_at.is_(None))
    if status:
        stmt = stmt.where(Listing.status == status)
    if not include_hidden:
        stmt = stmt.where(Listing.is_hidden.is_(False))
    if exclude is not None:
        stmt = stmt.where(Listing.id != exclude)
    stmt = stmt.order_by(Listing.sort_at.desc(), Listing.id.desc()).limit(limit)
    return list((await db.scalars(stmt)).all())


async def liked_ids(db: AsyncSession, user_id: int, limit: int = 100) -> list[int]:
    return list(
        (
            await db.scalars(
                select(ListingLike.listing_id)
                .join(Listing, Listing.id == ListingLike.listing_id)
                .where(ListingLike.user_id == user_id, Listing.is_listed.is_(True))
                .order_by(ListingLike.created_at.desc())
                .limit(limit)
            )
        ).all()
    )


async def recent_searches(db: AsyncSession, user_id: int) -> list[str]:
    return list(
        (
            await db.scalars(
                select(SearchHistory.query)
                .where(SearchHistory.user_id == user_id)
                .order_by(SearchHistory.searched_at.desc())
            )
        ).all()
    )
