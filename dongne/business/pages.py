"""HTML pages for businesses: a profile (with 단골, 소식 and the coming 문의하기),
opening one and editing it, opening hours, staff, my businesses, and 동네 소식
(the full list, and the strip the home page loads)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from dongne.business import queries, service, staff
from dongne.business.api import run_news
from dongne.business.hours import SEOUL
from dongne.business.models import BUSINESS_CATEGORIES, MAX_PHOTOS, MEMBER_ROLES
from dongne.business.schemas import (
    BusinessIn,
    BusinessOut,
    HoursIn,
    HoursOut,
    InviteIn,
    PostIn,
)
from dongne.db import utcnow
from dongne.kit.errors import DomainError, validation_errors
from dongne.kit.i18n import N_, gettext
from dongne.kit.templating import environment, render
from dongne.listings.pages import ago, won
from dongne.listings.service import VerificationRequired, require_verified_place
from dongne.notifications.pages import render_page
from dongne.photos.processing import MAX_PHOTO_BYTES, PhotoTooLarge
from dongne.photos.service import store_photo
from dongne.web import Ctx, CtxDep

router = APIRouter(include_in_schema=False)
Cursor = Annotated[str | None, Query(max_length=200)]

WEEKDAYS = (N_("월"), N_("화"), N_("수"), N_("목"), N_("금"), N_("토"), N_("일"))
_RANGE = re.compile(r"^(\d{1,2}:\d{2})\s*[-~–]\s*(\d{1,2}:\d{2})$")


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


def _errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for err in validation_errors(exc.errors()):
        errors.setdefault(err["field"].split(".")[0] or "_", err["message"])
    return errors


async def _refused(ctx: Ctx, exc: DomainError) -> dict[str, str]:
    """A refusal a person can fix, shown on the form; the transaction is undone."""
    if exc.status in (401, 404, 429) or exc.status >= 500:
        raise exc
    await ctx.db.rollback()
    if ctx.user is not None:
        await ctx.db.refresh(ctx.user)
    return {exc.field or "_": exc.text()}


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


# ---- the profile form ----------------------------------------------------------------


def price_lines(items: list[dict[str, Any]]) -> str:
    return "\n".join(
        " | ".join(filter(None, (i["name"], str(i["price"]), i.get("note", "")))) for i in items
    )


def parse_price_list(text: str) -> tuple[list[dict[str, object]], str | None]:
    """One item a line: 이름 | 가격 | 설명(선택). Returns the items, or a message."""
    items: list[dict[str, object]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        price = parts[1].replace(",", "").removesuffix("원").strip() if len(parts) > 1 else ""
        if len(parts) > 3 or not price.isdigit():
            return [], gettext(
                "%(line)s번째 줄: '이름 | 가격 | 설명' 형식으로, 가격은 숫자로 써 주세요.",
                line=number,
            )
        items.append(
            {"name": parts[0], "price": int(price), "note": parts[2] if len(parts) > 2 else ""}
        )
    return items, None


async def _profile_form(
    request: Request,
) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """(data for BusinessIn, the submitted values, errors found before validation)."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    items, problem = parse_price_list(values.get("price_list", ""))
    data: dict[str, Any] = {
        "name": values.get("name", ""),
        "category": values.get("category", ""),
        "description": values.get("description", ""),
        "address": values.get("address", ""),
        "phone": values.get("phone") or None,
        "show_phone": values.get("show_phone") == "1",
        "price_list": items,
    }
    return data, values, ({"price_list": problem} if problem else {})


def _validated(
    data: dict[str, Any], errors: dict[str, str]
) -> tuple[BusinessIn | None, dict[str, str]]:
    """Every field's problem at once: the form's own, then the model's."""
    try:
        parsed = BusinessIn.model_validate(data)
    except ValidationError as exc:
        return None, _errors(exc) | errors
    return (parsed, errors) if not errors else (None, errors)


@router.get("/businesses/new")
async def new_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    try:
        _link, place = await require_verified_place(ctx)
    except VerificationRequired as exc:
        return await render_page(
            request,
            ctx,
            "listings/verify_needed.html",
            {"detail": exc.text(), "days": ctx.svc.settings.verification_days},
            status=exc.status,
        )
    context: dict[str, Any] = {
        "business": None,
        "values": {},
        "errors": {},
        "place_name": place.name,
    }
    return await render_page(request, ctx, "business/form.html", context)


