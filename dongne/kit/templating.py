"""Jinja2 pages: Korean first, the current user's language, CSRF and htmx wiring.

Nothing is registered when a module is imported. The app factory builds the one
environment with :func:`install_templates`, from what each domain gives its
templates (a :class:`TemplateParts` of globals and filters) and from the
providers of what every whole page carries (the header's notification badge):
:func:`render` and :func:`render_page` find it on the app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from dongne import __version__
from dongne.kit.i18n import LOCALE_NAMES, current_locale, gettext, ngettext

SEOUL = ZoneInfo("Asia/Seoul")


class Unit(Protocol):
    """The request's unit of work, as far as a page needs it."""

    @property
    def db(self) -> AsyncSession: ...


# What every whole page carries, given the request and its session: {name: value}.
PageChrome = Callable[[Request, AsyncSession], Awaitable[Mapping[str, Any]]]


@dataclass(frozen=True)
class TemplateParts:
    """What one domain gives its templates: functions and constants (globals), and filters."""

    globals: Mapping[str, Any] = field(default_factory=dict)
    filters: Mapping[str, Callable[..., Any]] = field(default_factory=dict)


# ---- the words every page uses --------------------------------------------------


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(SEOUL).strftime(fmt) if value else ""


def ago(when: datetime, now: datetime | None = None) -> str:
    """How long ago, the way a person says it: 방금 전, 3분 전, 2주 전… (``now``:
    the wall clock; pages are not rendered under the demo's simulated clock)."""
    minutes = max(0, int(((now or datetime.now(UTC)) - when).total_seconds()) // 60)
    if minutes < 1:
        return gettext("방금 전")
    if minutes < 60:
        return ngettext("%(num)s분 전", "%(num)s분 전", minutes)
    hours = minutes // 60
    if hours < 24:
        return ngettext("%(num)s시간 전", "%(num)s시간 전", hours)
    days = hours // 24
    if days < 7:
        return ngettext("%(num)s일 전", "%(num)s일 전", days)
    if days < 30:
        return ngettext("%(num)s주 전", "%(num)s주 전", days // 7)
    if days < 365:
        return ngettext("%(num)s개월 전", "%(num)s개월 전", days // 30)
    return ngettext("%(num)s년 전", "%(num)s년 전", days // 365)


def won(price: int) -> str:
    """A sum of money as people read it: 12,000원."""
    return gettext("%(price)s원", price=f"{price:,}")


BASE = TemplateParts(
    globals={"version": __version__, "locale_names": LOCALE_NAMES},
    filters={"local_time": local_time, "ago": ago, "won": won},
)


# ---- the environment, built once per app ----------------------------------------


@dataclass(frozen=True)
class Templates:
    env: Environment
    chrome: tuple[PageChrome, ...] = ()


def build_environment(parts: Iterable[TemplateParts]) -> Environment:
    """One environment with the base parts and every domain's. Two domains giving
    the same name different meanings is a mistake, refused here."""
    root = resources.files("dongne")
    env = Environment(
        loader=FileSystemLoader([str(root / "templates")]),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s, **kw: gettext(s, **kw),
        lambda s, p, n, **kw: ngettext(s, p, n, **kw),
        newstyle=True,
    )
    for part in (BASE, *parts):
        for target, given in ((env.globals, part.globals), (env.filters, part.filters)):
            for name, value in given.items():
                if name in target and target[name] is not value:
                    raise ValueError(f"template name {name!r} is given twice")
                target[name] = value
    return env


def install_templates(
    app: FastAPI, parts: Iterable[TemplateParts], chrome: Iterable[PageChrome] = ()
) -> Templates:
    """At app creation: the environment every page of ``app`` renders with."""
    templates = Templates(build_environment(parts), tuple(chrome))
    app.state.templates = templates
    return templates


def templates_of(request: Request) -> Templates:
    templates: Templates = request.app.state.templates
    return templates


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A template (a whole page without the header's live parts, or a fragment)."""
    ctx: dict[str, Any] = {
        "request": request,
        "locale": current_locale(),
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf", ""),
        "path": request.url.path,
    }
    ctx.update(context or {})
    html = templates_of(request).env.get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status)


async def render_page(
    request: Request,
    unit: Unit,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    """render() for a whole page: adds what the header shows (the providers
    installed with the templates, such as the notification badge)."""
    chrome: dict[str, Any] = {}
    for provide in templates_of(request).chrome:
        chrome.update(await provide(request, unit.db))
    return render(request, name, {**chrome, **(context or {})}, status=status)
