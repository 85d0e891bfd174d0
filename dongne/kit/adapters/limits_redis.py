"""Many hits of the `limits` library's sliding-window counter in one Redis round trip.

A chat worker's group-commit batch holds up to 64 sends, each counted against its
sender's message budget. Through the library's public API that is one round trip to
Redis per send (``SlidingWindowCounterRateLimiter.hit``); here the batch's hits go out
as one pipeline of the library's own Lua script, on the library's own keys, run in
order, so the counters and answers are exactly those of ``hit()`` one at a time and
every worker shares them. Measured in docs/internals.md (bench/internals.py).

Private parts relied on (checked by tests/kit/test_adapter_limits_redis.py):
``RedisStorage._current_window_key`` and ``_previous_window_key`` (the key layout),
the redis-py bridge's ``lua_acquire_sliding_window`` script (its ``sha`` and ``script``)
and ``prefixed_key``, and the script's arguments (previous key, current key, limit,
expiry, amount).

``DONGNE_INTERNALS_OFF=limits_redis`` counts a batch with one ``hit()`` per send.
"""

from __future__ import annotations

from collections.abc import Sequence

from limits import RateLimitItem
from limits.aio.storage import RedisStorage
from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from dongne.kit import adapters

CHECKED_VERSIONS = {"limits": (">=5.8.0", "<5.9"), "redis": (">=8.2.0", "<9")}


def enabled() -> bool:
    return adapters.enabled("limits_redis")


async def acquire_sliding_windows(
    storage: RedisStorage,
    redis: Redis,
    item: RateLimitItem,
    identifiers: Sequence[Sequence[str]],
) -> list[bool]:
    """What ``SlidingWindowCounterRateLimiter(storage).hit(item, *ids)`` does for each
    entry, in order, as one pipeline of the library's script (atomic per hit)."""
    bridge = storage.bridge
    script = bridge.lua_acquire_sliding_window  # type: ignore[attr-defined]
    calls = []
    for ids in identifiers:
        key = item.key_for(*ids)
        calls.append(
            (
                bridge.prefixed_key(storage._previous_window_key(key)),
                bridge.prefixed_key(storage._current_window_key(key)),
                item.amount,
                item.get_expiry(),
                1,
            )
        )
    results: list[object] = [NoScriptError()] * len(calls)
    for attempt in range(2):
        todo = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
        if not todo:
            break
        if attempt:  # Redis restarted and forgot the script: load it, redo only those
            script.sha = await redis.script_load(script.script)
        async with redis.pipeline(transaction=False) as pipe:
            for i in todo:
                pipe.evalsha(script.sha, 2, *calls[i])
            answers = await pipe.execute(raise_on_error=False)
        for i, answer in zip(todo, answers, strict=True):
            results[i] = answer
    for answer in results:
        if isinstance(answer, Exception):
            raise answer
    return [bool(answer) for answer in results]
