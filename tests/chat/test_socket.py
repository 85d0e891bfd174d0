"""The chat WebSocket against a real server: live delivery, acks, resume."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.chat.conftest import Deal, frames, send, ws_connect
from tests.conftest import Server


def hello(ws, cursors: dict[int, int] | None = None) -> dict:  # type: ignore[no-untyped-def, type-arg]
    ws.send(
        json.dumps({"type": "hello", "cursors": {str(k): v for k, v in (cursors or {}).items()}})
    )
    return frames(ws, lambda f: f["type"] == "welcome")[-1]


def test_a_message_sent_over_the_socket_is_acked_and_delivered_live(
    server: Server, deal: Deal
) -> None:
    with ws_connect(server, deal.seller) as seller_ws, ws_connect(server, deal.buyer) as buyer_ws:
        hello(seller_ws)
        hello(buyer_ws)
        buyer_ws.send(
            json.dumps(
                {
                    "type": "send",
                    "conversation_id": deal.conversation_id,
                    "client_id": "w-1",
                    "body": "지금 가도 될까요?",
                }
            )
        )
        got = frames(buyer_ws, lambda f: f["type"] == "ack")
        ack = got[-1]
        assert ack["client_id"] == "w-1" and ack["seq"] == 1
        delivered = frames(seller_ws, lambda f: f["type"] == "message")[-1]
        assert (delivered["seq"], delivered["body"]) == (1, "지금 가도 될까요?")
        seller_ws.send(
            json.dumps({"type": "read", "conversation_id": deal.conversation_id, "seq": 1})
        )
        receipt = frames(buyer_ws, lambda f: f["type"] == "read")[-1]
        assert receipt["seq"] == 1 and receipt["conversation_id"] == deal.conversation_id


def test_reconnecting_with_cursors_resumes_exactly_once_in_order(
    client: httpx.Client, server: Server, deal: Deal
) -> None:
    for n in range(1, 4):
        send(client, deal.buyer, deal.conversation_id, f"메시지 {n}")
    with ws_connect(server, deal.seller) as ws:
        hello(ws, {deal.conversation_id: 0})
        got = frames(ws, lambda f: f["type"] == "message" and f["seq"] == 3)
        assert [f["seq"] for f in got if f["type"] == "message"] == [1, 2, 3]
    # Offline: five more arrive.
    for n in range(4, 9):
        send(client, deal.buyer, deal.conversation_id, f"메시지 {n}")
    with ws_connect(server, deal.seller) as ws:
        welcome = hello(ws, {deal.conversation_id: 3})
        assert welcome["conversations"][str(deal.conversation_id)] == 8
        got = frames(ws, lambda f: f["type"] == "message" and f["seq"] == 8)
        assert [f["body"] for f in got if f["type"] == "message"] == [
            f"메시지 {n}" for n in range(4, 9)
        ]
        ws.send(json.dumps({"type": "ping"}))
        tail = frames(ws, lambda f: f["type"] == "pong", timeout=5)
        assert [f for f in tail if f["type"] == "message"] == []  # nothing twice


def test_a_conversation_begun_while_away_is_announced_and_synced(
    client: httpx.Client, server: Server, deal: Deal
) -> None:
    with ws_connect(server, deal.seller) as ws:
        hello(ws, {})
        send(client, deal.buyer, deal.conversation_id, "새 대화 첫 메시지")
        got = frames(ws, lambda f: f["type"] == "message")
        assert got[-1]["body"] == "새 대화 첫 메시지"


def test_socket_frames_are_checked_like_http(server: Server, deal: Deal) -> None:
    intruder = deal.buyer
    with ws_connect(server, intruder) as ws:
        hello(ws)
        ws.send(
            json.dumps(
                {"type": "send", "conversation_id": 999999999, "client_id": "x", "body": "hi"}
            )
        )
        error = frames(ws, lambda f: f["type"] == "error")[-1]
        assert error["status"] == 404 and error["client_id"] == "x"
        ws.send("not json")
        assert frames(ws, lambda f: f["type"] == "error")[-1]["status"] == 400
        ws.send(
            json.dumps(
                {
                    "type": "send",
                    "conversation_id": deal.conversation_id,
                    "client_id": "y",
                    "body": "",
                }
            )
        )
        assert frames(ws, lambda f: f["type"] == "error")[-1]["status"] == 422


def test_sockets_without_credentials_or_from_another_site_are_refused(
    server: Server, deal: Deal
) -> None:
    url = server.url.replace("http://", "ws://") + "/ws"
    with pytest.raises((ConnectionClosed, InvalidStatus)), connect(url, open_timeout=5) as ws:
        ws.recv(timeout=5)
    bad_token = url + f"?token={secrets.token_hex(8)}"
    with pytest.raises((ConnectionClosed, InvalidStatus)), connect(bad_token, open_timeout=5) as ws:
        ws.recv(timeout=5)
    # A browser on another site carrying the victim's session cookie.
    with httpx.Client(base_url=server.url) as browser:
        page = browser.get("/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        browser.post(
            "/login",
            data={"email": deal.buyer.email, "password": deal.buyer.password, "csrf_token": token},
        )
        cookie = browser.cookies.get("dongne_session")
    assert cookie
    headers = {"Cookie": f"dongne_session={cookie}"}
    with (
        pytest.raises((ConnectionClosed, InvalidStatus)),
        connect(
            url, origin="http://evil.example", additional_headers=headers, open_timeout=5
        ) as ws,
    ):  # type: ignore[arg-type]
        ws.recv(timeout=5)
    with connect(url, origin=server.url, additional_headers=headers, open_timeout=5) as ws:  # type: ignore[arg-type]
        assert hello(ws)["type"] == "welcome"


def test_a_token_never_reaches_the_server_log(server: Server, deal: Deal) -> None:
    """Apps authenticate with the Authorization header; a token put in the URL
    is refused (URLs are logged by servers and proxies) and the log shows no
    query string at all."""
    with ws_connect(server, deal.buyer) as ws:
        assert hello(ws)["type"] == "welcome"
    in_url = server.url.replace("http://", "ws://") + f"/ws?token={deal.seller.token}"
    with pytest.raises((ConnectionClosed, InvalidStatus)), connect(in_url, open_timeout=5) as ws:
        ws.recv(timeout=5)
    log = server.log.read_text(errors="replace")
    assert '"WebSocket /ws' in log  # the server does log sockets: this is the right log
    assert deal.seller.token not in log
    assert deal.buyer.token not in log
