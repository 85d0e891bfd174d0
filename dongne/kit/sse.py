"""Server-Sent Events rung by the hub: the stream shape every live page shares
(notifications, an agent's inbox, a customer's inquiries).

The hub is only a doorbell; what a stream sends comes from the database.
Subscribing happens before the first read, so nothing rung in between is lost;
what the client missed (its ``Last-Event-ID``) goes out after the ``ready``
event; then every ring reads what is new. A comment every
``HEARTBEAT_SECONDS`` keeps proxies from closing an idle stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.sse import ServerSentEvent

from dongne.kit.hub import Hub, Notice

HEARTBEAT_SECONDS = 15.0

# What is new: called once before ``ready`` with None, then with each notice.
Pending = Callable[[Notice | None], Awaitable[list[ServerSentEvent]]]


async def doorbell_stream(
    request: Request,
    hub: Hub,
    channel: str,
    pending: Pending,
    ready: Callable[[], dict[str, Any]],
    retry_ms: int,
) -> AsyncIterator[ServerSentEvent]:
    async with hub.subscribe(channel) as sub:
        missed = await pending(None)
        yield ServerSentEvent(event="ready", data=ready(), retry=retry_ms)
        for event in missed:
            yield event
        while not await request.is_disconnected():
            notice = await sub.get(HEARTBEAT_SECONDS)
            if notice is None:
                yield ServerSentEvent(comment="keep-alive")
                continue
            for event in await pending(notice):
                yield event
