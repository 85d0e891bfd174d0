"""Local business profiles (비즈프로필): the profile, its people (owner and
staff; the inbox will route conversations to them), opening hours and
holidays, photos, a price list, followers (단골) and news posts (소식)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, UTCDateTime, utcnow
from dongne.kit.i18n import N_

BUSINESS_CATEGORIES: dict[str, str] = {
    "restaurant": N_("음식점"),
    "cafe": N_("카페/디저트"),
    "beauty": N_("뷰티/미용"),
    "education": N_("교육/학원"),
    "health": N_("병원/약국"),
    "fitness": N_("운동/헬스"),
    "repair": N_("수리/설치"),
    "moving": N_("이사/청소"),
    "pets": N_("반려동물"),
    "shop": N_("가게/소매"),
    "realestate": N_("부동산"),
    "other": N_("기타"),
}

OWNER, STAFF = "owner", "staff"
MEMBER_ROLES: dict[str, str] = {OWNER: N_("대표"), STAFF: N_("직원")}
MAX_PHOTOS = 10
MAX_PRICE_ITEMS = 50
MAX_STAFF = 50
MAX_HOLIDAYS = 60
MAX_PRICE = 100_000_000


class Business(Base):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    show_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the shop is; proven by location like a person's neighbourhood.
    # Changing it clears verified_at: news reach feeds only from a verified shop.
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cover_key: Mapped[str | None] = mapped_column(String(80))
    follower_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BusinessMember(Base):
    """Who acts for a business: one owner, any staff. The inbox assigns
    conversations to members and shows each agent's own name."""

    __tablename__ = "business_members"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BusinessInvitation(Base):
    """An invitation to join as staff, mailed to ``email``. Whoever opens the
    link in that mail (it carries a token; only its digest is stored) may accept
    it with their account: e-mail addresses are not verified at sign-up, so
    holding the address proves nothing, holding the mail does."""

    __tablename__ = "business_invitations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    invited_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BusinessHours(Base):
    """One opening range; see business/hours.py for the meaning of the minutes."""

    __tablename__ = "business_hours"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    opens: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    closes: Mapped[int] = mapped_column(SmallInteger)


class BusinessHoliday(Base):
    __tablename__ = "business_holidays"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class BusinessPhoto(Base):
    __tablename__ = "business_photos"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("photos.id"), index=True)


class PriceItem(Base):
    __tablename__ = "business_price_items"

    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    price: Mapped[int] = mapped_column(Integer)  # won
    note: Mapped[str] = mapped_column(String(100), default="")


class BusinessFollow(Base):
    """단골: a neighbour following a business."""

    __tablename__ = "business_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BusinessPost(Base):
    """소식: news shown on the profile and in the feeds of neighbours whose range
    covers the shop."""

    __tablename__ = "business_posts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        Index("ix_business_posts_business_created", "business_id", "created_at", "id"),
    )
