"""Opening a business profile and editing it: the form, its photos and price
list."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from dongne.business import queries, service
from dongne.business.pages.common import (
    form_errors,
    redirect,
    refused,
)
from dongne.business.schemas import (
    BusinessIn,
    BusinessOut,
)
from dongne.kit.errors import DomainError
from dongne.kit.i18n import gettext
from dongne.kit.ids import Id
from dongne.listings.pages import verification_needed
from dongne.listings.service import VerificationRequired, require_verified_place
from dongne.notifications.pages import render_page
from dongne.photos.processing import MAX_PHOTO_BYTES, PhotoTooLarge
from dongne.photos.service import store_photo
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)

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
        return None, form_errors(exc) | errors
    return (parsed, errors) if not errors else (None, errors)


@router.get("/businesses/new")
async def new_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    try:
        _link, place = await require_verified_place(ctx)
    except VerificationRequired as exc:
        return await verification_needed(request, ctx, exc)
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
            return redirect(f"/businesses/{business.id}")
        except DomainError as exc:
            errors = await refused(ctx, exc)
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
async def edit_page(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    out = await queries.business_out(ctx, business)
    context = {"business": out, "values": _values(out), "errors": {}, "place_name": ""}
    return await render_page(request, ctx, "business/form.html", context)


@router.post("/businesses/{business_id}/edit")
async def edit(request: Request, ctx: CtxDep, business_id: Id) -> Response:
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    data, values, errors = await _profile_form(request)
    data["photo_ids"] = await queries.photo_ids(ctx.db, business.id)
    data["neighbourhood_id"] = business.neighbourhood_id
    parsed, errors = _validated(data, errors)
    if parsed is not None:
        try:
            await service.update_business(ctx, business_id, parsed)
            return redirect(f"/businesses/{business_id}")
        except DomainError as exc:
            errors = await refused(ctx, exc)
    business, _ = await service.access_managed_business_by_id(ctx, business_id)
    out = await queries.business_out(ctx, business)
    context = {"business": out, "values": values, "errors": errors, "place_name": ""}
    return await render_page(request, ctx, "business/form.html", context, status=422)


@router.post("/businesses/{business_id}/photos")
async def add_photo(
    request: Request, ctx: CtxDep, business_id: Id, file: Annotated[UploadFile, File()]
) -> Response:
    """Add one photo (the listings' pipeline: re-encoded, metadata removed)."""
    await service.access_managed_business_by_id(ctx, business_id)
    blob = await file.read(MAX_PHOTO_BYTES + 1)
    if len(blob) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    photo = await store_photo(ctx, blob)
    await service.add_photo(ctx, business_id, photo.id)
    return redirect(f"/businesses/{business_id}/edit#photos")


@router.post("/businesses/{business_id}/photos/{photo_id}/delete")
async def remove_photo(request: Request, ctx: CtxDep, business_id: Id, photo_id: Id) -> Response:
    await service.remove_photo(ctx, business_id, photo_id)
    return redirect(f"/businesses/{business_id}/edit#photos")
