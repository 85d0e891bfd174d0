"""What the business review endpoints accept and return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from dongne.business.reviews.models import MAX_BODY, MAX_REPLY, MIN_BODY, MIN_REPLY
from dongne.business.schemas import clean_text
from dongne.kit.i18n import N_

BODY_LENGTH = N_("후기는 10~500자로 써 주세요.")
REPLY_LENGTH = N_("답글은 1~500자로 써 주세요.")


def _text(value: str, low: int, high: int, code: str, message: str) -> str:
    value = clean_text(value).strip()
    if not low <= len(value) <= high:
        raise PydanticCustomError(code, message)
    return value


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(max_length=4000)

    @field_validator("content")
    @classmethod
    def _body(cls, value: str) -> str:
        return _text(value, MIN_BODY, MAX_BODY, "review_length", BODY_LENGTH)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(max_length=4000)

    @field_validator("content")
    @classmethod
    def _body(cls, value: str) -> str:
        return _text(value, MIN_REPLY, MAX_REPLY, "reply_length", REPLY_LENGTH)


class AuthorOut(BaseModel):
    id: int
    nickname: str


class ReplyOut(BaseModel):
    """사장님 답글, under the name of whoever in the shop wrote it."""

    content: str
    author_nickname: str
    author_role: str | None  # owner | staff; None when they no longer act for the shop
    replied_at: datetime
    updated_at: datetime


class ReviewOut(BaseModel):
    id: int
    business_id: int
    author: AuthorOut
    content: str
    created_at: datetime
    updated_at: datetime
    edited: bool
    # 문의한 고객: the author asked the shop something through 문의하기.
    inquired: bool
    mine: bool
    reply: ReplyOut | None


class ReviewPage(BaseModel):
    count: int  # reviews of the shop the viewer can see
    items: list[ReviewOut]
    next_cursor: str | None
    # For the caller: may they write (or edit) one, and if not, why (in their language).
    can_write: bool
    cannot_write_reason: str | None
    my_review: ReviewOut | None
