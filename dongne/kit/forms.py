"""HTML forms: validated by the same pydantic models as the JSON API, and refused
in one way.

Every page that writes from a form does the same three things when the input
or the service says no: undo whatever the request wrote, keep the person's
input, and show the refusal next to the field it is about. :func:`refusal` does
the first and collects the errors; the page renders its form again with them::

    async with refusal(ctx) as refused:
        await service.create_thing(ctx, ThingIn.model_validate(values))
        return redirect("/things")
    return await render_page(request, ctx, "form.html", {...,
        "values": values, "errors": refused.errors}, status=refused.status)

Which refusals belong on the form is one rule, :func:`shown_on_form`; the rest
(sign in first, not allowed, not found, too many requests, a fault) go to the
error page, which says why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.kit.errors import AuthenticationRequired, DomainError, validation_errors
from dongne.kit.security import CSRF_FIELD

M = TypeVar("M", bound=BaseModel)


class Unit(Protocol):
    """The request's unit of work, as far as a refusal needs it: its session and
    the signed-in user, reloaded after the rollback so the page can be built."""

    @property
    def db(self) -> AsyncSession: ...

    @property
    def user(self) -> Any: ...


@dataclass
class Refusal:
    """What :func:`refusal` caught: field → message (``_`` for the whole form)
    and the status to answer with. Empty while nothing was refused."""

    errors: dict[str, str] = field(default_factory=dict)
    status: int = 422

    def __bool__(self) -> bool:
        return bool(self.errors)

    @property
    def message(self) -> str:
        """The first message, for forms of one field."""
        return next(iter(self.errors.values()), "")


def field_errors(exc: ValidationError) -> dict[str, str]:
    """pydantic's errors as field → the first message for it (a nested field,
    ``price_list.0.name``, is reported on the form field ``price_list``)."""
    errors: dict[str, str] = {}
    for err in validation_errors(exc.errors()):
        errors.setdefault((err["field"] or "_").split(".")[0] or "_", err["message"])
    return errors


def shown_on_form(exc: DomainError) -> bool:
    """Whether a refusal is the person's to fix on the form. An error about one
    of the form's fields always is, and so is any other invalid input or
    conflict. Sign in first, not allowed (a suspended account, someone else's
    shop), not found, too many requests and faults are not: no other input would
    help, and the form may not even be theirs. They get the error page with the
    reason (a login redirect, 403, 404, Retry-After)."""
    if exc.field is not None:
        return True
    if isinstance(exc, AuthenticationRequired):
        return False
    return exc.status not in (403, 404, 429) and exc.status < 500


async def undo(unit: Unit) -> None:
    """Roll back what the request wrote, and reload the signed-in user the
    rollback expired (unless the rollback undid their creation)."""
    await unit.db.rollback()
    user = unit.user
    if user is not None and inspect(user).persistent:
        await unit.db.refresh(user)


@asynccontextmanager
async def refusal(unit: Unit) -> AsyncIterator[Refusal]:
    """Run a form's validation and writes; a refusal that belongs on the form is
    caught, the request's work undone, and its messages kept in the yielded
    :class:`Refusal`. Anything else propagates."""
    refused = Refusal()
    try:
        yield refused
    except ValidationError as exc:
        refused.errors, refused.status = field_errors(exc), 422
    except DomainError as exc:
        if not shown_on_form(exc):
            raise
        refused.errors, refused.status = {exc.field or "_": exc.text()}, exc.status
    else:
        return
    await undo(unit)


def form_values(form: Any) -> dict[str, str]:
    """The submitted text fields (not files, not the CSRF token), to refill the form."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


async def parse_form(
    request: Request, model: type[M]
) -> tuple[M | None, dict[str, str], dict[str, str]]:
    """Returns (data or None, field → error message, the submitted values to refill the form)."""
    values = form_values(await request.form())
    try:
        return model.model_validate(values), {}, values
    except ValidationError as exc:
        return None, field_errors(exc), values


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect to another host after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
