"""The chat WebSocket: one per open tab or app, carrying all of a user's
conversations.

Protocol (JSON text frames)::

    client → server
      {"type": "hello", "cursors": {"<conversation id>": <last seq held>, …}}
      {"type": "send", "conversation_id": 7, "client_id": "…", "body": "…"}   (or "photo_id")
      {"type": "read", "conversation_id": 7, "seq": 41}
      {"type": "sync", "conversation_id": 7, "after": 0}
      {"type": "ping"}
    server → client
      {"type": "welcome", "conversations": {"<id>": <last seq>, …}}
      {"type": "message", …MessageOut}        in seq order, each seq once per connection
      {"type": "ack", "client_id": "…", "conversation_id": 7, "seq": 42, "message_id": …}
      {"type": "read", "conversation_id": 7, "user_id": 3, "seq": 42}
      {"type": "error", "client_id": "…", "status": 4xx, "code": "…", "detail": "…"}
      {"type": "pong"}

Delivery: a message is committed before anyone is told. The hub's notice only
says "conversation 7 has seq 42"; the connection then reads every message after
the last seq it delivered on that conversation, in order. After a reconnect the
client's ``hello`` cursors say where to resume; a conversation it does not know
(begun while it was away) is listed in ``welcome``, and ``sync`` from 0 fetches
it. If notices may have been lost (Redis restarted) or the line was quiet for a
while, the connection re-reads every conversation's tail from the database.
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

from dongne.accounts.models import AuthSession, User
from dongne.chat import queries, service
from dongne.chat.models import Participant
from dongne.db import utcnow
from dongne.kit.errors import DomainError
from dongne.kit.i18n import N_, gettext
from dongne.kit.security import token_digest
from dongne.web import SESSION_COOKIE, Ctx

log = logging.getLogger(__name__)
router = APIRouter()

SWEEP_SECONDS = 90.0  # plus up to a third more at random, so sockets do not sweep in step
HELLO_SECONDS = 10.0
CLOSE_UNAUTHORISED = 4401


async def _authenticate(websocket: WebSocket) -> int | None:
    """Bearer token (query ``token`` or Authorization header) for apps; the
    session cookie for browsers, accepted only from our own origin so another
    site cannot open a socket with a visitor's cookie."""
    svc = websocket.app.state.services
    header = websocket.headers.get("authorization", "")
    token = websocket.query_params.get("token") or (
        header[7:].strip() if header.lower().startswith("bearer ") else None
    )
    if token is None:
        token = websocket.cookies.get(SESSION_COOKIE)
        origin = websocket.headers.get("origin")
        host = websocket.headers.get("host", "")
        if token and origin and urlsplit(origin).netloc != host:
            return None
    if not token:
        return None
    async with svc.db.sessions() as db:
        user_id = await db.scalar(
            select(AuthSession.user_id)
            .join(User, User.id == AuthSession.user_id)
            .where(
                AuthSession.token_hash == token_digest(token),
                AuthSession.expires_at > utcnow(),
                User.deleted_at.is_(None),
            )
        )
    return int(user_id) if user_id is not None else None