@router.post("/businesses/new")
async def create(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    data, values, errors = await _profile_form(request)
    parsed, errors = _validated(data, errors)
    if parsed is not None:
        try:
            business = await service.create_business(ctx, parsed)
            return _redirect(f"/businesses/{business.id}")
        except DomainError as exc:
            errors = await _refused(ctx, exc)
    context = {"business": None, "values": values, "errors": errors, "place_name": ""}
    return await render_page(request, ctx, "business/form.html", context, status=422)


def _values(out: BusinessOut) -> dict[str, str]:
    return {
        "name": out.name,
        "category": out.category,
        "description": out.description,
        "address": out.address,
        "phone": out.phone or "",
        "show_phone": "1" if out.show_phone else "",
        "price_list": price_lines([i.model_dump() for i in out.price_list]),
    }


@router.get("/businesses/{business_id}/edit")
async def edit_page(request: Request, ctx: CtxDep, business_id: int) -> Response:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    out = await queries.business_out(ctx, business)
    context = {"business": out, "values": _values(out), "errors": {}, "place_name": ""}
    return await render_page(request, ctx, "business/form.html", context)


@router.post("/businesses/{business_id}/edit")
async def edit(request: Request, ctx: CtxDep, business_id: int) -> Response:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    data, values, errors = await _profile_form(request)
    data["photo_ids"] = await queries.photo_ids(ctx.db, business.id)
    data["neighbourhood_id"] = business.neighbourhood_id
    parsed, errors = _validated(data, errors)
    if parsed is not None:
        try:
            await service.update_business(ctx, business_id, parsed)
            return _redirect(f"/businesses/{business_id}")
        except DomainError as exc:
            errors = await _refused(ctx, exc)
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    out = await queries.business_out(ctx, business)
    context = {"business": out, "values": values, "errors": errors, "place_name": ""}
    return await render_page(request, ctx, "business/form.html", context, status=422)


@router.post("/businesses/{business_id}/photos")
async def add_photo(
    request: Request, ctx: CtxDep, business_id: int, file: Annotated[UploadFile, File()]
) -> Response:
    """Add one photo (the listings' pipeline: re-encoded, metadata removed)."""
    await service.access_managed_business_by_id(ctx, business_id)
    blob = await file.read(MAX_PHOTO_BYTES + 1)
    if len(blob) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    photo = await store_photo(ctx, blob)
    await service.add_photo(ctx, business_id, photo.id)
    return _redirect(f"/businesses/{business_id}/edit#photos")


@router.post("/businesses/{business_id}/photos/{photo_id}/delete")
async def remove_photo(request: Request, ctx: CtxDep, business_id: int, photo_id: int) -> Response:
    await service.remove_photo(ctx, business_id, photo_id)
    return _redirect(f"/businesses/{business_id}/edit#photos")


# ---- the profile -----------------------------------------------------------------------


async def profile_page(
    request: Request,
    ctx: Ctx,
    business_id: int,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    business = await service.access_business_by_id(ctx, business_id)
    out = await queries.business_out(ctx, business)
    posts, _more = await queries.business_posts(ctx.db, ctx.svc.media, business.id, None, 10)
    context = {
        "b": out,
        "posts": posts,
        "errors": errors or {},
        "values": values or {},
        "today": utcnow().astimezone(SEOUL).date(),
    }
    return await render_page(request, ctx, "business/profile.html", context, status=status)


@router.get("/businesses/{business_id}")
async def profile(request: Request, ctx: CtxDep, business_id: int) -> Response:
    return await profile_page(request, ctx, business_id)


@router.post("/businesses/{business_id}/follow")
async def follow(request: Request, ctx: CtxDep, business_id: int) -> Response:
    """단골 on or off; answers htmx with the button and the new count."""
    form = await request.form()
    on = form.get("following") == "1"
    business = await service.access_business_by_id(ctx, business_id)
    await service.set_following(ctx, business, on)
    if request.headers.get("hx-request") != "true":
        return _redirect(f"/businesses/{business_id}")
    await ctx.db.refresh(business)
    return render(
        request,
        "business/_follow.html",
        {"b": {"id": business.id, "following": on, "follower_count": business.follower_count}},
    )


@router.post("/businesses/{business_id}/posts")
async def create_post(request: Request, ctx: CtxDep, business_id: int) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, "")) for k in ("title", "content")}
    try:
        await service.create_post(ctx, business_id, PostIn.model_validate(values))
        return _redirect(f"/businesses/{business_id}#news")
    except ValidationError as exc:
        errors = _errors(exc)
    except DomainError as exc:
        errors = await _refused(ctx, exc)
    return await profile_page(request, ctx, business_id, errors, values, status=422)


@router.post("/businesses/{business_id}/posts/{post_id}/delete")
async def delete_post(request: Request, ctx: CtxDep, business_id: int, post_id: int) -> Response:
    await service.delete_post(ctx, business_id, post_id)
    return _redirect(f"/businesses/{business_id}#news")


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
            found = _RANGE.match(part)
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
async def hours_page(request: Request, ctx: CtxDep, business_id: int) -> Response:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    hours = queries.hours_out(await queries.schedule_of(ctx.db, business.id))
    context = {"business": business, "values": _hours_values(hours), "errors": {}}
    return await render_page(request, ctx, "business/hours.html", context)


