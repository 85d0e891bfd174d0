"""Media storage: bytes under opaque keys, served at a public URL.

The embedded deployment keeps media on the local disk (``DONGNE_DATA_DIR/media``,
served by the app at ``/media``); the scaled one will use S3-compatible object
storage behind a CDN. Code that stores photos depends only on ``MediaStorage``.

Keys are made by ``new_key()`` from random ids, never from anything a client
sent: ``"ab/cd/abcd<28 more hex digits><suffix>"``. The two shard levels keep
any one directory small on disk and spread S3 prefixes. Every storage checks
keys with ``check_key()``: lower-case ``[a-z0-9._-]`` segments joined by ``/``,
each starting with a letter or digit, no ``..``, no leading ``/``.

How an S3 implementation maps (not written yet; it would use an async S3
client, so nothing here imports boto3)::

    put(key, data, content_type) -> PutObject(Bucket, Key=prefix + key, Body=data,
                                      ContentType=content_type,
                                      CacheControl="public, max-age=31536000, immutable")
                                    (a single PUT is atomic: readers see the old
                                    object or the new one, never a partial one)
    get(key)                     -> GetObject(...)["Body"].read(); a NoSuchKey
                                    error is raised as ``MediaNotFound``
    delete(key)                  -> DeleteObject(...); S3 already treats a missing
                                    key as success, so it is idempotent
    url(key)                     -> CDN base URL + "/" + key (no request; keys are
                                    random and content never changes under a key,
                                    so the objects can be public and cached forever)
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Protocol

import anyio.to_thread

MAX_KEY_LENGTH = 200

_SEGMENT = r"[a-z0-9][a-z0-9._-]*"
_KEY_RE = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_SUFFIX_RE = re.compile(r"[a-z0-9._-]*")


class MediaNotFound(FileNotFoundError):
    """No object is stored under the key."""


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing any object there, atomically."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises ``MediaNotFound`` when absent."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object under ``key``; removing an absent key is no error."""
        ...

    def url(self, key: str) -> str:
        """The public URL path (or absolute URL) the object is served at."""
        ...


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe storage key, else raise ``ValueError``."""
    if len(key) > MAX_KEY_LENGTH or ".." in key or _KEY_RE.fullmatch(key) is None:
        raise ValueError(f"invalid media key: {key!r}")
    return key


def new_key(suffix: str = "") -> str:
    """A fresh random key, e.g. ``new_key(".jpg")`` → ``"3f/a9/3fa9…e1.jpg"``.

    ``suffix`` is appended as is (``".jpg"``, ``"-small.jpg"``); to store several
    variants under one id, take ``new_key()`` and append each variant's suffix.
    """
    if _SUFFIX_RE.fullmatch(suffix) is None:
        raise ValueError(f"invalid media key suffix: {suffix!r}")
    ident = secrets.token_hex(16)
    return check_key(f"{ident[:2]}/{ident[2:4]}/{ident}{suffix}")


class LocalMediaStorage:
    """Objects as files under ``root``; the app serves ``root`` at ``url_prefix``.

    ``content_type`` is not kept: the file's suffix tells the static file
    server the type, and keys always carry the suffix of what they hold.
    Empty shard directories are left behind by ``delete`` (at most 65,536 of
    them), so a ``put`` racing a ``delete`` in the same shard never fails.
    """

    def __init__(self, root: Path, url_prefix: str = "/media") -> None:
        self.root = Path(root)
        self.url_prefix = url_prefix.rstrip("/")

    def path(self, key: str) -> Path:
        """The file that holds ``key`` (whether or not it exists)."""
        return self.root.joinpath(*check_key(key).split("/"))

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path(key)
        await anyio.to_thread.run_sync(_write_atomically, path, data)

    async def get(self, key: str) -> bytes:
        path = self.path(key)
        try:
            return await anyio.to_thread.run_sync(path.read_bytes)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise MediaNotFound(f"no media stored under {key!r}") from exc

    async def delete(self, key: str) -> None:
        path = self.path(key)
        await anyio.to_thread.run_sync(_unlink_if_present, path)

    def url(self, key: str) -> str:
        return f"{self.url_prefix}/{check_key(key)}"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync it, rename it over ``path``.

    Temporary names start with a dot, which no valid key segment does, so a
    half-written file can never be read under a key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), 0o644)  # mkstemp makes 0600; a proxy may serve these
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories can't be opened."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _unlink_if_present(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
        path.unlink()
