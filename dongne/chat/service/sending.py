"""Sending a message: the one-statement checks, the rate limit and the store with
the next sequence number (the group commit in chat/groupcommit.py batches these),
and plain HTTP sending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dongne.chat import statements
from dongne.chat.models import (
    MAX_TEXT,
    PHOTO,
    TEXT,
    Conversation,
    Message,
    Participant,
)
from dongne.chat.service.access import (
    Blocked,
    ring,
)
from dongne.chat.service.conversations import rejoin
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.adapters import sqlalchemy_asyncpg
from dongne.kit.adapters.sqlalchemy_asyncpg import PlainConnection as PlainConnection  # groupcommit
from dongne.kit.adapters.sqlalchemy_asyncpg import Row
from dongne.kit.errors import (
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    RateLimited,
)
from dongne.kit.i18n import N_
from dongne.photos.service import owned_photos
from dongne.trust.moderation import guards


async def send_message(
    ctx: Ctx,
    conversation_id: int,
    client_id: str,
    *,
    body: str = "",
    photo_id: int | None = None,
) -> tuple[Message, bool]:
    """Store a message (idempotent on ``client_id``). Returns it and whether it
    is new; a retried send returns the stored message again.

    Every message takes this path, so it runs prebuilt Core statements
    (:mod:`dongne.chat.statements`): one read for every check, one write on
    PostgreSQL (four on SQLite); the rare cases (a retry, a rejoin, a fraud
    warning, a sanction) take the ORM as everything else does."""
    checked = await check_send(ctx, conversation_id, client_id, body=body, photo_id=photo_id)
    if isinstance(checked, Message):
        return checked, False
    return await store_send(ctx, checked)


@dataclass(frozen=True, slots=True)
class CheckedSend:
    """A send that passed every check, ready to be stored."""

    conversation_id: int
    client_id: str
    access: SendAccess
    kind: str
    body: str
    photo_id: int | None
    fraud: dict[str, Any] | None


async def check_send(
    ctx: Ctx,
    conversation_id: int,
    client_id: str,
    *,
    body: str = "",
    photo_id: int | None = None,
    limit: bool = True,
) -> CheckedSend | Message:
    """Every check of a send, and nothing written: a refusal raises, a retry
    returns the stored message, a new message comes back ready for
    :func:`store_send` (in this transaction). ``limit=False``: the caller counts
    the send against the rate limit itself (:func:`limit_send`)."""
    access = await _access_for_send(ctx, conversation_id, client_id, utcnow())
    if not client_id or len(client_id) > 64:
        raise InvalidInput(N_("메시지 식별자가 올바르지 않아요."), field="client_id")
    if access.earlier_in is not None:  # a retry: the stored message again
        return await _stored(ctx, conversation_id, client_id)
    kind = TEXT
    if photo_id is not None:
        await owned_photos(ctx, [photo_id])
        kind = PHOTO
        body = body.strip()[:MAX_TEXT]
    else:
        body = body.strip()
        if not 1 <= len(body) <= MAX_TEXT:
            raise InvalidInput(N_("메시지는 1~1,000자로 보내 주세요."), field="body")
    if access.blocked:
        raise Blocked()
    if access.they_left:
        raise Conflict(N_("상대방이 대화방을 나갔어요."))
    if access.restricted:  # suspended or banned users cannot chat: say which and until when
        await guards.check_chat_send(ctx)
    # Fraud signals travel with the message: the receiver's client shows the cards.
    fraud = guards.message_signals(ctx, body)
    if limit:
        await limit_send(ctx)
    return CheckedSend(conversation_id, client_id, access, kind, body, photo_id, fraud)


async def limit_send(ctx: Ctx) -> None:
    """Count a send against the sender's message rate limit (429 when over)."""
    user_id = ctx.require_user().id
    await ctx.limit(ctx.svc.settings.message_limit_per_user, "message", str(user_id))


async def limit_sends(ctxs: Sequence[Ctx]) -> list[RateLimited | None]:
    """:func:`limit_send` for many sends at once (a group-commit batch): one round
    trip to the shared counters for all, the same count and answers as one at a
    time in this order. For each, None when allowed or the refusal (429)."""
    limited = [ctx for ctx in ctxs if ctx.client_ip is not None]  # as Ctx.limit
    if not limited:
        return [None] * len(ctxs)
    answers = iter(
        await limited[0].svc.limits.hit_many(
            limited[0].svc.settings.message_limit_per_user,
            [("message", str(ctx.require_user().id)) for ctx in limited],
        )
    )
    return [next(answers) if ctx.client_ip is not None else None for ctx in ctxs]


