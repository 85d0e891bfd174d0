"""What account endpoints accept and return."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from dongne.kit.i18n import N_

NICKNAME_RE = re.compile(r"^[0-9A-Za-z가-힣_.\-]{2,12}$")


def clean_email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise PydanticCustomError(
            "email_invalid", N_("올바른 이메일 주소를 입력해 주세요.")
        ) from None


def clean_nickname(value: str) -> str:
    value = unicodedata.normalize("NFC", value.strip())
    if not NICKNAME_RE.match(value):
        raise PydanticCustomError(
            "nickname_invalid",
            N_("닉네임은 2~12자의 한글, 영문, 숫자, _ . - 만 쓸 수 있어요."),
        )
    return value


def clean_password(value: str) -> str:
    if len(value) < 8:
        raise PydanticCustomError("password_short", N_("비밀번호는 8자 이상이어야 해요."))
    if len(value) > 128:
        raise PydanticCustomError("password_long", N_("비밀번호는 128자 이하여야 해요."))
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4000)


class SignupIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)
    nickname: str = Field(max_length=64)

    _email = field_validator("email")(clean_email)
    _nickname = field_validator("nickname")(clean_nickname)
    _password = field_validator("password")(clean_password)


class LoginIn(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=256)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return value.strip().lower()


class PasswordChangeIn(Strict):
    current_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)

    _password = field_validator("new_password")(clean_password)


class AccountDeleteIn(Strict):
    password: str = Field(max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime


class NeighbourhoodBrief(BaseModel):
    id: str
    name: str
    full_name: str


class MyNeighbourhoodOut(BaseModel):
    neighbourhood: NeighbourhoodBrief
    is_active: bool
    range_level: int
    range_count: int = Field(description="Neighbourhoods inside the range, this one included")
    verified: bool
    verified_until: datetime | None


class UserOut(BaseModel):
    id: int
    email: str | None
    nickname: str | None
    role: str
    created_at: datetime
    neighbourhoods: list[MyNeighbourhoodOut]


class SignupOut(BaseModel):
    user: UserOut
    token: TokenOut


class NeighbourhoodAddIn(Strict):
    neighbourhood_id: str = Field(min_length=1, max_length=32)


class Position(Strict):
    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class VerifyIn(Position):
    neighbourhood_id: str = Field(min_length=1, max_length=32)


class RangeIn(Strict):
    level: int = Field(ge=0, le=3)
