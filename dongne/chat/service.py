"""Every write about chat. Persist first: a message is stored with the next
per-conversation sequence number in the request's transaction; only after
commit does the hub ring the participants' doorbells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dongne.chat import statements
from dongne.chat.models import (
    MAX_TEXT,
    PHOTO,
    SYSTEM,
    TEXT,
    Appointment,
    Block,
    Conversation,
    Message,
    Participant,
)
from dongne.chat.queries import message_frame, plain_message_out
from dongne.db import on_commit, utcnow
from dongne.kit.errors import (
    AuthenticationRequired,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
)
from dongne.kit.hub import Hub
from dongne.kit.i18n import N_
from dongne.kit.scheduler import cancel, schedule
from dongne.listings.models import RESERVED, SELLING, Listing
from dongne.listings.service import access_listing_by_id, require_verified_place
from dongne.notifications.service import notify
from dongne.web import Ctx

REMINDER_BEFORE = timedelta(hours=1)


def chat_channel(user_id: int) -> str:
    return f"chat:{user_id}"


class Blocked(DomainError):
    status = 403
    code = "blocked"
    message = N_("이 사용자와는 대화할 수 없어요.")


# ---- access -------------------------------------------------------------------


async def access_conversation_by_id(
    ctx: Ctx, conversation_id: int
) -> tuple[Conversation, Participant]:
    """The conversation and the caller's side of it; 404 for anyone else.
    Every chat route and every WebSocket frame goes through here."""
    user = ctx.require_user()
    row = (
        await ctx.db.execute(
            select(Conversation, Participant)
            .join(Participant, Participant.conversation_id == Conversation.id)
            .where(Conversation.id == conversation_id, Participant.user_id == user.id)
        )
    ).first()
    if row is None:
        raise NotFound(N_("대화를 찾을 수 없어요."))
    return row.tuple()


async def is_blocked_between(ctx: Ctx, a: int, b: int) -> bool:
    return (
        await ctx.db.scalar(
            select(Block.blocker_id).where(
                ((Block.blocker_id == a) & (Block.blocked_id == b))
                | ((Block.blocker_id == b) & (Block.blocked_id == a))
            )
        )
        is not None
    )


def _users(conversation: Conversation) -> tuple[int, int]:
    return conversation.buyer_id, conversation.seller_id


def other_side(conversation: Conversation, user_id: int) -> int:
    return conversation.seller_id if user_id == conversation.buyer_id else conversation.buyer_id


def ring(
    ctx: Ctx,
    conversation_id: int,
    users: tuple[int, int],
    seq: int,
    kind: str = "message",
    message: Message | None = None,
) -> None:
    """After commit, tell both participants' connections (``users``) that ``seq``
    exists. The notice carries the message's frame when it needs nothing more
    from the database (no photo): a connection whose cursor is just before it
    sends it as is; any other reads from the database as usual. Encoded once,
    however many listen."""
    hub: Hub = ctx.svc.hub
    notice: dict[str, Any] = {"type": kind, "conversation_id": conversation_id, "seq": seq}
    if message is not None and message.photo_id is None:
        notice["frame"] = message_frame(plain_message_out(message))
    channels = [chat_channel(uid) for uid in users]

    async def publish() -> None:
        await hub.publish_many(channels, notice)

    on_commit(ctx.db, publish)


# ---- conversations ------------------------------------------------------------


async def start_conversation(ctx: Ctx, listing_id: int) -> Conversation:
    """The buyer's conversation about a listing (created on first contact)."""
    user = ctx.require_user()
    link, place = await require_verified_place(ctx)
    # Only someone who may see the listing (their range covers it) can ask about it.
    listing = await access_listing_by_id(ctx, listing_id, (place.id, link.range_level))
    if listing.seller_id == user.id:
        raise Conflict(N_("내 글에는 채팅할 수 없어요."))
    existing = await ctx.db.scalar(
        select(Conversation).where(
            Conversation.listing_id == listing.id, Conversation.buyer_id == user.id
        )
    )
    if existing is not None:
        # 채팅하기 again after leaving: the buyer is back in the conversation.
        me = await ctx.db.get(Participant, (existing.id, user.id))
        if me is not None:
            await rejoin(ctx, existing, me)
        return existing
    if not listing.is_listed:
        raise NotFound(N_("판매글을 찾을 수 없어요. 삭제되었을 수 있어요."))
    if await is_blocked_between(ctx, user.id, listing.seller_id):
        raise Blocked()
    from dongne.trust.moderation import guards

    await guards.check_chat_start(ctx)  # sanctions; lower limits for new accounts
    await ctx.limit(ctx.svc.settings.chat_start_limit_per_user, "chat-start", str(user.id))
    conversation = Conversation(
        listing_id=listing.id, buyer_id=user.id, seller_id=listing.seller_id
    )
    ctx.db.add(conversation)
    try:
        async with ctx.db.begin_nested():
            await ctx.db.flush()
    except IntegrityError:  # the same buyer opened it twice at once
        found = await ctx.db.scalar(
            select(Conversation).where(
                Conversation.listing_id == listing.id, Conversation.buyer_id == user.id
            )
        )
        assert found is not None
        return found
    ctx.db.add(Participant(conversation_id=conversation.id, user_id=user.id, role="buyer"))
    ctx.db.add(
        Participant(conversation_id=conversation.id, user_id=listing.seller_id, role="seller")
    )
    await ctx.db.execute(
        update(Listing).where(Listing.id == listing.id).values(chat_count=Listing.chat_count + 1)
    )
    await ctx.db.flush()
    ctx.record(
        "conversation_started",
        conversation_id=conversation.id,
        listing_id=listing.id,
        seller_id=listing.seller_id,
    )
    return conversation