class Connection:
    def __init__(self, websocket: WebSocket, user_id: int) -> None:
        self.ws = websocket
        self.svc = websocket.app.state.services
        self.user_id = user_id
        self.cursors: dict[int, int] = {}  # conversation → last seq delivered
        self._send_lock = asyncio.Lock()
        self._deliver_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(json.dumps(frame, default=str, ensure_ascii=False))

    async def run(self) -> None:
        async with self.svc.hub.subscribe(service.chat_channel(self.user_id)) as sub:
            await self._hello()
            pusher = asyncio.create_task(self._push(sub))
            try:
                await self._read()
            finally:
                pusher.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pusher

    async def _hello(self) -> None:
        first: dict[str, Any] = {}
        with contextlib.suppress(TimeoutError):
            raw = await asyncio.wait_for(self.ws.receive_text(), HELLO_SECONDS)
            first = _parse(raw) or {}
        async with self.svc.db.sessions() as db:
            latest = await queries.cursors(db, self.user_id)
        given = first.get("cursors") if first.get("type") == "hello" else None
        if isinstance(given, dict):
            for key, value in given.items():
                with contextlib.suppress(ValueError, TypeError):
                    conversation = int(key)
                    if conversation in latest:
                        self.cursors[conversation] = max(0, int(value))
        else:
            self.cursors = dict(latest)  # no cursors: start from now
        await self.send(
            {"type": "welcome", "conversations": {str(k): v for k, v in latest.items()}}
        )
        await self._catch_up(list(self.cursors))
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
                await self.send(
                    {
                        "type": "error",
                        "status": 400,
                        "code": "bad_frame",
                        "detail": "invalid JSON frame",
                    }
                )
                continue
            await self._handle(frame)

    async def _handle(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "ping":
            await self.send({"type": "pong"})
            return
        try:
            if kind == "send":
                await self._send_message(frame)
            elif kind == "read":
                async with self._ctx() as ctx:
                    await service.mark_read(ctx, int(frame["conversation_id"]), int(frame["seq"]))
            elif kind == "sync":
                conversation = int(frame["conversation_id"])
                async with self._ctx() as ctx:
                    await service.access_conversation_by_id(ctx, conversation)
                self.cursors[conversation] = max(0, int(frame.get("after", 0)))
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
        async with self._ctx() as ctx:
            message, _created = await service.send_message(
                ctx,
                int(frame["conversation_id"]),
                str(frame.get("client_id", "")),
                body=str(frame.get("body", "")),
                photo_id=int(photo) if photo is not None else None,
            )
            ack = {
                "type": "ack",
                "client_id": message.client_id,
                "conversation_id": message.conversation_id,
                "seq": message.seq,
                "message_id": message.id,
            }
        # Acknowledged only once committed: an ack means the message is stored.
        await self.send(ack)

    @contextlib.asynccontextmanager
    async def _ctx(self) -> Any:
        async with self.svc.db.transaction() as db:
            user = await db.get(User, self.user_id)
            if user is None or user.deleted_at is not None:
                raise DomainError()
            client = self.ws.client
            yield Ctx(svc=self.svc, db=db, user=user, client_ip=client.host if client else "ws")

    async def _push(self, sub: Any) -> None:
        while True:
            notice = await sub.get(SWEEP_SECONDS * (1 + random.random() / 3))
            try:
                if notice is None or notice.get("type") == "resync":
                    await self._sweep()
                elif notice.get("type") == "message":
                    conversation = int(notice["conversation_id"])
                    if int(notice["seq"]) > self.cursors.get(conversation, 0):
                        self.cursors.setdefault(conversation, 0)
                        await self._catch_up([conversation])
                elif notice.get("type") == "read":
                    await self._forward_read(int(notice["conversation_id"]))
            except (WebSocketDisconnect, RuntimeError):
                return
            except Exception:
                log.exception("chat delivery failed; will retry on the next sweep")

    async def _sweep(self) -> None:
        """Re-read every conversation's tail: covers notices lost in transit."""
        async with self.svc.db.sessions() as db:
            latest = await queries.cursors(db, self.user_id)
        behind = [
            c for c, last in latest.items() if last > self.cursors.get(c, 0) and c in self.cursors
        ]
        for conversation in latest:
            if conversation not in self.cursors:
                self.cursors[conversation] = 0  # begun while we listened elsewhere
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
                        await self.send({"type": "message", **out.model_dump(mode="json")})
                        self.cursors[conversation] = out.seq
                    if len(batch) < 200:
                        break

    async def _forward_read(self, conversation: int) -> None:
        async with self.svc.db.sessions() as db:
            rows = (
                (
                    await db.execute(
                        select(Participant.user_id, Participant.last_read_seq).where(
                            Participant.conversation_id == conversation
                        )
                    )
                )
                .tuples()
                .all()
            )
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


def _parse(raw: str) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@router.websocket("/ws")
async def chat_socket(websocket: WebSocket) -> None:
    user_id = await _authenticate(websocket)
    if user_id is None:
        await websocket.close(code=CLOSE_UNAUTHORISED)
        return
    await websocket.accept()
    with contextlib.suppress(WebSocketDisconnect):
        await Connection(websocket, user_id).run()
