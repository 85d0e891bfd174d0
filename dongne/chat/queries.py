"""Reads: the chat list, a conversation, messages by sequence, unread counts."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User, UserNeighbourhood
from dongne.blocks.queries import blocked_by
from dongne.chat.models import Appointment, Conversation, Message, Participant
from dongne.chat.schemas import AppointmentOut, ConversationOut, MessageOut, PersonOut
from dongne.geo.models import Neighbourhood
from dongne.kit.media import MediaStorage
from dongne.listings.models import Listing
from dongne.photos.models import Photo
from dongne.trust.reviews.queries import temperatures as manner_temperatures
from dongne.trust.reviews.temperature import START


async def messages_after(
    db: AsyncSession, conversation_id: int, after_seq: int, limit: int = 200
) -> list[Message]:
    return list(
        (
            await db.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id, Message.seq > after_seq)
                .order_by(Message.seq)
                .limit(limit)
            )
        ).all()
    )


async def messages_before(
    db: AsyncSession, conversation_id: int, before_seq: int | None, limit: int = 50
) -> list[Message]:
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if before_seq is not None:
        stmt = stmt.where(Message.seq < before_seq)
    rows = list((await db.scalars(stmt.order_by(Message.seq.desc()).limit(limit))).all())
    rows.reverse()
    return rows


async def message_outs(
    db: AsyncSession, media: MediaStorage, messages: list[Message]
) -> list[MessageOut]:
    photo_ids = [m.photo_id for m in messages if m.photo_id is not None]
    photos: dict[int, Photo] = {}
    if photo_ids:
        photos = {
            p.id: p for p in (await db.scalars(select(Photo).where(Photo.id.in_(photo_ids)))).all()
        }
    out = []
    for m in messages:
        photo = photos.get(m.photo_id) if m.photo_id is not None else None
        out.append(
            plain_message_out(
                m,
                photo_url=media.url(photo.large_key) if photo else None,
                photo_thumb_url=media.url(photo.small_key) if photo else None,
            )
        )
    return out


def plain_message_out(
    m: Message, photo_url: str | None = None, photo_thumb_url: str | None = None
) -> MessageOut:
    """A message as clients see it; a photo's addresses come from the caller."""
    return MessageOut(
        id=m.id,
        conversation_id=m.conversation_id,
        seq=m.seq,
        sender_id=m.sender_id,
        client_id=m.client_id,
        kind=m.kind,
        body=m.body,
        photo_url=photo_url,
        photo_thumb_url=photo_thumb_url,
        data=m.data or {},
        created_at=m.created_at,
    )


def message_frame(out: MessageOut) -> str:
    """The WebSocket frame that delivers a message (JSON text, as sent)."""
    return json.dumps({"type": "message", **out.model_dump(mode="json")}, ensure_ascii=False)


async def my_conversation_ids(db: AsyncSession, user_id: int, limit: int = 100) -> list[int]:
    """Newest activity first; conversations the user left are not listed."""
    return list(
        (
            await db.scalars(
                select(Conversation.id)
                .join(Participant, Participant.conversation_id == Conversation.id)
                .where(Participant.user_id == user_id, Participant.left_at.is_(None))
                .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
                .limit(limit)
            )
        ).all()
    )


async def listing_conversation_ids(
    db: AsyncSession, user_id: int, listing_id: int, limit: int = 200
) -> list[int]:
    """The user's conversations about one listing (the seller's view of it),
    newest activity first; like :func:`my_conversation_ids`, without the ones left."""
    return list(
        (
            await db.scalars(
                select(Conversation.id)
                .join(Participant, Participant.conversation_id == Conversation.id)
                .where(
                    Conversation.listing_id == listing_id,
                    Participant.user_id == user_id,
                    Participant.left_at.is_(None),
                )
                .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
                .limit(limit)
            )
        ).all()
    )


async def own_listing_title(db: AsyncSession, seller_id: int, listing_id: int) -> str | None:
    """The title of a listing of the seller's own (the heading of its chat list)."""
    title = await db.scalar(
        select(Listing.title).where(Listing.id == listing_id, Listing.seller_id == seller_id)
    )
    return str(title) if title is not None else None


