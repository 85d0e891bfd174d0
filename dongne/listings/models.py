"""Listings (중고거래 글), their likes, views, search terms and keyword alerts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, UTCDateTime, utcnow
from dongne.kit.i18n import N_

# In the order the issue (and Karrot) lists them; slugs are stored.
CATEGORIES: dict[str, str] = {
    "digital": N_("디지털기기"),
    "appliances": N_("생활가전"),
    "furniture": N_("가구/인테리어"),
    "kitchen": N_("생활/주방"),
    "kids": N_("유아동"),
    "kids_books": N_("유아도서"),
    "womens_clothing": N_("여성의류"),
    "womens_accessories": N_("여성잡화"),
    "mens": N_("남성패션/잡화"),
    "beauty": N_("뷰티/미용"),
    "sports": N_("스포츠/레저"),
    "hobby": N_("취미/게임/음반"),
    "books": N_("도서"),
    "tickets": N_("티켓/교환권"),
    "food": N_("가공식품"),
    "health": N_("건강기능식품"),
    "pets": N_("반려동물용품"),
    "plants": N_("식물"),
    "other": N_("기타 중고물품"),
    "wanted": N_("삽니다"),
}

SELLING, RESERVED, SOLD = "selling", "reserved", "sold"
STATUSES: dict[str, str] = {SELLING: N_("판매중"), RESERVED: N_("예약중"), SOLD: N_("거래완료")}
MAX_PRICE = 100_000_000
MAX_PHOTOS = 10
BUMP_INTERVAL = timedelta(hours=24)  # 끌어올리기: at most once in this long


class Listing(Base):
    __tablename__ = "listings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Fixed when posted: the seller's active verified neighbourhood.
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"))
    title: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(24))
    price: Mapped[int] = mapped_column(Integer, default=0)  # won; 0 when free
    is_free: Mapped[bool] = mapped_column(Boolean, default=False)
    accepts_offers: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=SELLING)
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    # False when hidden or deleted: the one flag the feed's index filters on.
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    bumped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # created_at, or bumped_at once bumped: the feed's order.
    sort_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    chat_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    cover_key: Mapped[str | None] = mapped_column(String(80))  # the card's thumbnail

    __table_args__ = (
        Index("ix_listings_feed", "neighbourhood_id", "is_listed", "sort_at", "id"),
        Index("ix_listings_seller_status", "seller_id", "status", "sort_at"),
    )


class ListingPhoto(Base):
    __tablename__ = "listing_photos"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), index=True)


class ListingLike(Base):
    __tablename__ = "listing_likes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ListingView(Base):
    """One row per viewer per listing per (Seoul) day: views count once a day."""

    __tablename__ = "listing_views"

    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class ListingTerm(Base):
    """Our own inverted index (see listings/text.py): the same on SQLite and
    PostgreSQL. Clustered by (term, neighbourhood) so a search reads only the
    postings of the viewer's neighbourhoods.

    Each posting carries copies of its listing's ``sort_at`` and ``is_listed``, kept in
    step by the service (:func:`dongne.listings.service.sync_terms`), so a search filters
    and orders by recency without reading a ``listings`` row per posting: on SQLite the
    table is its primary key (WITHOUT ROWID), on PostgreSQL the key INCLUDEs them, so both
    answer from the key alone."""

    __tablename__ = "listing_terms"

    # Byte order on both engines, so prefix ranges (term >= 'rtx' AND term < 'rtx\uffff')
    # mean the same: SQLite's BINARY collation, PostgreSQL's "C".
    term: Mapped[str] = mapped_column(
        String(32).with_variant(String(32, collation="C"), "postgresql"), primary_key=True
    )
    neighbourhood_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    listing_id: Mapped[int] = mapped_column(
        ForeignKey("listings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    weight: Mapped[int] = mapped_column(SmallInteger, default=1)
    # Copies of the listing's columns (see above).
    sort_at: Mapped[datetime] = mapped_column(UTCDateTime())
    is_listed: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        PrimaryKeyConstraint(
            "term",
            "neighbourhood_id",
            "listing_id",
            postgresql_include=["weight", "sort_at", "is_listed"],
        ),
        {"sqlite_with_rowid": False},
    )


class SearchHistory(Base):
    __tablename__ = "search_history"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    query: Mapped[str] = mapped_column(String(100), primary_key=True)
    searched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KeywordAlert(Base):
    __tablename__ = "keyword_alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    keyword: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "keyword"),)


MAX_KEYWORDS = 30
