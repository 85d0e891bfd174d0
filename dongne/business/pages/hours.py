"""Opening hours and holidays: the owner's form."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from dongne.business import queries, service
from dongne.business.pages.common import (
    TIME_RANGE,
    form_errors,
    redirect,
    refused,
)
from dongne.business.schemas import (
    HoursIn,
    HoursOut,
)
from dongne.kit.errors import DomainError
from dongne.kit.i18n import gettext
from dongne.kit.ids import Id
from dongne.notifications.pages import render_page
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)

# ---- hours -------------------------------------------------------------------------------


def _hours_values(hours: HoursOut) -> dict[str, str]:
    values = {
        f"day{d}": ", ".join(f"{r.opens}-{r.closes}" for r in hours.ranges if r.weekday == d)
        for d in range(7)
    }
    values["holidays"] = "\n".join(d.isoformat() for d in hours.holidays)
    return values


def parse_hours_form(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    ranges: list[dict[str, object]] = []
    errors: dict[str, str] = {}
    for day in range(7):
        text = values.get(f"day{day}", "")
        for part in filter(None, (p.strip() for p in text.split(","))):
            found = TIME_RANGE.match(part)
            if not found:
                errors[f"day{day}"] = gettext("09:00-18:00처럼 써 주세요. 여러 개는 쉼표로 나눠요.")
                break
            ranges.append({"weekday": day, "opens": found[1].zfill(5), "closes": found[2].zfill(5)})
    holidays: list[str] = []
    for token in re.split(r"[\s,]+", values.get("holidays", "").strip()):
        if not token:
            continue
        try:
            holidays.append(date.fromisoformat(token).isoformat())
        except ValueError:
            errors["holidays"] = gettext("휴무일은 2026-12-25처럼 날짜로 써 주세요.")
            break
    return {"ranges": ranges, "holidays": holidays}, errors


@router.get("/businesses/{business_id}/hours")
async def hours_page(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    hours = queries.hours_out(await queries.schedule_of(ctx.db, business.id))
    context = {"business": business, "values": _hours_values(hours), "errors": {}}
    return await render_page(request, ctx, "business/hours.html", context)


@router.post("/businesses/{business_id}/hours")
async def save_hours(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    data, errors = parse_hours_form(values)
    if not errors:
        try:
            await service.set_hours(ctx, business_id, HoursIn.model_validate(data))
            return redirect(f"/businesses/{business_id}")
        except ValidationError as exc:
            errors = form_errors(exc)
            if "ranges" in errors:
                errors["_"] = errors.pop("ranges")
        except DomainError as exc:
            errors = await refused(ctx, exc)
    context = {"business": business, "values": values, "errors": errors}
    return await render_page(request, ctx, "business/hours.html", context, status=422)
