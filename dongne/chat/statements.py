"""The statements on every message's path, built once at import and run as Core.

A message costs the server a few statements, and in Python most of a statement's
cost is ours, not the database's: composing it (aliases, CASEs, subqueries),
the ORM's unit of work, loading rows into objects. So the send path runs these
prebuilt statements with bind parameters on the session's connection:

* :data:`ACCESS` answers, in one round trip, everything a send must know before
  it writes: the caller's side of the conversation (404 without one), whether
  the caller's account still exists and is free to act (no ban or suspension in
  force), an earlier message with this client id (a retry), a block either way,
  and whether the other side left.
* :data:`WRITE_PG` stores the message in one statement on PostgreSQL: the next
  sequence number (the conversation's row stays locked until commit), the
  message row unless the client id's unique constraint says a racing retry was
  stored first, the sender's read position and the ``message_sent`` event;
  SQLite has no data-modifying CTEs, so there the same four steps are
  :data:`NEXT_SEQ`, :data:`INSERT_SQLITE`, :data:`READ_UP_TO` and :data:`EVENT`.

On PostgreSQL the two run as plain asyncpg (:class:`Plain`, in
kit/adapters/sqlalchemy_asyncpg.py: the SQL compiled once, the constant IN lists
expanded once, asyncpg's own prepared-statement cache): through SQLAlchemy each cost ~170 µs of CPU, most of it re-rendering the
SQL for an IN list and processing parameters and rows; on asyncpg ~25 µs.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from dongne.accounts.models import User
from dongne.blocks.models import Block
from dongne.chat.models import Conversation, Message, Participant
from dongne.db import UTCDateTime
from dongne.events import Event, insert_event, insert_event_from
from dongne.kit.adapters.sqlalchemy_asyncpg import Plain
from dongne.trust.moderation.queries import in_force

MESSAGE_SENT = "message_sent"

# Parameters: conv, me, cid (client id), at (now); for the writes also mkind, mbody,
# mphoto, mdata, sess, mlen, mrole (mseq and props on SQLite). None is named like a
# column: Core would take a parameter named like a column as a value to SET.
_conversation = bindparam("conv", type_=BigInteger)
_me = bindparam("me", type_=BigInteger)
_client_id = bindparam("cid", type_=String)
_now = bindparam("at", type_=UTCDateTime())


def _build_access() -> Any:
    other = case(
        (Conversation.buyer_id == _me, Conversation.seller_id), else_=Conversation.buyer_id
    )
    them = aliased(Participant)
    earlier = (
        select(Message.conversation_id)
        .where(Message.sender_id == _me, Message.client_id == _client_id)
        .scalar_subquery()
    )
    blocked = exists().where(
        or_(
            and_(Block.blocker_id == _me, Block.blocked_id == other),
            and_(Block.blocker_id == other, Block.blocked_id == _me),
        )
    )
    they_left = (
        select(them.left_at)
        .where(them.conversation_id == Conversation.id, them.user_id != _me)
        .scalar_subquery()
    )
    alive = exists().where(User.id == _me, User.deleted_at.is_(None))
    restricted = exists().where(in_force(_me, _now))
    return (
        select(
            Conversation.buyer_id,
            Conversation.seller_id,
            Conversation.listing_id,
            Participant.role,
            Participant.left_at,
            earlier.label("earlier_in"),
            blocked.label("blocked"),
            they_left.label("they_left_at"),
            alive.label("alive"),
            restricted.label("restricted"),
        )
        .join(Participant, Participant.conversation_id == Conversation.id)
        .where(Conversation.id == _conversation, Participant.user_id == _me)
    )


ACCESS = _build_access()


ACCESS_PG = Plain(ACCESS, ["me", "cid", "at", "conv"])

_kind = bindparam("mkind", type_=String)
_body = bindparam("mbody", type_=String)
_photo_id = bindparam("mphoto", type_=BigInteger)
_data = bindparam("mdata", type_=JSON)
_session = bindparam("sess", type_=String)
_length = bindparam("mlen", type_=Integer)
_role = bindparam("mrole", type_=String)

_MESSAGE_COLUMNS = [
    "conversation_id",
    "seq",
    "sender_id",
    "client_id",
    "kind",
    "body",
    "photo_id",
    "data",
    "created_at",
]

NEXT_SEQ = (
    update(Conversation)
    .where(Conversation.id == _conversation)
    .values(last_seq=Conversation.last_seq + 1, last_message_at=_now)
    .returning(Conversation.last_seq)
)
GIVE_BACK_SEQ = (
    update(Conversation)
    .where(Conversation.id == _conversation)
    .values(last_seq=Conversation.last_seq - 1)
)


def message_sent_properties(
    *, conversation_id: Any, listing_id: Any, seq: Any, kind: Any, length: Any, role: Any
) -> dict[str, Any]:
    """The ``message_sent`` event's properties: values (SQLite, :data:`EVENT`) or the
    SQL expressions :data:`WRITE_PG` builds its JSON from."""
    return {
        "conversation_id": conversation_id,
        "listing_id": listing_id,
        "seq": seq,
        "kind": kind,
        "length": length,
        "role": role,
    }


def _build_write_pg() -> Any:
    seq = (
        update(Conversation)
        .where(Conversation.id == _conversation)
        .values(last_seq=Conversation.last_seq + 1, last_message_at=_now)
        .returning(Conversation.last_seq, Conversation.id, Conversation.listing_id)
        .cte("seq")
    )
    msg = (
        pg_insert(Message)
        .from_select(
            _MESSAGE_COLUMNS,
            select(seq.c.id, seq.c.last_seq, _me, _client_id, _kind, _body, _photo_id, _data, _now),
        )
        .on_conflict_do_nothing(index_elements=["sender_id", "client_id"])
        .returning(Message.id, Message.seq, Message.conversation_id)
        .cte("msg")
    )
    mine = (
        update(Participant)
        .where(Participant.conversation_id == msg.c.conversation_id, Participant.user_id == _me)
        .values(last_read_seq=msg.c.seq)
        .returning(Participant.user_id)
        .cte("mine")
    )
    properties = message_sent_properties(
        conversation_id=seq.c.id,
        listing_id=seq.c.listing_id,
        seq=msg.c.seq,
        kind=_kind,
        length=_length,
        role=_role,
    )
    event = (
        insert_event_from(
            seq.join(msg, true()),
            MESSAGE_SENT,
            user_id=_me,
            session=_session,
            at=_now,
            properties=func.json_build_object(
                *chain.from_iterable((literal(key), value) for key, value in properties.items())
            ),
        )
        .returning(Event.id)
        .cte("event")
    )
    return (
        select(seq.c.last_seq.label("seq"), msg.c.id.label("message_id"))
        .select_from(seq.outerjoin(msg, true()))
        .add_cte(mine, event)
    )


WRITE_PG = _build_write_pg()
WRITE_PG_PLAIN = Plain(
    WRITE_PG,
    ["me", "cid", "mkind", "mbody", "mphoto", "mdata", "at", "conv", "sess", "mlen", "mrole"],
)

INSERT_SQLITE = (
    sqlite_insert(Message)
    .values(
        conversation_id=_conversation,
        seq=bindparam("mseq", type_=Integer),
        sender_id=_me,
        client_id=_client_id,
        kind=_kind,
        body=_body,
        photo_id=_photo_id,
        data=_data,
        created_at=_now,
    )
    .on_conflict_do_nothing(index_elements=["sender_id", "client_id"])
    .returning(Message.id)
)
READ_UP_TO = (
    update(Participant)
    .where(Participant.conversation_id == _conversation, Participant.user_id == _me)
    .values(last_read_seq=bindparam("mseq", type_=Integer))
)
EVENT = insert_event(
    MESSAGE_SENT,
    user_id=_me,
    session=_session,
    at=_now,
    properties=bindparam("props", type_=JSON),
)
