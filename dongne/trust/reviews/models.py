"""Deals, reviews with their manner items, and the last announced temperature."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, UTCDateTime, utcnow
from dongne.kit.i18n import N_

BEST, GOOD, BAD = "best", "good", "bad"
RATINGS: dict[str, str] = {BEST: N_("최고예요"), GOOD: N_("좋아요"), BAD: N_("별로예요")}

# Manner items (매너 평가), in the order the issue lists them; codes are stored.
POSITIVE_ITEMS: dict[str, str] = {
    "punctual": N_("시간 약속을 잘 지켜요"),
    "kind": N_("친절하고 매너가 좋아요"),
    "quick_reply": N_("응답이 빨라요"),
    "as_described": N_("상품상태가 설명한 것과 같아요"),
    "detailed": N_("상품설명이 자세해요"),
    "good_price": N_("좋은 상품을 저렴하게 판매해요"),
    "came_to_me": N_("제가 있는 곳까지 와서 거래했어요"),
    "gave_free": N_("나눔을 해주셨어요"),
}
NEGATIVE_ITEMS: dict[str, str] = {
    "late": N_("시간 약속을 안 지켜요"),
    "no_show": N_("약속 장소에 나타나지 않았어요"),
    "slow_reply": N_("응답이 느려요"),
    "rude": N_("불친절해요"),
    "not_as_described": N_("상품 상태가 설명과 달라요"),
    "ghosted": N_("약속을 정한 뒤 연락이 안 돼요"),
    "banmal": N_("반말을 사용해요"),
    "haggling": N_("무리하게 가격을 깎아요"),
}
ITEMS: dict[str, str] = {**POSITIVE_ITEMS, **NEGATIVE_ITEMS}
MAX_MESSAGE = 500
SELLER, BUYER = "seller", "buyer"


class Deal(Base):
    """거래완료: a listing sold, and to whom (None: "someone else", off the app).
    One per listing; marking it sold again after a revert reuses it."""

    __tablename__ = "deals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), unique=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(Base):
    """거래 후기: one per person per deal, about the other side of it."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(8))  # the reviewer's side: seller | buyer
    rating: Mapped[str] = mapped_column(String(8))  # best | good | bad
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("deal_id", "reviewer_id"),
        # The temperature and the profile read one person's reviews, newest first.
        Index("ix_reviews_reviewee_created", "reviewee_id", "created_at"),
    )


class ReviewItem(Base):
    """A manner item (매너 평가) named in a review."""

    __tablename__ = "review_items"

    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    item: Mapped[str] = mapped_column(String(24), primary_key=True)


class MannerTemperature(Base):
    """The value last announced (in a ``manner_temperature_changed`` event).
    Never read for display: pages compute the temperature from the data; this
    row only says what the previous value was, so a change can be recorded."""

    __tablename__ = "manner_temperatures"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
