"""A refused frame costs its sender that frame alone (issue 13).

A ``read`` frame for a conversation that does not exist is refused (404) and
its transaction rolls back. The socket used to keep the account as an ORM
instance of that transaction, now expired: every later send on the socket
failed with 503 until reconnect, and inside a group commit the error rolled
back the whole batch, so other users' sends failed too.
"""

from __future__ import annotations

import json
import secrets
import threading
from typing import Any

import httpx
from websockets.sync.client import ClientConnection

from tests.chat.conftest import Deal, frames, open_deal, ws_connect
from tests.conftest import DatabaseUnderTest, Server, query, signup
from tests.listings.conftest import Resident

NO_SUCH_CONVERSATION = 2**31 - 7


def send_frame(conversation_id: int, client_id: str, body: str) -> str:
    return json.dumps(
        {"type": "send", "conversation_id": conversation_id, "client_id": client_id, "body": body}
    )


def answer_to(ws: ClientConnection, client_id: str) -> dict[str, Any]:
    """The ack or error for ``client_id`` (other frames, such as deliveries, skipped)."""
    got = frames(
        ws,
        lambda f: f.get("type") in ("ack", "error") and f.get("client_id") == client_id,
        timeout=30,
    )
    return got[-1]


def refused_read(ws: ClientConnection) -> None:
    ws.send(json.dumps({"type": "read", "conversation_id": NO_SUCH_CONVERSATION, "seq": 1}))
    error = frames(ws, lambda f: f.get("type") == "error", timeout=30)[-1]
    assert error["status"] == 404, error


def new_client(server: Server) -> httpx.Client:
    ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    return httpx.Client(
        base_url=server.url, headers={"X-Forwarded-For": ip, "Accept-Language": "ko"}, timeout=30
    )


def stored_client_ids(database: DatabaseUnderTest, conversation_id: int) -> set[str]:
    rows = query(
        database, "SELECT client_id FROM messages WHERE conversation_id = :id", id=conversation_id
    )
    return {str(r[0]) for r in rows}


def talk(
    server: Server,
    who: Resident,
    conversation_id: int,
    count: int,
    acked: list[str],
    errors: list[dict[str, Any]],
) -> None:
    """``count`` legitimate sends on one socket, each answered before the next:
    the acknowledged client ids go to ``acked``, anything else to ``errors``."""
    with ws_connect(server, who) as ws:
        for n in range(count):
            client_id = f"{who.id}-{n}-{secrets.token_hex(4)}"
            ws.send(send_frame(conversation_id, client_id, f"메시지 {n}"))
            answer = answer_to(ws, client_id)
            if answer["type"] == "ack":
                acked.append(client_id)
            else:
                errors.append(answer)


