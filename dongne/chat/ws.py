"""The chat WebSocket: one per open tab or app, carrying all of a user's
conversations.

Protocol (JSON text frames)::

    client → server
      {"type": "hello", "cursors": {"<conversation id>": <last seq held>, …}, "since": <mark>}
      {"type": "send", "conversation_id": 7, "client_id": "…", "body": "…"}   (or "photo_id")
      {"type": "read", "conversation_id": 7, "seq": 41}
      {"type": "sync", "conversation_id": 7, "after": 0}
      {"type": "ping"}
    server → client
      {"type": "welcome", "conversations": {"<id>": <last seq>, …}, "mark": <mark>}
      {"type": "message", …MessageOut}        in seq order, each seq once per connection
      {"type": "ack", "client_id": "…", "conversation_id": 7, "seq": 42, "message_id": …}
      {"type": "read", "conversation_id": 7, "user_id": 3, "seq": 42}
      {"type": "error", "client_id": "…", "status": 4xx, "code": "…", "detail": "…"}
      {"type": "pong"}

Delivery: a message is committed before anyone is told. The hub's notice only
says "conversation 7 has seq 42"; the connection then reads every message after
the last seq it delivered on that conversation, in order. A notice for a text or
system message carries its frame, sent as is when it is the very next one. If
notices may have been lost (Redis restarted, a delivery failed) the connection
re-reads every conversation's tail from the database; and every 20–25 s each
worker re-announces the conversations active in the last minute to its own
sockets, so a lost notice delays a delivery but never loses it.

Where a connection starts (``hello``): the client gets everything it lacks,
exactly once, in seq order, and no history it did not ask for.

- A conversation in ``cursors`` resumes after its cursor (the last seq held).
- ``since`` is the client's reference point: the ``mark`` of its last
  ``welcome`` (or of the page it was rendered with); marks only grow, and a
  conversation begun later has a higher id than any earlier mark. A
  conversation not in ``cursors`` whose id is above ``since`` began after the
  client last looked, so it is delivered from its first message.
- Any other conversation not in ``cursors`` (older than ``since``, or every
  one when ``since`` is absent: a client without state, such as a page that
  only shows the unread badge) is followed from now on: nothing of its past is
  replayed; ``welcome`` lists its last seq, and ``sync`` fetches any part.
- A conversation begun after the hello is delivered from its first message.

``sync`` from ``after`` re-delivers a conversation from that seq (the client
saw a gap or wants older messages). A client keeps the newest ``mark`` and
sends it as ``since`` with every reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from sqlalchemy import select
from starlette.requests import HTTPConnection

from dongne.accounts.models import User
from dongne.chat import queries, service
from dongne.chat.groupcommit import Send
from dongne.chat.models import Participant
from dongne.chat.workers import ChatWorkers
from dongne.context import Ctx, who_is_asking
from dongne.kit.errors import DomainError
from dongne.kit.i18n import N_, gettext
from dongne.kit.ids import MAX_ID, MAX_SEQ
from dongne.kit.inputs import find_control_character
from dongne.web import SESSION_COOKIE, bearer_token, services

log = logging.getLogger(__name__)
router = APIRouter()

RESYNC_SPREAD_SECONDS = 2.0  # listeners told to resync read within this, not all at once
RETRY_SECONDS = 5.0  # after a failed delivery, the connection re-reads within 5–10 s
HELLO_SECONDS = 10.0
CLOSE_UNAUTHORISED = 4401


async def _authenticate(websocket: WebSocket) -> User | None:
    """The Authorization header (``Bearer …``) for apps; the session cookie for
    browsers, accepted only from our own origin so another site cannot open a
    socket with a visitor's cookie. Never a token in the URL: servers, proxies
    and browser histories keep URLs, so a ``?token=`` is refused, not read."""
    if "token" in websocket.query_params:
        return None
    cookie = websocket.cookies.get(SESSION_COOKIE)
    origin = websocket.headers.get("origin")
    if origin and urlsplit(origin).netloc != websocket.headers.get("host", ""):
        cookie = None
    async with services(websocket).db.sessions() as db:
        asker = await who_is_asking(db, bearer=bearer_token(websocket), cookie=cookie)
    return asker.user


def chat_workers(connection: HTTPConnection) -> ChatWorkers:
    """The app's chat workers (made in its lifespan, closed with its services)."""
    workers: ChatWorkers = connection.app.state.chat_workers
    return workers


