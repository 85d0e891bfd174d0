"""What every send writes and checks, whichever way it comes in: the sender's
read position and the ``message_sent`` event go with the message; an open
socket is checked again on each send (a sanction or a deleted account made
after it opened stops the next send, and nothing is stored)."""

from __future__ import annotations

import json

import httpx

from tests.chat.conftest import Deal, frames, send, ws_connect
from tests.conftest import DatabaseUnderTest, Server, query
from tests.trust.test_moderation_api import act, events, make_operator, report


def _send_frame(conversation_id: int, client_id: str, body: str) -> str:
    return json.dumps(
        {"type": "send", "conversation_id": conversation_id, "client_id": client_id, "body": body}
    )


def _stored(database: DatabaseUnderTest, conversation_id: int) -> list[tuple[object, ...]]:
    return query(
        database,
        "SELECT seq, sender_id, client_id, body FROM messages"
        " WHERE conversation_id = :c ORDER BY seq",
        c=conversation_id,
    )


def test_a_send_stores_the_senders_read_position_and_its_event(
    client: httpx.Client, server: Server, deal: Deal, database: DatabaseUnderTest
) -> None:
    body = "내일 저녁 7시에 역삼역에서 뵐까요?"
    assert send(client, deal.buyer, deal.conversation_id, body, "h-1").status_code == 201
    with ws_connect(server, deal.seller) as ws:
        ws.send(json.dumps({"type": "hello"}))
        frames(ws, lambda f: f["type"] == "welcome")
        ws.send(_send_frame(deal.conversation_id, "w-1", "네 좋아요"))
        ack = frames(ws, lambda f: f["type"] == "ack")[-1]
        assert (ack["client_id"], ack["seq"]) == ("w-1", 2)

    assert _stored(database, deal.conversation_id) == [
        (1, deal.buyer.id, "h-1", body),
        (2, deal.seller.id, "w-1", "네 좋아요"),
    ]
    reads = dict(
        query(
            database,
            "SELECT user_id, last_read_seq FROM chat_participants WHERE conversation_id = :c",
            c=deal.conversation_id,
        )
    )
    assert reads == {deal.buyer.id: 1, deal.seller.id: 2}
    assert query(
        database, "SELECT last_seq FROM conversations WHERE id = :c", c=deal.conversation_id
    ) == [(2,)]
    common = {"conversation_id": deal.conversation_id, "listing_id": deal.listing_id}
    assert events(database, "message_sent", deal.buyer.id) == [
        {**common, "seq": 1, "kind": "text", "length": len(body), "role": "buyer"}
    ]
    assert events(database, "message_sent", deal.seller.id) == [
        {**common, "seq": 2, "kind": "text", "length": len("네 좋아요"), "role": "seller"}
    ]


def test_an_open_socket_is_checked_again_on_every_send(
    client: httpx.Client, server: Server, deal: Deal, database: DatabaseUnderTest
) -> None:
    operator = make_operator(client, database)
    with ws_connect(server, deal.seller) as ws:
        ws.send(json.dumps({"type": "hello"}))
        frames(ws, lambda f: f["type"] == "welcome")
        ws.send(_send_frame(deal.conversation_id, "s-1", "아직 팔아요"))
        assert frames(ws, lambda f: f["type"] == "ack")[-1]["seq"] == 1

        # Suspended while the socket stays open: the next send is refused.
        r = report(client, deal.buyer, "user", deal.seller.id, reason="abuse")
        done = act(client, operator, r.json()["id"], action="suspend", policy="abuse", days=3)
        assert done.status_code == 201, done.text
        ws.send(_send_frame(deal.conversation_id, "s-2", "정지 후에 보낸 말"))
        error = frames(ws, lambda f: f["type"] == "error")[-1]
        assert (error["status"], error["code"], error["client_id"]) == (
            403,
            "account_suspended",
            "s-2",
        )

    with ws_connect(server, deal.buyer) as ws:
        ws.send(json.dumps({"type": "hello"}))
        frames(ws, lambda f: f["type"] == "welcome")
        # The account is gone while its socket is open: the next send is refused.
        query(
            database,
            "UPDATE users SET deleted_at = CURRENT_TIMESTAMP WHERE id = :id",
            id=deal.buyer.id,
        )
        ws.send(_send_frame(deal.conversation_id, "b-1", "탈퇴 후에 보낸 말"))
        error = frames(ws, lambda f: f["type"] == "error")[-1]
        assert (error["status"], error["client_id"]) == (401, "b-1")

    assert _stored(database, deal.conversation_id) == [(1, deal.seller.id, "s-1", "아직 팔아요")]
    assert query(
        database, "SELECT last_seq FROM conversations WHERE id = :c", c=deal.conversation_id
    ) == [(1,)]