def test_sends_after_a_refused_read_on_the_same_socket_succeed(
    server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    deal = open_deal(client)
    with ws_connect(server, deal.buyer) as ws:
        refused_read(ws)
        sent = []
        for n in range(3):
            client_id = f"after-refusal-{n}-{secrets.token_hex(4)}"
            ws.send(send_frame(deal.conversation_id, client_id, f"안녕하세요 {n}"))
            answer = answer_to(ws, client_id)
            assert answer["type"] == "ack", answer
            sent.append(client_id)
            refused_read(ws)  # and again between sends
    assert set(sent) <= stored_client_ids(database, deal.conversation_id)


def test_refused_frames_on_other_sockets_never_fail_legitimate_sends(
    server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    deal: Deal = open_deal(client)
    refusers = []
    for _ in range(8):
        with new_client(server) as c:
            refusers.append(signup(c))
    stop = threading.Event()
    problems: list[str] = []

    def refuse_forever(who: Any) -> None:
        """A read of a conversation that does not exist, then a send to one this
        account is not in (404): both refused, in the same batches as the others."""
        try:
            with ws_connect(server, who) as ws:  # type: ignore[arg-type]
                while not stop.is_set():
                    refused_read(ws)
                    client_id = secrets.token_hex(8)
                    ws.send(send_frame(deal.conversation_id, client_id, "끼어들기"))
                    answer = answer_to(ws, client_id)
                    if answer.get("status") != 404:
                        problems.append(f"refuser got {answer}")
        except Exception as exc:
            problems.append(f"refuser: {exc!r}")

    acked: list[str] = []
    errors: list[dict[str, Any]] = []

    def chat(who: Resident, count: int) -> None:
        talk(server, who, deal.conversation_id, count, acked, errors)

    noise = [threading.Thread(target=refuse_forever, args=(r,)) for r in refusers]
    talkers = [threading.Thread(target=chat, args=(p, 60)) for p in (deal.buyer, deal.seller)]
    for t in noise + talkers:
        t.start()
    for t in talkers:
        t.join(300)
    stop.set()
    for t in noise:
        t.join(60)

    assert not errors, errors[:5]
    assert len(acked) == 120
    assert set(acked) <= stored_client_ids(database, deal.conversation_id)
    assert not problems, problems[:5]


def test_an_id_beyond_64_bits_in_a_frame_is_refused_and_costs_nobody_else(
    server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    """A photo id beyond 64 bits once reached the database and failed the whole
    batch's check. Frames take the same bounded ids as every other input now:
    that send gets a 422, the sends beside it are stored. (A send that fails
    unexpectedly while storing fails alone: tests/chat/test_group_commit.py.)"""
    deal: Deal = open_deal(client)
    stop = threading.Event()
    bad_answers: list[dict[str, Any]] = []

    def send_bad_photos() -> None:
        with ws_connect(server, deal.buyer) as ws:
            while not stop.is_set():
                client_id = secrets.token_hex(8)
                ws.send(
                    json.dumps(
                        {
                            "type": "send",
                            "conversation_id": deal.conversation_id,
                            "client_id": client_id,
                            "photo_id": 2**70,
                        }
                    )
                )
                bad_answers.append(answer_to(ws, client_id))

    acked: list[str] = []
    errors: list[dict[str, Any]] = []

    def chat(who: Resident, count: int) -> None:
        talk(server, who, deal.conversation_id, count, acked, errors)

    noise = [threading.Thread(target=send_bad_photos) for _ in range(3)]
    talkers = [threading.Thread(target=chat, args=(p, 60)) for p in (deal.buyer, deal.seller)]
    for t in noise + talkers:
        t.start()
    for t in talkers:
        t.join(300)
    stop.set()
    for t in noise:
        t.join(60)

    assert not errors, errors[:5]
    assert len(acked) == 120
    assert set(acked) <= stored_client_ids(database, deal.conversation_id)
    assert bad_answers and all(a["type"] == "error" and a["status"] == 422 for a in bad_answers), (
        bad_answers[:3]
    )


def test_a_control_character_in_a_frame_is_a_bad_frame_and_nothing_is_stored(
    server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    """The rule every HTTP input follows (no C0 control characters but tab, LF
    and CR) holds for chat frames too: PostgreSQL cannot store a NUL."""
    deal = open_deal(client)
    with ws_connect(server, deal.buyer) as ws:
        client_id = f"nul-{secrets.token_hex(4)}"
        ws.send(send_frame(deal.conversation_id, client_id, "계좌\u0000번호"))
        answer = json.loads(ws.recv(timeout=30))
        while answer.get("type") not in ("error", "ack"):
            answer = json.loads(ws.recv(timeout=30))
        assert answer["type"] == "error" and answer["code"] == "bad_frame", answer
        fine = f"fine-{secrets.token_hex(4)}"
        ws.send(send_frame(deal.conversation_id, fine, "줄바꿈은\n괜찮아요"))
        assert answer_to(ws, fine)["type"] == "ack"
    stored = stored_client_ids(database, deal.conversation_id)
    assert fine in stored and client_id not in stored
