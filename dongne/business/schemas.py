"""What business endpoints accept and return."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from dongne.business.hours import TimeRange, make_range, overlapping
from dongne.business.models import (
    BUSINESS_CATEGORIES,
    MAX_HOLIDAYS,
    MAX_PHOTOS,
    MAX_PRICE,
    MAX_PRICE_ITEMS,
)
from dongne.kit.i18n import N_
from dongne.kit.ids import Id

_PHONE = re.compile(r"^\+?[0-9][0-9-]{6,18}[0-9]$")


def clean_text(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def one_line(value: str) -> str:
    return " ".join(clean_text(value).split())


class PriceItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100)
    price: int = Field(ge=0, le=MAX_PRICE)
    note: str = Field(default="", max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = one_line(value)
        if not 1 <= len(value) <= 40:
            raise PydanticCustomError("price_name", N_("메뉴 이름은 1~40자로 입력해 주세요."))
        return value

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        value = one_line(value)
        if len(value) > 100:
            raise PydanticCustomError("price_note", N_("설명은 100자까지 쓸 수 있어요."))
        return value


class BusinessIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100)
    category: str = Field(max_length=32)
    description: str = Field(default="", max_length=4000)
    address: str = Field(default="", max_length=240)
    phone: str | None = Field(default=None, max_length=40)
    show_phone: bool = False
    # Where the shop is; by default the owner's active neighbourhood.
    neighbourhood_id: str | None = Field(default=None, max_length=32)
    photo_ids: list[Id] = Field(default_factory=list, max_length=MAX_PHOTOS)
    price_list: list[PriceItemIn] = Field(default_factory=list, max_length=MAX_PRICE_ITEMS)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = one_line(value)
        if not 2 <= len(value) <= 40:
            raise PydanticCustomError("name_length", N_("가게 이름은 2~40자로 입력해 주세요."))
        return value

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in BUSINESS_CATEGORIES:
            raise PydanticCustomError("category_unknown", N_("업종을 선택해 주세요."))
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        value = clean_text(value).strip()
        if len(value) > 2000:
            raise PydanticCustomError("description_length", N_("소개는 2,000자까지 쓸 수 있어요."))
        return value

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        value = one_line(value)
        if len(value) > 120:
            raise PydanticCustomError("address_length", N_("주소는 120자까지 쓸 수 있어요."))
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = "".join(value.split())
        if not value:
            return None
        if not _PHONE.match(value):
            raise PydanticCustomError(
                "phone_format", N_("전화번호는 숫자와 -로 입력해 주세요. (예: 02-123-4567)")
            )
        return value

    @field_validator("photo_ids")
    @classmethod
    def _photos(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("photos_repeated", N_("같은 사진이 두 번 들어 있어요."))
        return value

    @model_validator(mode="after")
    def _phone_shown(self) -> BusinessIn:
        if self.show_phone and not self.phone:
            raise PydanticCustomError(
                "phone_missing", N_("전화번호를 보여 주려면 전화번호를 입력해 주세요.")
            )
        return self


class RangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=0, le=6)
    opens: str = Field(max_length=5, examples=["09:00"])
    closes: str = Field(max_length=5, examples=["18:00"], description="≤ opens: the next day")


class HoursIn(BaseModel):
    """Several ranges per weekday (0 = Monday); a weekday without ranges is a
    regular day off; holidays are dates on which the shop stays closed."""

    model_config = ConfigDict(extra="forbid")

    ranges: list[RangeIn] = Field(default_factory=list, max_length=70)
    holidays: list[date] = Field(default_factory=list, max_length=MAX_HOLIDAYS)

    def time_ranges(self) -> list[TimeRange]:
        return [make_range(r.weekday, r.opens, r.closes) for r in self.ranges]

    @model_validator(mode="after")
    def _valid(self) -> HoursIn:
        try:
            ranges = self.time_ranges()
        except ValueError:
            raise PydanticCustomError(
                "clock_format", N_("시간은 00:00~24:00 형식으로 입력해 주세요.")
            ) from None
        if overlapping(ranges):
            raise PydanticCustomError("ranges_overlap", N_("영업시간이 서로 겹쳐요."))
        self.holidays = sorted(set(self.holidays))
        return self


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise PydanticCustomError("email_format", N_("이메일 주소를 확인해 주세요."))
        return value


class PostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    content: str = Field(default="", max_length=4000)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = one_line(value)
        if not 2 <= len(value) <= 60:
            raise PydanticCustomError("title_length", N_("제목은 2~60자로 입력해 주세요."))
        return value

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        value = clean_text(value).strip()
        if len(value) > 2000:
            raise PydanticCustomError("content_length", N_("내용은 2,000자까지 쓸 수 있어요."))
        return value


class PlaceOut(BaseModel):
    id: str
    name: str


class PhotoOut(BaseModel):
    id: int
    url: str
    thumb_url: str


class PriceItemOut(BaseModel):
    name: str
    price: int
    note: str


class RangeOut(BaseModel):
    weekday: int
    opens: str
    closes: str
    overnight: bool


class HoursOut(BaseModel):
    ranges: list[RangeOut]
    holidays: list[date]
    is_open: bool
    # While open: when it closes; while closed: when it next opens (None: not within two weeks).
    until: datetime | None


class BusinessCard(BaseModel):
    id: int
    name: str
    category: str
    neighbourhood: PlaceOut
    is_verified: bool
    follower_count: int
    thumb_url: str | None


class BusinessOut(BusinessCard):
    description: str
    address: str
    phone: str | None  # only when the owner shows it (or to the business's members)
    show_phone: bool
    verified_at: datetime | None
    photos: list[PhotoOut]
    price_list: list[PriceItemOut]
    hours: HoursOut
    following: bool
    my_role: str | None
    can_message: bool  # 문의하기: False until the inbox exists


class MemberOut(BaseModel):
    user_id: int
    nickname: str
    role: str
    since: datetime


class InvitationOut(BaseModel):
    id: int
    business_id: int
    business_name: str
    email: str
    created_at: datetime
    expires_at: datetime
    mailed_at: datetime | None


class AcceptInvitationIn(BaseModel):
    """The token from the invitation mail's link."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)


class PostOut(BaseModel):
    id: int
    business: BusinessCard
    title: str
    content: str
    created_at: datetime


class PostPage(BaseModel):
    items: list[PostOut]
    next_cursor: str | None
