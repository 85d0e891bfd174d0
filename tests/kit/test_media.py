"""Local media storage: atomic files under a root, safe keys, public URLs."""

from __future__ import annotations

import asyncio
import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dongne.kit.media import (
    LocalMediaStorage,
    MediaNotFound,
    MediaStorage,
    check_key,
    new_key,
)

BAD_KEYS = [
    "",
    "../escape.jpg",
    "ab/../../escape.jpg",
    "ab/cd/..",
    "..",
    "/etc/passwd",
    "/ab/cd/x.jpg",
    "ab//cd.jpg",
    "ab/cd/",
    "./ab.jpg",
    "ab/./cd.jpg",
    ".hidden",
    "ab/.cd.jpg.tmp",
    "AB/cd/x.jpg",
    "ab\\cd.jpg",
    "ab/cd x.jpg",
    "ab/cd\x00.jpg",
    "ab/cd\n.jpg",
    "역삼동.jpg",
    "ab/cd/x.jpg?download=1",
    "a" * 201,
]


def files_under(directory: Path) -> list[Path]:
    return list(directory.rglob("*"))


def test_local_storage_satisfies_the_protocol(tmp_path: Path) -> None:
    storage: MediaStorage = LocalMediaStorage(tmp_path)
    assert storage.url("ab/cd/x.jpg") == "/media/ab/cd/x.jpg"


async def test_put_get_delete_round_trip(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path / "media")
    key = new_key(".jpg")
    data = os.urandom(50_000)

    await storage.put(key, data, "image/jpeg")

    assert await storage.get(key) == data
    on_disk = tmp_path / "media" / key
    assert on_disk.read_bytes() == data
    assert stat.S_IMODE(on_disk.stat().st_mode) == 0o644
    assert sorted(p.name for p in on_disk.parent.iterdir()) == [on_disk.name]  # no temp files
    assert storage.url(key) == f"/media/{key}"

    await storage.delete(key)

    assert not on_disk.exists()
    with pytest.raises(MediaNotFound):
        await storage.get(key)


async def test_put_replaces_what_was_there(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    key = new_key(".jpg")
    await storage.put(key, b"first version, longer than the second", "image/jpeg")
    await storage.put(key, b"second", "image/jpeg")
    assert await storage.get(key) == b"second"


async def test_readers_never_see_a_partly_written_file(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    key = new_key(".jpg")
    versions = [bytes([n]) * 2_000_000 for n in range(8)]
    await storage.put(key, versions[0], "image/jpeg")

    async def read_many() -> list[bytes]:
        return [await storage.get(key) for _ in range(30)]

    reader = asyncio.create_task(read_many())
    await asyncio.gather(*(storage.put(key, version, "image/jpeg") for version in versions[1:]))
    reads = await reader

    assert all(read in versions for read in reads)
    assert await storage.get(key) in versions
    assert len(list((tmp_path / key).parent.iterdir())) == 1


async def test_delete_is_idempotent(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    key = new_key(".jpg")
    await storage.delete(key)  # never stored
    await storage.put(key, b"x", "image/jpeg")
    await storage.delete(key)
    await storage.delete(key)
    await storage.delete(key.split("/")[0])  # a shard directory is not an object
    assert (tmp_path / key.split("/")[0]).is_dir()


async def test_get_of_a_missing_key_raises_file_not_found(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    key = new_key(".jpg")
    with pytest.raises(FileNotFoundError):  # MediaNotFound is one
        await storage.get(key)
    await storage.put(key, b"x", "image/jpeg")
    with pytest.raises(MediaNotFound):  # a directory, not an object
        await storage.get(key.split("/")[0])
    with pytest.raises(MediaNotFound):  # below a file, not a directory
        await storage.get(f"{key}/more")


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_unsafe_keys_are_refused_everywhere(tmp_path: Path, key: str) -> None:
    root = tmp_path / "media"
    storage = LocalMediaStorage(root)
    with pytest.raises(ValueError, match="invalid media key"):
        await storage.put(key, b"owned", "image/jpeg")
    with pytest.raises(ValueError, match="invalid media key"):
        await storage.get(key)
    with pytest.raises(ValueError, match="invalid media key"):
        await storage.delete(key)
    with pytest.raises(ValueError, match="invalid media key"):
        storage.url(key)
    assert files_under(tmp_path) == []  # nothing written, not even the root


@given(st.text(alphabet="ab./-_\\\x00%Z9", max_size=20))
def test_no_accepted_key_leaves_the_root(key: str) -> None:
    root = Path("/srv/dongne/media")
    storage = LocalMediaStorage(root)
    try:
        path = storage.path(key)
    except ValueError:
        return
    assert path.resolve().is_relative_to(root)
    assert path != root
    assert not any(part.startswith(".") for part in path.relative_to(root).parts)


def test_new_keys_are_random_sharded_and_valid() -> None:
    keys = {new_key(".jpg") for _ in range(1000)}
    assert len(keys) == 1000
    for key in keys:
        match = re.fullmatch(r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{32})\.jpg", key)
        assert match is not None
        assert match[3].startswith(match[1] + match[2])
        assert check_key(key) == key
    assert len({key[:2] for key in keys}) > 100  # spread over the shards
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}", new_key())
    assert new_key("-small.jpg").endswith("-small.jpg")


@pytest.mark.parametrize("suffix", ["/x.jpg", "../x", ".JPG", " .jpg", ".jpg\x00"])
def test_new_key_refuses_unsafe_suffixes(suffix: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        new_key(suffix)


def test_url_prefix(tmp_path: Path) -> None:
    assert LocalMediaStorage(tmp_path, "/media/").url("ab/cd/x.jpg") == "/media/ab/cd/x.jpg"
    assert (
        LocalMediaStorage(tmp_path, "https://cdn.example/m").url("ab/cd/x.jpg")
        == "https://cdn.example/m/ab/cd/x.jpg"
    )
