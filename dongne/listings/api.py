"""JSON endpoints for listings, the feed, search, likes and keyword alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_, gettext
from dongne.kit.ids import Id
from dongne.listings import browse, queries, service
from dongne.listings.browse import (
    listing_out,
    my_keywords,
    photo_out,
    run_feed,
    run_search,
    suggestions,
)
from dongne.listings.models import CATEGORIES, STATUSES
from dongne.listings.schemas import (
    HiddenIn,
    KeywordIn,
    KeywordOut,
    ListingCard,
    ListingIn,
    ListingOut,
    Page,
    PhotoOut,
    StatusIn,
)
from dongne.listings.text import MAX_QUERY_LENGTH
from dongne.photos.processing import MAX_PHOTO_BYTES, PhotoTooLarge
from dongne.photos.service import store_photo
from dongne.web import CtxDep

router = APIRouter(prefix="/api/v1", tags=["listings"])

Category = Annotated[str | None, Query(max_length=32)]
Cursor = Annotated[str | None, Query(max_length=200)]
PlaceParam = Annotated[
    str | None, Query(max_length=32, description="For visitors: the neighbourhood to browse")
]


@router.get("/categories")
async def categories() -> list[dict[str, str]]:
    return [{"slug": slug, "name": gettext(name)} for slug, name in CATEGORIES.items()]


@router.post("/photos", status_code=status.HTTP_201_CREATED)
async def upload_photo(ctx: CtxDep, file: Annotated[UploadFile, File()]) -> PhotoOut:
    """Upload one photo (JPEG, PNG or WebP, ≤ 10 MB). It is re-encoded with all
    metadata (EXIF, GPS, XMP, comments) removed; attach it to a listing by id."""
    ctx.require_user()
    data = await file.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    photo = await store_photo(ctx, data)
    return photo_out(ctx, photo)


@router.get("/listings/feed")
async def feed(
    ctx: CtxDep,
    category: Category = None,
    free: bool = False,
    hide_sold: bool = False,
    cursor: Cursor = None,
    neighbourhood_id: PlaceParam = None,
) -> Page:
    """The neighbourhood feed: listings inside the viewer's range, newest first."""
    return await run_feed(ctx, category, free, hide_sold, cursor, neighbourhood_id)


@router.get("/listings/search")
async def search(
    ctx: CtxDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH)],
    category: Category = None,
    free: bool = False,
    hide_sold: bool = False,
    cursor: Cursor = None,
    neighbourhood_id: PlaceParam = None,
) -> Page:
    """Korean search inside the viewer's range, by relevance then recency."""
    return await run_search(ctx, q, category, free, hide_sold, cursor, neighbourhood_id)


@router.get("/listings/suggest")
async def suggest(
    ctx: CtxDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_LENGTH)],
    neighbourhood_id: PlaceParam = None,
) -> list[str]:
    """Search-as-you-type: titles of matching listings in range."""
    return await suggestions(ctx, q, neighbourhood_id)


@router.get("/searches/recent")
async def recent_searches(ctx: CtxDep) -> list[str]:
    return await queries.recent_searches(ctx.db, ctx.require_user().id)


@router.delete("/searches/recent", status_code=status.HTTP_204_NO_CONTENT)
async def clear_recent_searches(ctx: CtxDep) -> Response:
    await service.clear_searches(ctx)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/listings", status_code=status.HTTP_201_CREATED)
async def create(data: ListingIn, ctx: CtxDep) -> ListingOut:
    """Post a listing in the active, verified neighbourhood."""
    listing = await service.create_listing(ctx, data)
    return await listing_out(ctx, listing)


@router.get("/listings/{listing_id}")
async def detail(ctx: CtxDep, listing_id: Id, neighbourhood_id: PlaceParam = None) -> ListingOut:
    place = await service.viewer_place(ctx, neighbourhood_id)
    listing = await service.access_listing_by_id(ctx, listing_id, place)
    await service.record_view(ctx, listing)
    return await listing_out(ctx, listing)