async def _next_seq(ctx: Ctx, conversation: Conversation) -> int:
    """Take the next sequence number: one atomic UPDATE … RETURNING, which
    serialises concurrent senders on the conversation's row."""
    now = utcnow()
    seq = await ctx.db.scalar(
        update(Conversation)
        .where(Conversation.id == conversation.id)
        .values(last_seq=Conversation.last_seq + 1, last_message_at=now)
        .returning(Conversation.last_seq)
    )
    assert seq is not None
    return int(seq)


async def post_system(ctx: Ctx, conversation: Conversation, code: str, **data: Any) -> Message:
    """A system line in the conversation (reservation made, appointment set…)."""
    seq = await _next_seq(ctx, conversation)
    message = Message(conversation_id=conversation.id, seq=seq, kind=SYSTEM, body=code, data=data)
    ctx.db.add(message)
    await ctx.db.flush()
    ring(ctx, conversation.id, _users(conversation), seq, message=message)
    return message


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
        from dongne.photos.service import owned_photos

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
    from dongne.trust.moderation import guards

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
    row = (await (await ctx.db.connection()).execute(statements.ACCESS, params)).first()
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


async def _store(ctx: Ctx, listing_id: int, values: dict[str, Any]) -> tuple[int, int | None]:
    """The next seq and the message row (None when a racing retry was stored
    first), the sender's read position and the ``message_sent`` event."""
    conn = await ctx.db.connection()
    if conn.dialect.name == "postgresql":
        row = (await conn.execute(statements.WRITE_PG, values)).one()
        return int(row.seq), row.message_id
    seq = int((await conn.execute(statements.NEXT_SEQ, values)).scalar_one())
    message_id = (await conn.execute(statements.INSERT_SQLITE, {**values, "mseq": seq})).scalar()
    if message_id is None:
        return seq, None
    await conn.execute(statements.READ_UP_TO, {**values, "mseq": seq})
    properties = {
        "conversation_id": values["conv"],
        "listing_id": listing_id,
        "seq": seq,
        "kind": values["mkind"],
        "length": values["mlen"],
        "role": values["mrole"],
    }
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


async def mark_read(ctx: Ctx, conversation_id: int, seq: int) -> Participant:
    conversation, me = await access_conversation_by_id(ctx, conversation_id)
    seq = min(seq, conversation.last_seq)
    if seq > me.last_read_seq:
        me.last_read_seq = seq
        ctx.record("messages_read", conversation_id=conversation.id, seq=seq, role=me.role)
        ring(ctx, conversation.id, _users(conversation), seq, kind="read")
    return me


async def set_muted(ctx: Ctx, conversation_id: int, muted: bool) -> Participant:
    _conversation, me = await access_conversation_by_id(ctx, conversation_id)
    if me.muted != muted:
        me.muted = muted
        ctx.record(
            "conversation_muted" if muted else "conversation_unmuted",
            conversation_id=conversation_id,
        )
    return me


async def leave(ctx: Ctx, conversation_id: int) -> None:
    conversation, me = await access_conversation_by_id(ctx, conversation_id)
    if me.left_at is None:
        me.left_at = utcnow()
        ctx.record("conversation_left", conversation_id=conversation_id, role=me.role)
        await post_system(ctx, conversation, "left", user_id=me.user_id)


async def rejoin(ctx: Ctx, conversation: Conversation, me: Participant) -> None:
    """Undo :func:`leave`: the conversation is listed again, and the other side
    may write again (they are told by a system line)."""
    if me.left_at is not None:
        me.left_at = None
        ctx.record("conversation_rejoined", conversation_id=conversation.id, role=me.role)
        await post_system(ctx, conversation, "rejoined", user_id=me.user_id)