@router.post("/businesses/{business_id}/hours")
async def save_hours(request: Request, ctx: CtxDep, business_id: int) -> Response:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    data, errors = parse_hours_form(values)
    if not errors:
        try:
            await service.set_hours(ctx, business_id, HoursIn.model_validate(data))
            return _redirect(f"/businesses/{business_id}")
        except ValidationError as exc:
            errors = _errors(exc)
            if "ranges" in errors:
                errors["_"] = errors.pop("ranges")
        except DomainError as exc:
            errors = await _refused(ctx, exc)
    context = {"business": business, "values": values, "errors": errors}
    return await render_page(request, ctx, "business/hours.html", context, status=422)


# ---- staff --------------------------------------------------------------------------------


async def staff_page(
    request: Request, ctx: Ctx, business_id: int, errors: dict[str, str], status: int = 200
) -> HTMLResponse:
    business, role = await service.access_managed_business_by_id(ctx, business_id, owner_only=False)
    context = {
        "business": business,
        "role": role,
        "members": await queries.members(ctx.db, business.id),
        "invitations": (
            await queries.pending_invitations(ctx.db, business.id) if role == "owner" else []
        ),
        "errors": errors,
    }
    return await render_page(request, ctx, "business/staff.html", context, status=status)


@router.get("/businesses/{business_id}/staff")
async def staff_members(request: Request, ctx: CtxDep, business_id: int) -> Response:
    return await staff_page(request, ctx, business_id, {})


@router.post("/businesses/{business_id}/staff/invite")
async def invite(request: Request, ctx: CtxDep, business_id: int) -> Response:
    form = await request.form()
    try:
        data = InviteIn.model_validate({"email": str(form.get("email", ""))})
        await staff.invite_staff(ctx, business_id, data.email)
        return _redirect(f"/businesses/{business_id}/staff")
    except ValidationError as exc:
        errors = _errors(exc)
    except DomainError as exc:
        errors = await _refused(ctx, exc)
    return await staff_page(request, ctx, business_id, errors, status=422)


@router.post("/businesses/{business_id}/staff/invitations/{invitation_id}/revoke")
async def revoke(request: Request, ctx: CtxDep, business_id: int, invitation_id: int) -> Response:
    await staff.revoke_invitation(ctx, business_id, invitation_id)
    return _redirect(f"/businesses/{business_id}/staff")


@router.post("/businesses/{business_id}/staff/{user_id}/remove")
async def remove(request: Request, ctx: CtxDep, business_id: int, user_id: int) -> Response:
    await staff.remove_member(ctx, business_id, user_id)
    if ctx.user is not None and user_id == ctx.user.id:
        return _redirect("/me/businesses")
    return _redirect(f"/businesses/{business_id}/staff")


# ---- mine ---------------------------------------------------------------------------------


@router.get("/me/businesses")
async def mine(request: Request, ctx: CtxDep) -> Response:
    user = ctx.require_user()
    memberships = await queries.my_business_ids(ctx.db, user.id)
    roles = dict(memberships)
    cards = await queries.cards(ctx.db, ctx.svc.media, [b for b, _ in memberships])
    following = await queries.cards(
        ctx.db, ctx.svc.media, await queries.followed_ids(ctx.db, user.id)
    )
    context = {"mine": [(c, roles[c.id]) for c in cards], "following": following}
    return await render_page(request, ctx, "business/mine.html", context)


@router.get("/business-invitations")
async def invitation(request: Request, ctx: CtxDep, token: str = "") -> Response:
    """Where the invitation mail's link lands: sign in (or up), then accept."""
    context: dict[str, Any] = {"token": token, "business": None, "error": None}
    if ctx.user is not None:
        try:
            found = await staff.access_invitation_by_token(ctx, token)
            context["business"] = await service.get_business_or_raise(ctx.db, found.business_id)
        except DomainError as exc:  # expired (409); unknown tokens are a 404 page
            context["error"] = next(iter((await _refused(ctx, exc)).values()))
    else:
        context["next"] = f"/business-invitations?{urlencode({'token': token})}"
    status = 200 if context["error"] is None else 409
    return await render_page(request, ctx, "business/invitation.html", context, status=status)


@router.post("/business-invitations/accept")
async def accept(request: Request, ctx: CtxDep) -> Response:
    form = await request.form()
    member = await staff.accept_invitation(ctx, str(form.get("token", "")))
    return _redirect(f"/businesses/{member.business_id}")


# ---- 동네 소식 ------------------------------------------------------------------------------


@router.get("/news")
async def news(request: Request, ctx: CtxDep, cursor: Cursor = None) -> Response:
    page = await run_news(ctx, cursor, None)
    more = f"/news?{urlencode({'cursor': page.next_cursor})}" if page.next_cursor else None
    context = {"posts": page.items, "more_url": more}
    return await render_page(request, ctx, "business/news.html", context)


@router.get("/news/home")
async def news_strip(request: Request, ctx: CtxDep) -> Response:
    """The home page's strip of the newest 동네 소식 (loaded by htmx)."""
    page = await run_news(ctx, None, None, limit=3)
    if not page.items:
        return HTMLResponse("")
    return render(request, "business/_news_strip.html", {"posts": page.items})
