"""Rate limits with the `limits` library: in memory by default, Redis when
``DONGNE_REDIS_URL`` is set, so every worker shares the same counters.

:meth:`RateLimits.hit_many` counts many hits at once (a chat worker's batch of
sends): through Redis they go out in one pipeline, one round trip for the lot,
each hit still the library's own atomic script on the same keys, so the
counters are exactly those :meth:`RateLimits.hit` keeps and every worker shares.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Sequence

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import (
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)
from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import NoScriptError

from dongne.kit.errors import RateLimited

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=64)
def _parse(limit: str) -> RateLimitItem:
    return parse(limit)


class RateLimits:
    def __init__(self, redis_url: str | None, *, prefix: str = "dongne-limits") -> None:
        self.storage: Storage
        self._pool: ConnectionPool | None = None
        self._redis: Redis | None = None  # for batches: our pool, the library's script
        if redis_url:
            # Our own pool, so shutting down closes its connections.
            self._pool = ConnectionPool.from_url(redis_url)
            self.storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=prefix,
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
            self._redis = Redis(connection_pool=self._pool)
        else:
            self.storage = MemoryStorage()
        # A sliding-window counter costs O(1) per hit; a moving window keeps every
        # timestamp, which at chat rates made each message scan thousands of entries.
        # The counter is approximate across a window's edge (the previous window's hits
        # are weighted and rounded down, so one more may pass), which is fine for a
        # message budget but not for password guessing: ``exact`` limits (logins,
        # sign-ups: a few hits a minute) keep their timestamps in a moving window.
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)
        self.exact_limiter = MovingWindowRateLimiter(self.storage)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def hit(self, limit: str, *identifiers: str, exact: bool = False) -> None:
        """Count one hit; raise :class:`RateLimited` when over ``limit`` ("5/minute").
        A key is always counted the same way: ``exact`` or not, never both."""
        item = _parse(limit)
        limiter = self.exact_limiter if exact else self.limiter
        try:
            if await limiter.hit(item, *identifiers):
                return
        except Exception:
            # The counters are unreachable (Redis restarting): let the request through
            # rather than fail it; the limits come back with the store.
            log.warning("rate limit store unavailable; allowing %s", limit, exc_info=True)
            return
        raise await self._refusal(item, identifiers, limiter)

    async def hit_many(
        self, limit: str, identifiers: Sequence[Sequence[str]]
    ) -> list[RateLimited | None]:
        """Count one hit for each entry of ``identifiers``, in order: for each, None
        when allowed or the :class:`RateLimited` it is refused with. The same
        counters and the same answers as calling :meth:`hit` for each in turn
        (two entries for one key count twice, the second seeing the first), in
        one Redis round trip instead of one each."""
        item = _parse(limit)
        try:
            if self._redis is not None and isinstance(self.storage, RedisStorage):
                allowed = await self._acquire_in_redis(item, identifiers)
            else:
                allowed = [await self.limiter.hit(item, *ids) for ids in identifiers]
        except Exception:
            log.warning("rate limit store unavailable; allowing %s", limit, exc_info=True)
            return [None] * len(identifiers)
        return [
            None if ok else await self._refusal(item, ids)
            for ok, ids in zip(allowed, identifiers, strict=True)
        ]

    async def _acquire_in_redis(
        self, item: RateLimitItem, identifiers: Sequence[Sequence[str]]
    ) -> list[bool]:
        """What ``limiter.hit`` does for each, as one pipeline of the library's
        sliding-window script (atomic per hit in Redis, run in order)."""
        assert self._redis is not None and isinstance(self.storage, RedisStorage)
        bridge = self.storage.bridge
        script = bridge.lua_acquire_sliding_window  # type: ignore[attr-defined]
        calls = []
        for ids in identifiers:
            current = self.storage._current_window_key(item.key_for(*ids))
            previous = self.storage._previous_window_key(item.key_for(*ids))
            calls.append(
                (
                    bridge.prefixed_key(previous),
                    bridge.prefixed_key(current),
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
                script.sha = await self._redis.script_load(script.script)
            async with self._redis.pipeline(transaction=False) as pipe:
                for i in todo:
                    pipe.evalsha(script.sha, 2, *calls[i])
                answers = await pipe.execute(raise_on_error=False)
            for i, answer in zip(todo, answers, strict=True):
                results[i] = answer
        for answer in results:
            if isinstance(answer, Exception):
                raise answer
        return [bool(answer) for answer in results]

    async def _refusal(
        self, item: RateLimitItem, identifiers: Sequence[str], limiter: RateLimiter | None = None
    ) -> RateLimited:
        try:
            stats = await (limiter or self.limiter).get_window_stats(item, *identifiers)
            reset = stats.reset_time
        except Exception:
            reset = time.time() + item.get_expiry()
        return RateLimited(retry_after=max(1, math.ceil(reset - time.time())))

    async def is_untouched(self, limit: str, *identifiers: str, exact: bool = False) -> bool:
        """Whether ``identifiers`` has no hits in ``limit``'s current window (True
        when the counters are unreachable, as :meth:`hit` lets requests through then)."""
        item = _parse(limit)
        limiter = self.exact_limiter if exact else self.limiter
        try:
            stats = await limiter.get_window_stats(item, *identifiers)
        except Exception:
            log.warning("rate limit store unavailable; allowing %s", limit, exc_info=True)
            return True
        return stats.remaining >= item.amount

    async def clear(self, limit: str, *identifiers: str, exact: bool = False) -> None:
        await (self.exact_limiter if exact else self.limiter).clear(_parse(limit), *identifiers)