class Connection:
    def __init__(self, websocket: WebSocket, user: User) -> None:
        self.ws = websocket
        self.svc = services(websocket)
        # Read when the socket opened, and kept as that detached snapshot: a send
        # re-checks in its own statement that the account still exists and is free to
        # act (see chat.statements.ACCESS), other frames read it afresh for their own
        # transaction only. An instance of a frame's transaction must never be kept:
        # a refused frame rolls back and expires it, and every later send would fail.
        self.user = user
        self.user_id = user.id
        self.cursors: dict[int, int] = {}  # conversation → last seq delivered
        self._send_lock = asyncio.Lock()
        self._deliver_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(frame, default=str, ensure_ascii=False))

    async def run(self) -> None:
        sweeper = chat_workers(self.ws).sweep
        async with self.svc.hub.subscribe(service.chat_channel(self.user_id)) as sub:
            sweeper.join()
            try:
                await self._hello()
                pusher = asyncio.create_task(self._push(sub))
                try:
                    await self._read()
                finally:
                    pusher.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await pusher
            finally:
                sweeper.leave()

    async def _hello(self) -> None:
        first: dict[str, Any] = {}
        with contextlib.suppress(TimeoutError):
            raw = await asyncio.wait_for(self.ws.receive_text(), HELLO_SECONDS)
            parsed = _parse(raw)
            if parsed is None:
                await self.send(BAD_FRAME)
            first = parsed or {}
        async with self.svc.db.sessions() as db:
            latest = await queries.cursors(db, self.user_id)
        hello = first if first.get("type") == "hello" else {}
        given = hello.get("cursors")
        held: dict[int, int] = {}
        if isinstance(given, dict):
            for key, value in given.items():
                with contextlib.suppress(ValueError, TypeError):
                    held[int(key)] = max(0, int(value))
        since = hello.get("since")
        mark = since if isinstance(since, int) and not isinstance(since, bool) else None
        for conversation, last in latest.items():
            if conversation in held:
                self.cursors[conversation] = held[conversation]  # resume after the cursor
            elif mark is not None and conversation > mark:
                self.cursors[conversation] = 0  # begun after the client's mark: all of it
            else:
                self.cursors[conversation] = last  # not asked for: from now on
        await self.send(
            {
                "type": "welcome",
                "conversations": {str(k): v for k, v in latest.items()},
                "mark": max(latest, default=0),
            }
        )
        await self._catch_up([c for c, last in latest.items() if self.cursors[c] < last])
        if first and first.get("type") != "hello":
            await self._handle(first)

    async def _read(self) -> None:
        while True:
            try:
                raw = await self.ws.receive_text()
            except (WebSocketDisconnect, RuntimeError):
                return
            frame = _parse(raw)
            if frame is None:
                await self.send(BAD_FRAME)
                continue
            try:
                await self._handle(frame)
            except (WebSocketDisconnect, RuntimeError):  # closed while we answered
                return

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "ping":
            await self.send({"type": "pong"})
            return
        try:
            if kind == "send":
                await self._send_message(frame)
            elif kind == "read":
                async with self._ctx(fresh=True) as ctx:
                    await service.mark_read(
                        ctx, _object_id(frame["conversation_id"]), _sequence(frame["seq"])
                    )
            elif kind == "sync":
                conversation = _object_id(frame["conversation_id"])
                async with self._ctx(fresh=True) as ctx:
                    await service.access_conversation_by_id(ctx, conversation)
                self.cursors[conversation] = _sequence(frame.get("after", 0))
                await self._catch_up([conversation])
            else:
                await self.send(
                    {"type": "error", "status": 400, "code": "unknown_frame", "detail": str(kind)}
                )
        except DomainError as exc:
            await self.send(
                {
                    "type": "error",
                    "client_id": frame.get("client_id"),
                    "status": exc.status,
                    "code": exc.code,
                    "detail": exc.text(),
                }
            )
        except (KeyError, ValueError, TypeError):
            await self.send(
                {
                    "type": "error",
                    "client_id": frame.get("client_id"),
                    "status": 422,
                    "code": "invalid_input",
                    "detail": "malformed frame",
                }
            )
        except (WebSocketDisconnect, RuntimeError):
            raise
        except Exception:
            # A failure of ours (database or Redis briefly away): nothing was stored;
            # say so and keep the socket open, so the client retries the send.
            log.exception("chat frame failed")
            await self.send(
                {
                    "type": "error",
                    "client_id": frame.get("client_id"),
                    "status": 503,
                    "code": "unavailable",
                    "detail": gettext(
                        N_("일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.")
                    ),
                }
            )

    async def _send_message(self, frame: dict[str, Any]) -> None:
        photo = frame.get("photo_id")
        client = self.ws.client
        # Stored with the other sockets' sends waiting at the same time (group commit).
        message = await chat_workers(self.ws).group_commit.send(
            Send(
                user=self.user,
                client_ip=client.host if client else "ws",
                conversation_id=_object_id(frame["conversation_id"]),
                client_id=str(frame.get("client_id", "")),
                body=str(frame.get("body", "")),
                photo_id=_object_id(photo) if photo is not None else None,
            )
        )
        # Acknowledged only once committed: an ack means the message is stored.
        await self.send(
            {
                "type": "ack",
                "client_id": message.client_id,
                "conversation_id": message.conversation_id,
                "seq": message.seq,
                "message_id": message.id,
            }
        )

    @contextlib.asynccontextmanager
    async def _ctx(self, fresh: bool = False) -> Any:
        async with self.svc.db.transaction() as db:
            user: User | None = self.user
            if fresh:
                user = await db.get(User, self.user_id)
                if user is None or user.deleted_at is not None:
                    raise DomainError()
            client = self.ws.client
            yield Ctx(svc=self.svc, db=db, user=user, client_ip=client.host if client else "ws")

    async def _push(self, sub: Any) -> None:
        owed = False  # a delivery failed: this connection re-reads its tails soon
        while True:
            notice = await sub.get(RETRY_SECONDS * (1 + random.random()) if owed else None)
            try:
                if notice is None:
                    await self._sweep()
                elif notice.get("type") == "resync":
                    # Every listener of the worker hears this at once: spread the reads.
                    await asyncio.sleep(random.random() * RESYNC_SPREAD_SECONDS)
                    await self._sweep()
                elif notice.get("type") == "message":
                    await self._on_message(notice)
                elif notice.get("type") == "read":
                    await self._forward_read(int(notice["conversation_id"]))
                owed = owed and notice is not None and notice.get("type") != "resync"
            except (WebSocketDisconnect, RuntimeError):
                return
            except Exception:
                log.warning("chat delivery failed; retrying soon", exc_info=True)
                owed = True

    async def _on_message(self, notice: dict[str, Any]) -> None:
        conversation, seq = int(notice["conversation_id"]), int(notice["seq"])
        if seq <= self.cursors.get(conversation, 0):
            return  # already delivered
        frame = notice.get("frame")
        if isinstance(frame, str):
            async with self._deliver_lock:
                # The very next one: send the frame the notice carries, no database read.
                if self.cursors.get(conversation, 0) == seq - 1 and (
                    conversation in self.cursors or seq == 1
                ):
                    async with self._send_lock:
                        await self.ws.send_text(frame)
                    self.cursors[conversation] = seq
                    return
        self.cursors.setdefault(conversation, 0)  # unknown: begun after the hello
        await self._catch_up([conversation])

    async def _sweep(self) -> None:
        """Re-read every conversation's tail: covers notices lost in transit."""
        async with self.svc.db.sessions() as db:
            latest = await queries.cursors(db, self.user_id)
        behind = []
        for conversation, last in latest.items():
            if conversation not in self.cursors:
                # Every conversation the user had at hello has a cursor, so this one
                # began since: the client has none of it.
                self.cursors[conversation] = 0
            if last > self.cursors[conversation]:
                behind.append(conversation)
        if behind:
            await self._catch_up(behind)

    async def _catch_up(self, conversations: list[int]) -> None:
        """Send, in order, every message after the cursor of each conversation.
        Sequence numbers are taken under the conversation's row lock and never
        reused, so what the database holds after the cursor has no holes."""
        async with self._deliver_lock:
            for conversation in conversations:
                while True:
                    after = self.cursors.get(conversation, 0)
                    async with self.svc.db.sessions() as db:
                        batch = await queries.messages_after(db, conversation, after)
                        outs = await queries.message_outs(db, self.svc.media, batch)
                    for out in outs:
                        async with self._send_lock:
                            await self.ws.send_text(queries.message_frame(out))
                        self.cursors[conversation] = out.seq
                    if len(batch) < 200:
                        break

    async def _forward_read(self, conversation: int) -> None:
        async with self.svc.db.sessions() as db:
            rows = (
                await db.execute(
                    select(Participant.user_id, Participant.last_read_seq).where(
                        Participant.conversation_id == conversation
                    )
                )
            ).all()
        for user_id, seq in rows:
            if user_id != self.user_id:
                await self.send(
                    {
                        "type": "read",
                        "conversation_id": conversation,
                        "user_id": user_id,
                        "seq": seq,
                    }
                )


BAD_FRAME = {
    "type": "error",
    "status": 400,
    "code": "bad_frame",
    "detail": "invalid JSON frame",
}


def _parse(raw: str) -> dict[str, Any] | None:
    """A frame: a JSON object without control characters (the same rule as every
    HTTP input, :mod:`dongne.kit.inputs`); anything else is a bad frame."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or find_control_character(value) is not None:
        return None
    return value


def _bounded(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError("not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise ValueError("out of range")
    return number


def _object_id(value: Any) -> int:
    """An id in a frame, bounded as every id a client sends (:mod:`dongne.kit.ids`):
    out of range is a malformed frame (422), never a value for the driver."""
    return _bounded(value, 1, MAX_ID)


def _sequence(value: Any) -> int:
    """A message sequence number or cursor (a 32-bit column)."""
    return _bounded(value, 0, MAX_SEQ)


@router.websocket("/ws")
async def chat_socket(websocket: WebSocket) -> None:
    user = await _authenticate(websocket)
    if user is None:
        await websocket.close(code=CLOSE_UNAUTHORISED)
        return
    await websocket.accept()
    with contextlib.suppress(WebSocketDisconnect):
        await Connection(websocket, user).run()