@router.put("/listings/{listing_id}")
async def edit(listing_id: Id, data: ListingIn, ctx: CtxDep) -> ListingOut:
    listing = await service.update_listing(ctx, listing_id, data)
    return await listing_out(ctx, listing)


@router.delete("/listings/{listing_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(listing_id: Id, ctx: CtxDep) -> Response:
    await service.delete_listing(ctx, listing_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/listings/{listing_id}/status")
async def set_status(listing_id: Id, data: StatusIn, ctx: CtxDep) -> ListingOut:
    """판매중 ⇄ 예약중 → 거래완료 (and back to 판매중)."""
    listing = await service.set_status(ctx, listing_id, data.status)
    return await listing_out(ctx, listing)


@router.post("/listings/{listing_id}/hidden")
async def set_hidden(listing_id: Id, data: HiddenIn, ctx: CtxDep) -> ListingOut:
    listing = await service.set_hidden(ctx, listing_id, data.hidden)
    return await listing_out(ctx, listing)


@router.post("/listings/{listing_id}/bump")
async def bump(listing_id: Id, ctx: CtxDep) -> ListingOut:
    """끌어올리기: to the top of the feed, at most once every 24 hours."""
    listing = await service.bump_listing(ctx, listing_id)
    return await listing_out(ctx, listing)


@router.put("/listings/{listing_id}/like", status_code=status.HTTP_204_NO_CONTENT)
async def like(listing_id: Id, ctx: CtxDep) -> Response:
    place = await service.viewer_place(ctx)
    listing = await service.access_listing_by_id(ctx, listing_id, place)
    await service.set_like(ctx, listing, True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/listings/{listing_id}/like", status_code=status.HTTP_204_NO_CONTENT)
async def unlike(listing_id: Id, ctx: CtxDep) -> Response:
    place = await service.viewer_place(ctx)
    listing = await service.access_listing_by_id(ctx, listing_id, place)
    await service.set_like(ctx, listing, False)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/listings/{listing_id}/related")
async def related(ctx: CtxDep, listing_id: Id) -> dict[str, list[ListingCard]]:
    """The seller's other listings and similar listings nearby (same category,
    inside the viewer's range)."""
    place = await service.viewer_place(ctx)
    listing = await service.access_listing_by_id(ctx, listing_id, place)
    others, similar = await browse.related(ctx, listing, place)
    return {"seller_others": others, "similar": similar}


@router.get("/me/listings")
async def my_listings(
    ctx: CtxDep, status_: Annotated[str | None, Query(alias="status", max_length=10)] = None
) -> list[ListingCard]:
    user = ctx.require_user()
    if status_ is not None and status_ not in STATUSES:
        raise InvalidInput(N_("알 수 없는 상태예요."), field="status")
    ids = await queries.seller_listing_ids(
        ctx.db, user.id, status=status_, include_hidden=True, limit=200
    )
    return await queries.cards(ctx.db, ctx.svc.media, ids)


@router.get("/me/likes")
async def my_likes(ctx: CtxDep) -> list[ListingCard]:
    ids = await queries.liked_ids(ctx.db, ctx.require_user().id)
    return await queries.cards(ctx.db, ctx.svc.media, ids)


@router.get("/me/keywords")
async def keywords(ctx: CtxDep) -> list[KeywordOut]:
    return await my_keywords(ctx)


@router.post("/me/keywords", status_code=status.HTTP_201_CREATED)
async def add_keyword(data: KeywordIn, ctx: CtxDep) -> KeywordOut:
    """키워드 알림: up to 30; a new listing in range that matches notifies you."""
    alert = await service.add_keyword(ctx, data.keyword)
    return KeywordOut(id=alert.id, keyword=alert.keyword, created_at=alert.created_at)


@router.delete("/me/keywords/{keyword_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_keyword(keyword_id: Id, ctx: CtxDep) -> Response:
    await service.remove_keyword(ctx, keyword_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
