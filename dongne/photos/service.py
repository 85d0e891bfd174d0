"""Storing uploaded photos: decode, strip, re-encode (off the event loop),
write three sizes to media storage, then record the photo."""

from __future__ import annotations

import anyio
import anyio.to_thread
from sqlalchemy import select

from dongne.context import Ctx
from dongne.db import on_commit
from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_
from dongne.kit.media import new_key
from dongne.photos.models import Photo
from dongne.photos.processing import MAX_PHOTO_BYTES, PhotoTooLarge, process_photo

EXTENSIONS = {"image/jpeg": ".jpg", "image/webp": ".webp", "image/png": ".png"}
# Decoding a 40-megapixel upload takes ~160 MB: at most two at a time per worker.
_DECODERS = anyio.CapacityLimiter(2)


async def store_photo(ctx: Ctx, data: bytes) -> Photo:
    user = ctx.require_user()
    await ctx.limit(ctx.svc.settings.photo_limit_per_user, "photo", str(user.id))
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge()
    processed = await anyio.to_thread.run_sync(process_photo, data, limiter=_DECODERS)
    suffix = EXTENSIONS.get(processed.content_type, "")
    keys = [new_key(suffix) for _ in range(3)]
    media = ctx.svc.media
    for key, blob in zip(keys, (processed.full, processed.large, processed.small), strict=True):
        await media.put(key, blob, processed.content_type)
    photo = Photo(
        owner_id=user.id,
        full_key=keys[0],
        large_key=keys[1],
        small_key=keys[2],
        content_type=processed.content_type,
        width=processed.width,
        height=processed.height,
        byte_size=len(processed.full),
    )
    ctx.db.add(photo)
    await ctx.db.flush()
    ctx.record("photo_uploaded", photo_id=photo.id, bytes=len(data))
    return photo


async def owned_photos(ctx: Ctx, photo_ids: list[int]) -> list[Photo]:
    """The caller's photos in the given order; any foreign or unknown id is refused."""
    user = ctx.require_user()
    if not photo_ids:
        return []
    found = {
        p.id: p
        for p in (
            await ctx.db.scalars(
                select(Photo).where(Photo.id.in_(photo_ids), Photo.owner_id == user.id)
            )
        ).all()
    }
    missing = [pid for pid in photo_ids if pid not in found]
    if missing:
        raise InvalidInput(N_("올린 사진을 찾을 수 없어요. 다시 올려 주세요."), field="photo_ids")
    return [found[pid] for pid in photo_ids]


def delete_files_after_commit(ctx: Ctx, photo: Photo) -> None:
    media = ctx.svc.media

    async def remove() -> None:
        for key in (photo.full_key, photo.large_key, photo.small_key):
            await media.delete(key)

    on_commit(ctx.db, remove)
