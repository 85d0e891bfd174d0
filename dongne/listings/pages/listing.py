"""A listing's page (photos, seller, related listings, the seller's actions)
and the write and edit forms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dongne.kit.errors import DomainError, InvalidInput
from dongne.kit.i18n import N_
from dongne.kit.ids import Id
from dongne.kit.templating import render
from dongne.listings import browse, service
from dongne.listings.models import (
    SOLD,
    STATUSES,
    Listing,
)
from dongne.listings.pages.common import (
    is_htmx,
    refused,
    reraise_unless_form_error,
    verification_needed,
)
from dongne.notifications.pages import render_page
from dongne.web import Ctx, CtxDep

router = APIRouter(include_in_schema=False)

# ---- writing ----------------------------------------------------------------------


@router.get("/listings/new")
async def write_page(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    try:
        _link, place = await service.require_verified_place(ctx)
    except service.VerificationRequired as exc:
        return await verification_needed(request, ctx, exc)
    return await render_page(
        request,
        ctx,
        "listings/form.html",
        {"listing": None, "place_name": place.name, "photos": []},
    )


@router.get("/listings/{listing_id}/edit")
async def edit_page(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    listing = await service.access_own_listing_by_id(ctx, listing_id)
    out = await browse.listing_out(ctx, listing)
    context = {
        "listing": out,
        "place_name": out.neighbourhood.name,
        "photos": [{"id": p.id, "thumb_url": p.thumb_url} for p in out.photos],
    }
    return await render_page(request, ctx, "listings/form.html", context)


# ---- a listing --------------------------------------------------------------------


async def detail_page(
    request: Request,
    ctx: Ctx,
    listing: Listing,
    place: tuple[str, int] | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    out = await browse.listing_out(ctx, listing)
    others, similar = await browse.related(ctx, listing, place)
    allowed = service.TRANSITIONS.get(out.status, set()) | {out.status}
    from dongne.trust.moderation.pages import listing_trust

    context = {
        "trust": await listing_trust(ctx, listing),  # fraud warning, 신고하기
        "item": out,
        "others": others,
        "similar": similar,
        "allowed": allowed,
        "errors": errors or {},
    }
    return await render_page(request, ctx, "listings/detail.html", context, status=status)


@router.get("/listings/{listing_id}")
async def detail(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    place = await service.viewer_place(ctx)
    listing = await service.access_listing_by_id(ctx, listing_id, place)
    await service.record_view(ctx, listing)
    return await detail_page(request, ctx, listing, place)


@router.post("/listings/{listing_id}/like")
async def like(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    """관심 on or off; answers with the button and the new count."""
    form = await request.form()
    liked = form.get("liked") == "1"
    place = await service.viewer_place(ctx)
    listing = await service.access_listing_by_id(ctx, listing_id, place)
    await service.set_like(ctx, listing, liked)
    await ctx.db.refresh(listing)
    if not is_htmx(request):
        return RedirectResponse(f"/listings/{listing_id}", status_code=303)
    item = {
        "id": listing.id,
        "liked": liked,
        "like_count": listing.like_count,
        "chat_count": listing.chat_count,
        "view_count": listing.view_count,
    }
    return render(request, "listings/_liked.html", {"item": item})


async def seller_action(
    request: Request, ctx: Ctx, listing_id: Id, action: Callable[[], Awaitable[object]]
) -> Response:
    """Run a seller's change; answer with the listing's page (htmx swaps its
    main part), or the page again with the refusal."""
    try:
        await action()
    except DomainError as exc:
        reraise_unless_form_error(exc)
        errors = await refused(ctx, exc)
        listing = await service.access_own_listing_by_id(ctx, listing_id)
        place = await service.viewer_place(ctx)
        return await detail_page(request, ctx, listing, place, errors, status=exc.status)
    if not is_htmx(request):
        return RedirectResponse(f"/listings/{listing_id}", status_code=303)
    listing = await service.access_own_listing_by_id(ctx, listing_id)
    return await detail_page(request, ctx, listing, await service.viewer_place(ctx))


@router.post("/listings/{listing_id}/status")
async def change_status(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    form = await request.form()
    status = str(form.get("status", ""))
    if status == SOLD:  # 거래완료 goes through picking the buyer (trust/reviews/pages.py)
        await service.access_own_listing_by_id(ctx, listing_id)
        target = f"/listings/{listing_id}/deal"
        if is_htmx(request):
            return HTMLResponse("", headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    async def change() -> None:
        if status not in STATUSES:
            raise InvalidInput(N_("알 수 없는 상태예요."), field="status")
        await service.set_status(ctx, listing_id, status)

    return await seller_action(request, ctx, listing_id, change)


@router.post("/listings/{listing_id}/bump")
async def bump(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    return await seller_action(
        request, ctx, listing_id, lambda: service.bump_listing(ctx, listing_id)
    )


@router.post("/listings/{listing_id}/hidden")
async def hide(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    form = await request.form()
    hidden = form.get("hidden") == "1"
    return await seller_action(
        request, ctx, listing_id, lambda: service.set_hidden(ctx, listing_id, hidden)
    )


@router.post("/listings/{listing_id}/delete")
async def delete(request: Request, ctx: CtxDep, listing_id: Id) -> Response:
    await service.delete_listing(ctx, listing_id)
    if is_htmx(request):
        return HTMLResponse("", headers={"HX-Redirect": "/me/listings?deleted=1"})
    return RedirectResponse("/me/listings?deleted=1", status_code=303)
