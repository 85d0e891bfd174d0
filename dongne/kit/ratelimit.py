"""Rate limits with the `limits` library: in memory by default, Redis when
``DONGNE_REDIS_URL`` is set, so every worker shares the same counters."""

from __future__ import annotations

import logging
import math
import time

from limits import parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from redis.asyncio import ConnectionPool

from dongne.kit.errors import RateLimited

log = logging.getLogger(__name__)


class RateLimits:
    def __init__(self, redis_url: str | None, *, prefix: str = "dongne-limits") -> None:
        self.storage: Storage
        self._pool: ConnectionPool | None = None
        if redis_url:
            # Our own pool, so shutting down closes its connections.
            self._pool = ConnectionPool.from_url(redis_url)
            self.storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=prefix,
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        else:
            self.storage = MemoryStorage()
        # A sliding-window counter costs O(1) per hit; a moving window keeps every
        # timestamp, which at chat rates made each message scan thousands of entries.
        self.limiter = SlidingWindowCounterRateLimiter(self.storage)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()

    async def hit(self, limit: str, *identifiers: str) -> None:
        """Count one hit; raise :class:`RateLimited` when over ``limit`` ("5/minute")."""
        item = parse(limit)
        try:
            if await self.limiter.hit(item, *identifiers):
                return
            stats = await self.limiter.get_window_stats(item, *identifiers)
        except Exception:
            # The counters are unreachable (Redis restarting): let the request through
            # rather than fail it; the limits come back with the store.
            log.warning("rate limit store unavailable; allowing %s", limit, exc_info=True)
            return
        raise RateLimited(retry_after=max(1, math.ceil(stats.reset_time - time.time())))

    async def clear(self, limit: str, *identifiers: str) -> None:
        await self.limiter.clear(parse(limit), *identifiers)
