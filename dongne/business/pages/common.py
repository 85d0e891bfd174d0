"""What the business pages share: template filters (registered on import), form
errors and refusals."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Query
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from dongne.business.hours import SEOUL
from dongne.business.models import BUSINESS_CATEGORIES, MAX_PHOTOS, MEMBER_ROLES
from dongne.business.schemas import (
    HoursOut,
)
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import DomainError, validation_errors
from dongne.kit.i18n import N_, gettext
from dongne.kit.templating import environment
from dongne.listings.pages import ago, won

Cursor = Annotated[str | None, Query(max_length=200)]

WEEKDAYS = (N_("월"), N_("화"), N_("수"), N_("목"), N_("금"), N_("토"), N_("일"))
TIME_RANGE = re.compile(r"^(\d{1,2}:\d{2})\s*[-~–]\s*(\d{1,2}:\d{2})$")


def business_category(slug: str) -> str:
    return gettext(BUSINESS_CATEGORIES[slug]) if slug in BUSINESS_CATEGORIES else slug


def weekday_name(day: int) -> str:
    return gettext(WEEKDAYS[day])


def _when(moment: datetime, now: datetime) -> str:
    local, today = moment.astimezone(SEOUL), now.astimezone(SEOUL).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return gettext("오늘 %(time)s", time=clock)
    if local.date() == today + timedelta(days=1):
        return gettext("내일 %(time)s", time=clock)
    return gettext(
        "%(month)s월 %(day)s일 (%(weekday)s) %(time)s",
        month=local.month,
        day=local.day,
        weekday=weekday_name(local.weekday()),
        time=clock,
    )


def open_status(hours: HoursOut, now: datetime | None = None) -> str:
    """영업 중 · 오늘 21:00에 마감 / 영업 전 · 내일 09:00에 열어요 / 영업시간 정보 없음."""
    now = now or utcnow()
    if not hours.ranges:
        return gettext("영업시간 정보 없음")
    if hours.is_open:
        if hours.until is None:
            return gettext("영업 중 · 24시간")
        return gettext("영업 중 · %(when)s에 마감", when=_when(hours.until, now))
    if hours.until is None:
        return gettext("당분간 쉬어요")
    return gettext("영업 전 · %(when)s에 열어요", when=_when(hours.until, now))


_env = environment()
_env.filters.update(ago=ago, won=won)
_env.globals.update(
    business_category=business_category,
    business_categories=BUSINESS_CATEGORIES,
    weekday_name=weekday_name,
    open_status=open_status,
    member_roles=MEMBER_ROLES,
    max_business_photos=MAX_PHOTOS,
)


def form_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in validation_errors(exc.errors()):
        errors.setdefault(err["field"].split(".")[0] or "_", err["message"])
    return errors


async def refused(ctx: Ctx, exc: DomainError) -> dict[str, str]:
    """A refusal a person can fix, shown on the form; the transaction is undone."""
    if exc.status in (401, 404, 429) or exc.status >= 500:
        raise exc
    await ctx.db.rollback()
    if ctx.user is not None:
        await ctx.db.refresh(ctx.user)
    return {exc.field or "_": exc.text()}


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
