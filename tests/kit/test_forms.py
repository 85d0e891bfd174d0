"""One way for a form to refuse: what the person can fix comes back as field
errors after the request's work is undone; everything else propagates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from dongne.kit.errors import (
    AuthenticationRequired,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from dongne.kit.forms import refusal, shown_on_form


class Thing(BaseModel):
    name: str = Field(min_length=2)


@dataclass
class Unit:
    db: AsyncSession
    user: Any = None


async def _count(db: AsyncSession) -> int:
    return int(await db.scalar(text("SELECT count(*) FROM things")) or 0)


@pytest.fixture
async def unit(tmp_path: Path) -> Any:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'forms.db'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE things (name TEXT)"))
    async with async_sessionmaker(engine)() as db:
        yield Unit(db)
    await engine.dispose()


async def test_a_refusal_undoes_the_work_and_keeps_the_message(unit: Unit) -> None:
    async with refusal(unit) as refused:
        await unit.db.execute(text("INSERT INTO things VALUES ('written before the no')"))
        raise Conflict("이미 있어요.", field="name")
    assert refused.errors == {"name": "이미 있어요."} and refused.status == 409
    assert await _count(unit.db) == 0


async def test_invalid_input_is_reported_by_field(unit: Unit) -> None:
    async with refusal(unit) as refused:
        Thing.model_validate({"name": "x"})
    assert set(refused.errors) == {"name"} and refused.status == 422
    assert refused.message == refused.errors["name"]


async def test_work_that_is_not_refused_is_kept(unit: Unit) -> None:
    async with refusal(unit) as refused:
        await unit.db.execute(text("INSERT INTO things VALUES ('kept')"))
    assert not refused and refused.errors == {}
    assert await _count(unit.db) == 1


class Unavailable(DomainError):
    status = 503


@pytest.mark.parametrize(
    "error",
    [AuthenticationRequired(), PermissionDenied(), NotFound(), RateLimited(30), Unavailable()],
)
async def test_what_the_form_cannot_fix_goes_to_the_error_page(
    unit: Unit, error: DomainError
) -> None:
    with pytest.raises(type(error)):
        async with refusal(unit):
            raise error


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (InvalidInput(), True),
        (Conflict(), True),
        (PermissionDenied(), False),  # a suspended account, someone else's shop
        (PermissionDenied("이 항목은 바꿀 수 없어요.", field="role"), True),
        (NotFound(), False),
        (NotFound("그런 동네가 아니에요.", field="neighbourhood_id"), True),
        (AuthenticationRequired(), False),
        (RateLimited(5), False),
    ],
)
def test_the_rule(error: DomainError, shown: bool) -> None:
    assert shown_on_form(error) is shown