async def conversation_outs(
    db: AsyncSession, media: MediaStorage, user_id: int, ids: list[int]
) -> list[ConversationOut]:
    if not ids:
        return []
    me = {
        p.conversation_id: p
        for p in (
            await db.scalars(
                select(Participant).where(
                    Participant.conversation_id.in_(ids), Participant.user_id == user_id
                )
            )
        ).all()
    }
    them = {
        p.conversation_id: p
        for p in (
            await db.scalars(
                select(Participant).where(
                    Participant.conversation_id.in_(ids), Participant.user_id != user_id
                )
            )
        ).all()
    }
    rows = (
        await db.execute(
            select(Conversation, Listing)
            .join(Listing, Listing.id == Conversation.listing_id)
            .where(Conversation.id.in_(ids))
        )
    ).all()
    other_ids = {them[c.id].user_id for c, _ in rows if c.id in them}
    people = {u.id: u for u in (await db.scalars(select(User).where(User.id.in_(other_ids)))).all()}
    temperatures = await manner_temperatures(db, other_ids)
    homes = dict(
        (
            await db.execute(
                select(UserNeighbourhood.user_id, Neighbourhood.name)
                .join(Neighbourhood, Neighbourhood.id == UserNeighbourhood.neighbourhood_id)
                .where(
                    UserNeighbourhood.user_id.in_(other_ids), UserNeighbourhood.is_active.is_(True)
                )
            )
        ).all()
    )
    blocked = await blocked_by(db, user_id, other_ids)
    last = (
        await db.scalars(
            select(Message)
            .join(
                Conversation,
                and_(
                    Conversation.id == Message.conversation_id, Conversation.last_seq == Message.seq
                ),
            )
            .where(Conversation.id.in_(ids))
        )
    ).all()
    last_by = {
        m.conversation_id: o
        for m, o in zip(last, await message_outs(db, media, list(last)), strict=True)
    }
    appointments = {
        a.conversation_id: a
        for a in (
            await db.scalars(select(Appointment).where(Appointment.conversation_id.in_(ids)))
        ).all()
    }
    by_id: dict[int, ConversationOut] = {}
    for conversation, listing in rows:
        mine = me[conversation.id]
        other = them.get(conversation.id)
        person = people.get(other.user_id) if other else None
        appointment = appointments.get(conversation.id)
        by_id[conversation.id] = ConversationOut(
            id=conversation.id,
            listing_id=listing.id,
            listing_title=listing.title,
            listing_thumb_url=media.url(listing.cover_key) if listing.cover_key else None,
            listing_status=listing.status,
            listing_price=listing.price,
            listing_is_free=listing.is_free,
            role=mine.role,
            other=PersonOut(
                id=other.user_id if other else 0,
                nickname=(person.nickname if person else None) or "",
                neighbourhood=homes.get(other.user_id) if other else None,
                manner_temperature=temperatures.get(other.user_id, START) if other else START,
            ),
            last_seq=conversation.last_seq,
            last_read_seq=mine.last_read_seq,
            other_read_seq=other.last_read_seq if other else 0,
            unread=max(0, conversation.last_seq - mine.last_read_seq),
            last_message=last_by.get(conversation.id),
            last_message_at=conversation.last_message_at,
            muted=mine.muted,
            left=mine.left_at is not None,
            other_left=other.left_at is not None if other else False,
            blocked=(other.user_id in blocked) if other else False,
            appointment=AppointmentOut(
                meet_at=appointment.meet_at, place=appointment.place, set_by=appointment.set_by
            )
            if appointment
            else None,
        )
    return [by_id[i] for i in ids if i in by_id]


async def total_unread(db: AsyncSession, user_id: int) -> int:
    value = await db.scalar(
        select(func.coalesce(func.sum(Conversation.last_seq - Participant.last_read_seq), 0))
        .join(Participant, Participant.conversation_id == Conversation.id)
        .where(
            Participant.user_id == user_id,
            Participant.left_at.is_(None),
            Participant.muted.is_(False),
        )
    )
    return int(value or 0)


async def cursors(db: AsyncSession, user_id: int) -> dict[int, int]:
    """Every conversation of the user and its newest sequence number."""
    rows = await db.execute(
        select(Conversation.id, Conversation.last_seq)
        .join(Participant, Participant.conversation_id == Conversation.id)
        .where(Participant.user_id == user_id)
    )
    return dict(rows.all())


async def active_since(db: AsyncSession, since: datetime) -> list[tuple[int, int, tuple[int, int]]]:
    """Conversations with a message after ``since``: (id, newest seq, (buyer, seller))."""
    rows = await db.execute(
        select(
            Conversation.id, Conversation.last_seq, Conversation.buyer_id, Conversation.seller_id
        ).where(Conversation.last_message_at > since)
    )
    return [(c, seq, (b, s)) for c, seq, b, s in rows.all()]
