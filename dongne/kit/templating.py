"""Jinja2 pages: Korean first, the current user's language, CSRF and htmx wiring."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from dongne import __version__
from dongne.kit.i18n import LOCALE_NAMES, current_locale, gettext, ngettext

SEOUL = ZoneInfo("Asia/Seoul")


def _local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(SEOUL).strftime(fmt) if value else ""


@lru_cache
def environment() -> Environment:
    root = resources.files("dongne")
    loaders = [str(root / "templates")]
    env = Environment(
        loader=FileSystemLoader(loaders),
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
    env.filters["local_time"] = _local_time
    env.globals["version"] = __version__
    env.globals["locale_names"] = LOCALE_NAMES
    return env


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    env = environment()
    ctx: dict[str, Any] = {
        "request": request,
        "locale": current_locale(),
        "user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf", ""),
        "path": request.url.path,
    }
    ctx.update(context or {})
    html = env.get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status)
