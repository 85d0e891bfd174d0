"""HTML forms validated by the same pydantic models as the JSON API."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.kit.errors import DomainError, validation_errors
from dongne.kit.security import CSRF_FIELD

M = TypeVar("M", bound=BaseModel)


async def parse_form(
    request: Request, model: type[M]
) -> tuple[M | None, dict[str, str], dict[str, str]]:
    """Returns (data or None, field → error message, the submitted values to refill the form)."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}
    try:
        return model.model_validate(values), {}, values
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in validation_errors(exc.errors()):
            errors.setdefault(err["field"] or "_", err["message"])
        return None, errors, values


async def rejected(db: AsyncSession, exc: DomainError) -> dict[str, str]:
    """A form the service refused: undo anything it wrote, keep its message."""
    await db.rollback()
    return {exc.field or "_": exc.text()}


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect to another host after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
