"""What the deal and review endpoints accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dongne.kit.ids import Id


class DealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # One of the people who chatted about the listing; null: someone else.
    buyer_id: Id | None = None


class DealOut(BaseModel):
    id: int
    listing_id: int
    seller_id: int
    buyer_id: int | None
    conversation_id: int | None
    completed_at: datetime
    reviewed_by_me: bool


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Literal["best", "good", "bad"]
    items: list[str]  # manner item codes; the service checks them against the rating
    message: str = Field(default="", max_length=2000)


class ReviewOut(BaseModel):
    id: int
    deal_id: int
    reviewee_id: int
    role: str
    rating: str
    items: list[str]
    message: str
    created_at: datetime


class ShownReviewOut(BaseModel):
    """A review on someone's profile: positive ones only, with their author."""

    id: int
    reviewer_id: int
    reviewer_nickname: str
    role: str
    rating: str
    message: str
    created_at: datetime


class BadgeOut(BaseModel):
    code: str
    name: str


class ProfileOut(BaseModel):
    id: int
    nickname: str
    neighbourhood: str | None
    joined_at: datetime
    manner_temperature: float
    band: str
    rehire_rate: int | None  # 재거래희망률, percent
    review_count: int
    satisfied_count: int  # of review_count, the 좋아요 and 최고예요 ones
    response_rate: int | None  # 응답률, percent
    usual_response_minutes: int | None  # 보통 N분 이내 응답 (rounded up)
    sales: int
    purchases: int
    badges: list[BadgeOut]
    # 받은 매너 평가: positive items for everyone; negative ones only to the person.
    manner_items: dict[str, int]
    reviews: list[ShownReviewOut]


class PurchaseOut(BaseModel):
    deal_id: int
    listing_id: int
    title: str
    seller_id: int
    completed_at: datetime
    reviewed: bool
