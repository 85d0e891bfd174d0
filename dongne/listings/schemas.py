"""What listing endpoints accept and return."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dongne.kit.i18n import N_
from dongne.kit.ids import Id
from dongne.listings.models import CATEGORIES, MAX_PHOTOS, MAX_PRICE


def _clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    # No control characters except newlines and tabs in descriptions.
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


class ListingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=8000)
    category: str = Field(max_length=32)
    price: int | None = Field(default=None, ge=0, le=MAX_PRICE)
    is_free: bool = False
    accepts_offers: bool = False
    photo_ids: list[Id] = Field(default_factory=list, max_length=MAX_PHOTOS)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = " ".join(_clean_text(value).split())
        if not 2 <= len(value) <= 60:
            raise PydanticCustomError("title_length", N_("제목은 2~60자로 입력해 주세요."))
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        value = _clean_text(value).strip()
        if len(value) > 4000:
            raise PydanticCustomError(
                "description_length", N_("자세한 설명은 4,000자까지 쓸 수 있어요.")
            )
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise PydanticCustomError("category_unknown", N_("카테고리를 선택해 주세요."))
        return value

    @field_validator("photo_ids")
    @classmethod
    def _photos(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("photos_repeated", N_("같은 사진이 두 번 들어 있어요."))
        return value

    @model_validator(mode="after")
    def _price(self) -> ListingIn:
        if self.is_free:
            self.price = 0
            self.accepts_offers = False
        elif self.price is None:
            raise PydanticCustomError(
                "price_missing", N_("가격을 입력하거나 나눔을 선택해 주세요.")
            )
        return self


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["selling", "reserved", "sold"]


class HiddenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hidden: bool


class PhotoOut(BaseModel):
    id: int
    url: str
    large_url: str
    thumb_url: str
    width: int
    height: int


class PlaceOut(BaseModel):
    id: str
    name: str


class SellerOut(BaseModel):
    id: int
    nickname: str


class ListingCard(BaseModel):
    id: int
    title: str
    price: int
    is_free: bool
    status: str
    is_hidden: bool
    neighbourhood: PlaceOut
    thumb_url: str | None
    created_at: datetime
    bumped_at: datetime | None
    sort_at: datetime
    like_count: int
    chat_count: int


class ListingOut(ListingCard):
    description: str
    category: str
    accepts_offers: bool
    view_count: int
    seller: SellerOut
    photos: list[PhotoOut]
    liked: bool
    is_mine: bool
    can_bump_at: datetime | None


class Page(BaseModel):
    items: list[ListingCard]
    next_cursor: str | None


class KeywordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    keyword: str = Field(max_length=60)

    @field_validator("keyword")
    @classmethod
    def _keyword(cls, value: str) -> str:
        value = " ".join(_clean_text(value).split())
        if not 1 <= len(value) <= 30:
            raise PydanticCustomError("keyword_length", N_("키워드는 1~30자로 입력해 주세요."))
        return value


class KeywordOut(BaseModel):
    id: int
    keyword: str
    created_at: datetime
