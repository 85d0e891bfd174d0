"""What help-centre endpoints accept and return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from dongne.business.schemas import clean_text, one_line
from dongne.help.models import FAQ_CATEGORIES
from dongne.kit.i18n import N_


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(max_length=32)
    title: str = Field(max_length=300)
    content: str = Field(max_length=20000)
    is_published: bool = True

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in FAQ_CATEGORIES:
            raise PydanticCustomError("category_unknown", N_("분류를 선택해 주세요."))
        return value

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = one_line(value)
        if not 2 <= len(value) <= 100:
            raise PydanticCustomError("title_length", N_("제목은 2~100자로 입력해 주세요."))
        return value

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        value = clean_text(value).strip()
        if not 1 <= len(value) <= 10000:
            raise PydanticCustomError("content_length", N_("내용은 1~10,000자로 입력해 주세요."))
        return value


class ArticleCard(BaseModel):
    id: int
    category: str
    title: str
    is_published: bool
    updated_at: datetime


class ArticleOut(ArticleCard):
    content: str
    view_count: int
