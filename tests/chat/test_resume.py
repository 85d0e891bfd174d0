"""Where a connection starts, and coming back to a conversation one left.

A client gets everything it lacks, exactly once, in order, and no history it
never asked for (the rules are in dongne/chat/ws.py's protocol notes)."""

from __future__ import annotations

import json
from typing import Any

import httpx
from websockets.sync.client import ClientConnection

from tests.chat.conftest import Deal, frames, send, ws_connect
from tests.conftest import Server
from tests.listings.conftest import Resident, make_resident


def hello(ws: ClientConnection, **fields: Any) -> dict[str, Any]:
    ws.send(json.dumps({"type": "hello", **fields}))
    return frames(ws, lambda f: f["type"] == "welcome")[-1]


def second_buyer(client: httpx.Client, deal: Deal) -> tuple[Resident, int]:
    buyer = make_resident(client, "논현동", level=1)
    r = client.post(f"/api/v1/listings/{deal.listing_id}/chat", headers=buyer.auth)
    assert r.status_code == 200, r.text
    return buyer, int(r.json()["id"])


def messages_until_pong(ws: ClientConnection) -> list[tuple[int, int]]:
    """(conversation, seq) of every message frame before the pong."""
    ws.send(json.dumps({"type": "ping"}))
    got = frames(ws, lambda f: f["type"] == "pong")
    return [(f["conversation_id"], f["seq"]) for f in got if f["type"] == "message"]


def test_a_conversation_left_out_of_the_cursors_is_not_replayed_from_its_start(
    client: httpx.Client, server: Server, deal: Deal
) -> None:
    other, other_id = second_buyer(client, deal)
    for n in range(3):
        assert send(client, deal.buyer, deal.conversation_id, f"첫 대화 {n}").status_code == 201
        assert send(client, other, other_id, f"둘째 대화 {n}").status_code == 201
    with ws_connect(server, deal.seller) as ws:
        # The client follows only the first conversation, and holds all of it.
        welcome = hello(ws, cursors={str(deal.conversation_id): 3})
        assert welcome["conversations"][str(other_id)] == 3
        assert messages_until_pong(ws) == []
        assert send(client, other, other_id, "새 메시지").status_code == 201
        got = frames(ws, lambda f: f["type"] == "message")
        # Only what is new: not seq 1–3 of a conversation it never asked for.
        assert [(f["conversation_id"], f["seq"]) for f in got if f["type"] == "message"] == [
            (other_id, 4)
        ]
        assert messages_until_pong(ws) == []


def test_a_hello_without_cursors_starts_from_now(
    client: httpx.Client, server: Server, deal: Deal
) -> None:
    for n in range(3):
        send(client, deal.buyer, deal.conversation_id, f"예전 메시지 {n}")
    with ws_connect(server, deal.seller) as ws:
        welcome = hello(ws)
        assert welcome["conversations"][str(deal.conversation_id)] == 3
        assert messages_until_pong(ws) == []
        send(client, deal.buyer, deal.conversation_id, "지금 메시지")
        got = frames(ws, lambda f: f["type"] == "message")
        assert [f["seq"] for f in got if f["type"] == "message"] == [4]


def test_conversations_begun_after_the_clients_mark_arrive_whole_and_once(
    client: httpx.Client, server: Server, deal: Deal
) -> None:
    send(client, deal.buyer, deal.conversation_id, "안녕하세요")
    with ws_connect(server, deal.seller) as ws:
        welcome = hello(ws, cursors={str(deal.conversation_id): 1})
        mark = welcome["mark"]
        assert mark == deal.conversation_id
    # Away: a new buyer starts a conversation and writes twice; the old one goes on.
    other, other_id = second_buyer(client, deal)
    assert other_id > mark
    send(client, other, other_id, "구매 가능할까요?")
    send(client, other, other_id, "오늘 저녁에요")
    send(client, deal.buyer, deal.conversation_id, "아직 있나요?")
    with ws_connect(server, deal.seller) as ws:
        welcome = hello(ws, cursors={str(deal.conversation_id): 1}, since=mark)
        assert welcome["mark"] == other_id
        got = frames(
            ws,
            lambda f: f["type"] == "message" and f["conversation_id"] == other_id and f["seq"] == 2,
        )
        got += [
            {"type": "message", "conversation_id": c, "seq": s} for c, s in messages_until_pong(ws)
        ]
        received = [(f["conversation_id"], f["seq"]) for f in got if f["type"] == "message"]
        assert sorted(received) == sorted([(deal.conversation_id, 2), (other_id, 1), (other_id, 2)])
        assert [s for c, s in received if c == other_id] == [1, 2]


def test_a_buyer_who_left_can_start_the_conversation_again(
    client: httpx.Client, deal: Deal
) -> None:
    send(client, deal.buyer, deal.conversation_id, "식탁 아직 있나요?")
    r = client.post(f"/api/v1/chats/{deal.conversation_id}/leave", headers=deal.buyer.auth)
    assert r.status_code == 204
    seen = client.get(f"/api/v1/chats/{deal.conversation_id}", headers=deal.seller.auth).json()
    assert seen["other_left"] is True and seen["left"] is False
    assert send(client, deal.seller, deal.conversation_id, "네 있어요").status_code == 409

    # 채팅하기 again: the same conversation, listed again, open to both sides.
    r = client.post(f"/api/v1/listings/{deal.listing_id}/chat", headers=deal.buyer.auth)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == deal.conversation_id and r.json()["left"] is False
    listed = client.get("/api/v1/chats", headers=deal.buyer.auth).json()
    assert deal.conversation_id in [c["id"] for c in listed]
    seen = client.get(f"/api/v1/chats/{deal.conversation_id}", headers=deal.seller.auth).json()
    assert seen["other_left"] is False
    assert send(client, deal.seller, deal.conversation_id, "네 있어요").status_code == 201
    history = client.get(
        f"/api/v1/chats/{deal.conversation_id}/messages", headers=deal.buyer.auth
    ).json()
    assert [(m["kind"], m["body"]) for m in history][-3:] == [
        ("system", "left"),
        ("system", "rejoined"),
        ("text", "네 있어요"),
    ]


def test_writing_again_brings_back_one_who_left(client: httpx.Client, deal: Deal) -> None:
    send(client, deal.buyer, deal.conversation_id, "안녕하세요")
    client.post(f"/api/v1/chats/{deal.conversation_id}/leave", headers=deal.seller.auth)
    assert deal.conversation_id not in [
        c["id"] for c in client.get("/api/v1/chats", headers=deal.seller.auth).json()
    ]
    assert send(client, deal.seller, deal.conversation_id, "다시 왔어요").status_code == 201
    listed = client.get("/api/v1/chats", headers=deal.seller.auth).json()
    mine = [c for c in listed if c["id"] == deal.conversation_id]
    assert mine and mine[0]["left"] is False
    seen = client.get(f"/api/v1/chats/{deal.conversation_id}", headers=deal.buyer.auth).json()
    assert seen["other_left"] is False
