"""A batch of hits in one Redis round trip (kit/adapters/limits_redis.py): the same
counters and answers as the `limits` library's own ``hit()``, one at a time.

It relies on the library's key layout and Lua script: these tests fail when an upgrade
moves or changes them. They use the machine's Redis (each test its own key prefix).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import limits as limits_library
import pytest
import redis as redis_library
from limits import parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from dongne.kit.adapters import limits_redis
from dongne.kit.ratelimit import RateLimits

REDIS_URL = os.environ.get("DONGNE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def test_installed_versions_are_the_checked_ones() -> None:
    """A new version may still work: run these tests and bench/internals.py, then widen
    CHECKED_VERSIONS (the figures go in docs/internals.md)."""
    installed = {"limits": limits_library.__version__, "redis": redis_library.__version__}
    for name, spec in limits_redis.CHECKED_VERSIONS.items():
        assert Version(installed[name]) in SpecifierSet(",".join(spec)), (name, installed[name])


@pytest.fixture
async def limits() -> AsyncIterator[RateLimits]:
    rate_limits = RateLimits(REDIS_URL, prefix=f"dongne-test-{secrets.token_hex(4)}")
    yield rate_limits
    await rate_limits.close()


async def test_the_library_still_has_the_parts_we_use(limits: RateLimits) -> None:
    storage = limits.storage
    assert isinstance(storage, RedisStorage)
    key = parse("3/minute").key_for("message", "7")
    current, previous = storage._current_window_key(key), storage._previous_window_key(key)
    assert key in current and previous.startswith(current)
    script = storage.bridge.lua_acquire_sliding_window  # type: ignore[attr-defined]
    assert isinstance(script.script, str | bytes) and script.sha
    assert storage.bridge.prefixed_key("k").endswith(":k")


async def test_a_batch_counts_as_hit_does_on_the_same_keys(limits: RateLimits) -> None:
    assert isinstance(limits.storage, RedisStorage) and limits._redis is not None
    item = parse("3/minute")
    public = SlidingWindowCounterRateLimiter(limits.storage)
    batch = [("message", "1")] * 4 + [("message", "2")]
    allowed = await limits_redis.acquire_sliding_windows(limits.storage, limits._redis, item, batch)
    assert allowed == [True, True, True, False, True]  # in order, each seeing the last
    # The library's own counters: the public API sees the batch's hits.
    assert not await public.hit(item, "message", "1")
    assert (await public.get_window_stats(item, "message", "2")).remaining == 2
    assert await public.hit(item, "message", "2")
    again = await limits_redis.acquire_sliding_windows(
        limits.storage, limits._redis, item, [("message", "2"), ("message", "2")]
    )
    assert again == [True, False]  # one in the batch, one public, then the third


async def test_a_forgotten_script_is_loaded_again_and_each_hit_counted_once(
    limits: RateLimits,
) -> None:
    assert isinstance(limits.storage, RedisStorage) and limits._redis is not None
    item = parse("2/minute")
    script = limits.storage.bridge.lua_acquire_sliding_window  # type: ignore[attr-defined]
    real_sha, script.sha = script.sha, "0" * 40  # as after a restart: NOSCRIPT
    allowed = await limits_redis.acquire_sliding_windows(
        limits.storage, limits._redis, item, [("login", "a")] * 3
    )
    assert allowed == [True, True, False]
    assert script.sha == real_sha
