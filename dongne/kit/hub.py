"""A doorbell between workers: small notices published after commit, fanned
out to the connections that care. In one process by default; through Redis
pub/sub when ``DONGNE_REDIS_URL`` is set, so a user connected to worker A hears
what was written through worker B.

The hub is only a doorbell. A notice says *that* something changed (a
notification, a message with sequence n); the receiver reads the record from
the database, so a lost notice delays a delivery but never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

log = logging.getLogger(__name__)

Notice = dict[str, Any]
QUEUE_SIZE = 256
RECONNECT_FIRST = 0.25  # seconds before the first resubscribe attempt; doubles to
RECONNECT_MAX = 8.0  # at most this (each wait jittered ±50 %)


class Subscription:
    """One listener's queue. When it overflows the listener is told to resync
    from the database instead of silently dropping notices."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.queue: asyncio.Queue[Notice] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, notice: Notice) -> None:
        try:
            self.queue.put_nowait(notice)
        except asyncio.QueueFull:
            with contextlib.suppress(asyncio.QueueEmpty):
                while True:
                    self.queue.get_nowait()
            self.queue.put_nowait({"type": "resync"})

    async def get(self, within: float | None = None) -> Notice | None:
        """The next notice, or None when none came ``within`` seconds."""
        try:
            # A timeout scope, not wait_for: no extra task per waiting listener.
            async with asyncio.timeout(within):
                return await self.queue.get()
        except TimeoutError:
            return None


class Hub:
    """In-process fan-out; the base for the Redis hub."""

    def __init__(self) -> None:
        self._subs: dict[str, set[Subscription]] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._subs.clear()

    async def publish(self, channel: str, notice: Notice) -> None:
        self._deliver(channel, notice)

    async def publish_many(self, channels: Sequence[str], notice: Notice) -> None:
        """The same notice on several channels (a message's two participants)."""
        for channel in channels:
            self._deliver(channel, notice)

    def deliver_local(self, channel: str, notice: Notice) -> None:
        """Hand a notice to this process's listeners only (not through Redis)."""
        self._deliver(channel, notice)

    def _deliver(self, channel: str, notice: Notice) -> None:
        for sub in list(self._subs.get(channel, ())):
            sub.offer(notice)

    async def _first_listener(self, channel: str) -> None:
        return None

    async def _last_listener_left(self, channel: str) -> None:
        return None

    @contextlib.asynccontextmanager
    async def subscribe(self, *channels: str) -> AsyncIterator[Subscription]:
        sub = Subscription(",".join(channels))
        for channel in channels:
            listeners = self._subs.setdefault(channel, set())
            listeners.add(sub)
            if len(listeners) == 1:
                await self._first_listener(channel)
        try:
            yield sub
        finally:
            for channel in channels:
                listeners = self._subs.get(channel, set())
                listeners.discard(sub)
                if not listeners:
                    self._subs.pop(channel, None)
                    await self._last_listener_left(channel)

    @property
    def listener_count(self) -> int:
        return sum(len(s) for s in self._subs.values())


class RedisHub(Hub):
    """Fan-out across workers through Redis pub/sub: one connection per
    worker subscribes to the channels its local listeners need."""

    def __init__(self, url: str, prefix: str = "dongne:") -> None:
        super().__init__()
        self._redis: Redis = Redis.from_url(url)
        self._pubsub: PubSub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._prefix = prefix
        self._task: asyncio.Task[None] | None = None
        self.reconnects = 0  # times the pub/sub line was re-established
        # Notices waiting for the next pipeline, and the task sending them (see publish).
        self._outbox: list[tuple[str, str]] = []
        self._sender: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # A placeholder channel keeps the pub/sub connection in subscribed mode.
        await self._pubsub.subscribe(self._prefix + "_")
        self._task = asyncio.create_task(self._listen(), name="redis-hub")

    async def close(self) -> None:
        await self.flush()
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()
        await self._redis.aclose()
        await super().close()

    async def publish(self, channel: str, notice: Notice) -> None:
        await self.publish_many([channel], notice)

    async def publish_many(self, channels: Sequence[str], notice: Notice) -> None:
        """Encoded once and queued; returns at once. One task sends what is queued
        as one pipeline (one round trip), and while it waits for Redis the next
        notices queue for the pipeline after: a worker's notices leave in the
        order they were published, however many at a time, instead of a round trip
        each, one after the other (which capped a worker's deliveries at one
        notice per Redis round trip under load)."""
        data = json.dumps(notice)
        self._outbox.extend((self._prefix + channel, data) for channel in channels)
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_outbox(), name="redis-hub-publish")

    async def flush(self) -> None:
        """Wait until every notice queued so far has been sent (or given up)."""
        while self._sender is not None and not self._sender.done():
            await asyncio.wait([self._sender])

    async def _send_outbox(self) -> None:
        while self._outbox:
            batch, self._outbox = self._outbox, []
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for channel, data in batch:
                        pipe.publish(channel, data)
                    await pipe.execute()
            except Exception:  # the database has the record; receivers catch up on reconnect
                channels = sorted({channel for channel, _ in batch})
                log.warning(
                    "redis publish failed on %d channel(s), e.g. %s",
                    len(channels),
                    ", ".join(channels[:3]),
                    exc_info=True,
                )

    async def _first_listener(self, channel: str) -> None:
        with contextlib.suppress(Exception):
            await self._pubsub.subscribe(self._prefix + channel)

    async def _last_listener_left(self, channel: str) -> None:
        with contextlib.suppress(Exception):
            await self._pubsub.unsubscribe(self._prefix + channel)

    async def _listen(self) -> None:
        while True:
            try:
                async for message in self._pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    raw = message["channel"]
                    channel = (raw.decode() if isinstance(raw, bytes) else raw)[len(self._prefix) :]
                    self._deliver(channel, json.loads(message["data"]))
                # listen() returns at once when nothing is subscribed: treat it as a
                # lost connection, not a loop.
                raise ConnectionError("redis pub/sub has no subscriptions")
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("redis hub connection lost; reconnecting", exc_info=True)
                # What was in flight is lost: every listener re-reads from the database.
                self._resync_all()
                await self._reconnect()

    async def _reconnect(self) -> None:
        """Resubscribe every local channel, retrying with jittered exponential
        backoff while Redis is away (no bursts, no resync storm: listeners are
        told once when the line drops and once when it is back). Doorbells rung
        while we were away are gone, so once subscribed again every listener
        resyncs from the database; notices from then on arrive as usual."""
        delay = RECONNECT_FIRST
        while True:
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, RECONNECT_MAX)
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await self._pubsub.subscribe(
                    self._prefix + "_", *[self._prefix + c for c in self._subs]
                )
            except Exception as exc:
                log.info("redis hub still unreachable (%s); retrying", exc)
                continue
            self.reconnects += 1
            log.warning("redis hub resubscribed; listeners resync from the database")
            self._resync_all()
            return

    def _resync_all(self) -> None:
        for channel in list(self._subs):
            self._deliver(channel, {"type": "resync"})


def make_hub(redis_url: str | None) -> Hub:
    return RedisHub(redis_url) if redis_url else Hub()