async def block_user(ctx: Ctx, blocked_id: int, conversation_id: int | None = None) -> None:
    user = ctx.require_user()
    if blocked_id == user.id:
        raise InvalidInput(N_("나 자신은 차단할 수 없어요."))
    if await ctx.db.get(Block, (user.id, blocked_id)) is None:
        ctx.db.add(Block(blocker_id=user.id, blocked_id=blocked_id))
        await ctx.db.flush()
        ctx.record("user_blocked", blocked_id=blocked_id, conversation_id=conversation_id)


async def unblock_user(ctx: Ctx, blocked_id: int) -> None:
    user = ctx.require_user()
    row = await ctx.db.get(Block, (user.id, blocked_id))
    if row is not None:
        await ctx.db.delete(row)
        ctx.record("user_unblocked", blocked_id=blocked_id)


async def block_in_conversation(ctx: Ctx, conversation_id: int) -> None:
    conversation, _me = await access_conversation_by_id(ctx, conversation_id)
    await block_user(ctx, other_side(conversation, ctx.require_user().id), conversation_id)


# ---- appointments --------------------------------------------------------------


async def set_appointment(
    ctx: Ctx, conversation_id: int, meet_at: datetime, place: str, reserve: bool
) -> Appointment:
    """약속 잡기: pinned in the room; reminders to both an hour before (a
    persistent job); optionally marks the listing 예약중 for this buyer."""
    user = ctx.require_user()
    conversation, me = await access_conversation_by_id(ctx, conversation_id)
    place = " ".join(place.split())
    if not 1 <= len(place) <= 100:
        raise InvalidInput(N_("약속 장소를 1~100자로 입력해 주세요."), field="place")
    if meet_at <= utcnow():
        raise InvalidInput(N_("약속 시간은 지금 이후로 정해 주세요."), field="meet_at")
    appointment = await ctx.db.get(Appointment, conversation.id)
    changed = appointment is not None
    if appointment is None:
        appointment = Appointment(
            conversation_id=conversation.id, meet_at=meet_at, place=place, set_by=user.id
        )
        ctx.db.add(appointment)
    else:
        appointment.meet_at, appointment.place = meet_at, place
        appointment.set_by, appointment.updated_at = user.id, utcnow()
    await ctx.db.flush()
    await schedule(
        ctx.db,
        "appointment_reminder",
        f"appointment:{conversation.id}",
        meet_at - REMINDER_BEFORE,
        conversation_id=conversation.id,
        meet_at=meet_at.isoformat(),
    )
    ctx.record(
        "appointment_changed" if changed else "appointment_set",
        conversation_id=conversation.id,
        listing_id=conversation.listing_id,
        role=me.role,
    )
    await post_system(
        ctx,
        conversation,
        "appointment_changed" if changed else "appointment_set",
        meet_at=meet_at.isoformat(),
        place=place,
    )
    if reserve and user.id == conversation.seller_id:
        listing = await ctx.db.get(Listing, conversation.listing_id)
        if listing is not None and listing.status == SELLING:
            listing.status = RESERVED
            ctx.record(
                "listing_status_changed",
                listing_id=listing.id,
                old=SELLING,
                new=RESERVED,
                buyer_id=conversation.buyer_id,
            )
            await post_system(ctx, conversation, "reserved")
    return appointment


async def cancel_appointment(ctx: Ctx, conversation_id: int) -> None:
    conversation, _me = await access_conversation_by_id(ctx, conversation_id)
    appointment = await ctx.db.get(Appointment, conversation.id)
    if appointment is None:
        return
    await ctx.db.delete(appointment)
    await cancel(ctx.db, f"appointment:{conversation.id}")
    ctx.record("appointment_cancelled", conversation_id=conversation.id)
    await post_system(ctx, conversation, "appointment_cancelled")


async def send_reminder(db: Any, hub: Hub, payload: dict[str, Any]) -> None:
    """The scheduled job: remind both sides, unless the appointment moved."""
    conversation = await db.get(Conversation, payload["conversation_id"])
    appointment = await db.get(Appointment, payload["conversation_id"])
    if conversation is None or appointment is None:
        return
    if appointment.meet_at.isoformat() != payload["meet_at"]:
        return  # changed since; the new time has its own job
    for uid in (conversation.buyer_id, conversation.seller_id):
        await notify(
            db,
            hub,
            uid,
            "appointment_reminder",
            conversation_id=conversation.id,
            meet_at=payload["meet_at"],
            place=appointment.place,
        )
    from dongne import events

    events.record(db, "appointment_reminder_sent", conversation_id=conversation.id)