async def store_send(ctx: Ctx, send: CheckedSend) -> tuple[Message, bool]:
    """Store a checked send: the next seq, the row, the sender's read position,
    the events; the doorbell after commit. (False, with the stored message, when
    a retry of it racing this one was stored first.)"""
    user = ctx.require_user()
    access, conversation_id, now = send.access, send.conversation_id, utcnow()
    users = (access.buyer_id, access.seller_id)
    if access.left:  # writing again brings back one who left
        conversation = await ctx.db.get(Conversation, conversation_id)
        me = await ctx.db.get(Participant, (conversation_id, user.id))
        assert conversation is not None and me is not None
        await rejoin(ctx, conversation, me)
    data: dict[str, Any] = {"fraud": send.fraud} if send.fraud else {}
    values = {
        "conv": conversation_id,
        "me": user.id,
        "cid": send.client_id,
        "at": now,
        "mkind": send.kind,
        "mbody": send.body,
        "mphoto": send.photo_id,
        "mdata": data,
        "sess": ctx.session_id,
        "mlen": len(send.body),
        "mrole": access.role,
    }
    seq, message_id = await _store(ctx, access.listing_id, values)
    if message_id is None:
        # The client id's unique constraint says a retry of this send racing us was
        # stored first: give the seq back (no one else can have taken the one after
        # it while we hold the conversation's row lock) and return the stored one.
        await (await ctx.db.connection()).execute(
            statements.GIVE_BACK_SEQ, {"conv": conversation_id}
        )
        return await _stored(ctx, conversation_id, send.client_id), False
    message = Message(
        id=message_id,
        conversation_id=conversation_id,
        seq=seq,
        sender_id=user.id,
        client_id=send.client_id,
        kind=send.kind,
        body=send.body,
        photo_id=send.photo_id,
        data=data,
        created_at=now,
    )
    if send.fraud:
        ctx.record(  # the receiver's event: the card is theirs
            "fraud_warning_shown",
            user_id=users[0] if user.id == users[1] else users[1],
            conversation_id=conversation_id,
            seq=seq,
            sender_id=user.id,
            signals=send.fraud["signals"],
        )
    ring(ctx, conversation_id, users, seq, message=message)
    return message, True


@dataclass(frozen=True, slots=True)
class SendAccess:
    buyer_id: int
    seller_id: int
    listing_id: int
    role: str
    left: bool  # the sender left the conversation
    earlier_in: int | None  # the conversation of an earlier message with this client id
    blocked: bool  # either side blocked the other
    they_left: bool
    restricted: bool  # a ban or suspension in force


async def _access_for_send(
    ctx: Ctx, conversation_id: int, client_id: str, now: datetime
) -> SendAccess:
    """:func:`access_conversation_by_id` and everything else a send must know, in
    one round trip (:data:`statements.ACCESS`)."""
    params = {
        "me": ctx.require_user().id,
        "cid": client_id[:64],
        "conv": conversation_id,
        "at": now,
    }
    plain = await _plain_connection(ctx)
    row: Any
    if plain is not None:
        # Plain asyncpg (see statements.Plain). A read: outside the transaction or in
        # it, each statement sees what was committed when it began (read committed).
        row = await plain.fetchrow(statements.ACCESS_PG, params)
        if row is not None:
            row = Row(row)
    else:
        conn = await ctx.db.connection()
        row = (await conn.execute(statements.ACCESS, params)).first()
    if row is None:
        raise NotFound(N_("대화를 찾을 수 없어요."))
    if not row.alive:  # the account was deleted while its socket stayed open
        raise AuthenticationRequired()
    return SendAccess(
        buyer_id=row.buyer_id,
        seller_id=row.seller_id,
        listing_id=row.listing_id,
        role=row.role,
        left=row.left_at is not None,
        earlier_in=row.earlier_in,
        blocked=bool(row.blocked),
        they_left=row.they_left_at is not None,
        restricted=bool(row.restricted),
    )


# session.info key: the batch's PlainConnection (a group-commit batch makes one for its
# session so its sends skip asking the session each time).
PLAIN = "chat.plain"


async def _plain_connection(ctx: Ctx) -> PlainConnection | None:
    """The session's PlainConnection on PostgreSQL, None on SQLite (or when the
    adapter is turned off: then every statement goes through SQLAlchemy)."""
    if not sqlalchemy_asyncpg.enabled():
        return None
    found: PlainConnection | None = ctx.db.info.get(PLAIN)
    if found is not None:
        return found
    conn = await ctx.db.connection()
    return await PlainConnection.of(conn) if conn.dialect.name == "postgresql" else None


async def _store(ctx: Ctx, listing_id: int, values: dict[str, Any]) -> tuple[int, int | None]:
    """The next seq and the message row (None when a racing retry was stored
    first), the sender's read position and the ``message_sent`` event."""
    plain = await _plain_connection(ctx)
    if plain is not None and plain.in_transaction():  # plain asyncpg (statements.Plain)
        found = await plain.fetchrow(statements.WRITE_PG_PLAIN, values)
        assert found is not None
        return int(found["seq"]), found["message_id"]
    conn = await ctx.db.connection()
    if conn.dialect.name == "postgresql":
        # The session's transaction is begun by its first statement through
        # SQLAlchemy: asyncpg alone would run this one outside it, in autocommit.
        row = (await conn.execute(statements.WRITE_PG, values)).one()
        return int(row.seq), row.message_id
    seq = int((await conn.execute(statements.NEXT_SEQ, values)).scalar_one())
    message_id = (await conn.execute(statements.INSERT_SQLITE, {**values, "mseq": seq})).scalar()
    if message_id is None:
        return seq, None
    await conn.execute(statements.READ_UP_TO, {**values, "mseq": seq})
    properties = statements.message_sent_properties(
        conversation_id=values["conv"],
        listing_id=listing_id,
        seq=seq,
        kind=values["mkind"],
        length=values["mlen"],
        role=values["mrole"],
    )
    await conn.execute(statements.EVENT, {**values, "props": properties})
    return seq, int(message_id)


async def _stored(ctx: Ctx, conversation_id: int, client_id: str) -> Message:
    """The caller's stored message with ``client_id``; it must be in this conversation."""
    stored = await ctx.db.scalar(
        select(Message).where(
            Message.sender_id == ctx.require_user().id, Message.client_id == client_id
        )
    )
    if stored is None or stored.conversation_id != conversation_id:
        raise Conflict(N_("메시지 식별자가 다른 대화에서 이미 쓰였어요."), field="client_id")
    return stored
