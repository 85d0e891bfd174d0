"""The inbox is live over Server-Sent Events from a real server: an agent's
stream announces new conversations, messages, assignments and status changes;
after a dropped connection, Last-Event-ID brings every change missed."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import Account, DatabaseUnderTest, Server, signup, start_server, stop_server
from tests.inbox.conftest import Shop, answer, ask, say

MakeShop = Callable[..., Shop]


@contextmanager
def stream(
    server: Server, who: Account, path: str, last_event_id: str | None = None
) -> Iterator[queue.Queue[tuple[str, str, dict[str, object]]]]:
    """Read a stream in a thread; yields a queue of (event, id, data)."""
    events: queue.Queue[tuple[str, str, dict[str, object]]] = queue.Queue()
    stop = threading.Event()
    headers = dict(who.auth)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id

    def read() -> None:
        with (
            httpx.Client(base_url=server.url, timeout=httpx.Timeout(30, read=60)) as c,
            c.stream("GET", path, headers=headers) as r,
        ):
            name, eid, data = "message", "", ""
            for line in r.iter_lines():
                if stop.is_set():
                    return
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("id:"):
                    eid = line[3:].strip()
                elif line.startswith("data:"):
                    data += line[5:].strip()
                elif line == "" and data:
                    events.put((name, eid, json.loads(data)))
                    name, eid, data = "message", "", ""

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    try:
        yield events
    finally:
        stop.set()


def next_event(
    events: queue.Queue[tuple[str, str, dict[str, object]]], name: str
) -> tuple[str, dict[str, object]]:
    while True:
        event, eid, data = events.get(timeout=20)
        if event == name:
            return eid, data


def test_agents_hear_changes_live_and_resume_after_a_drop(
    client: httpx.Client, server: Server, shop: MakeShop
) -> None:
    s = shop(staff=1)
    path = f"/api/v1/inboxes/{s.inbox_id}/stream"
    customer = signup(client)
    with stream(server, s.staff[0], path) as events:
        next_event(events, "ready")
        c = ask(client, s, customer)
        _, first = next_event(events, "conversation")
        assert first["id"] == c["id"]
        say(client, customer, c["id"], "실시간으로 보이나요?")
        while True:
            last_id, data = next_event(events, "conversation")
            if data["preview"] == "실시간으로 보이나요?":
                break
        assert data["assignee_id"] in (s.owner.id, s.staff[0].id)
    # Disconnected: meanwhile the owner answers and resolves.
    answer(client, s.owner, s.inbox_id, c["id"], "네 보여요")
    client.post(
        f"/api/v1/inboxes/{s.inbox_id}/conversations/{c['id']}/status",
        json={"status": "resolved"},
        headers=s.owner.auth,
    )
    with stream(server, s.staff[0], path, last_event_id=last_id) as events:
        _, missed = next_event(events, "conversation")  # sent before "ready"
        assert missed["id"] == c["id"] and missed["status"] == "resolved"
        assert int(last_id) < int(missed["version"])  # type: ignore[call-overload]


def test_customers_hear_answers_but_not_notes(
    client: httpx.Client, server: Server, shop: MakeShop
) -> None:
    s = shop()
    customer = signup(client)
    c = ask(client, s, customer)
    with stream(server, customer, "/api/v1/me/inquiries/stream") as events:
        next_event(events, "ready")
        answer(client, s.owner, s.inbox_id, c["id"], "메모", note=True)
        answer(client, s.owner, s.inbox_id, c["id"], "안녕하세요, 무엇을 도와드릴까요?")
        _, notice = next_event(events, "change")
        assert notice["conversation_id"] == c["id"]
    seen = client.get(f"/api/v1/inquiries/{c['id']}/messages", headers=customer.auth).json()
    assert [m["body"] for m in seen] == ["안녕하세요, 무엇을 도와드릴까요?"]


def test_two_workers_through_redis_deliver_to_agents_on_either(
    client: httpx.Client,
    shop: MakeShop,
    database: DatabaseUnderTest,
    redis: str,
    tmp_path: Path,
) -> None:
    """The agent listens on worker A; the customer writes through worker B."""
    s = shop()
    customer = signup(client)
    c = ask(client, s, customer)
    a = start_server(database, tmp_path, DONGNE_REDIS_URL=redis)
    try:
        b = start_server(database, tmp_path, DONGNE_REDIS_URL=redis)
        try:
            with stream(a, s.owner, f"/api/v1/inboxes/{s.inbox_id}/stream") as events:
                next_event(events, "ready")
                with httpx.Client(base_url=b.url, timeout=30) as via_b:
                    assert say(via_b, customer, c["id"], "B에서 보냈어요").status_code == 201
                while True:
                    _, data = next_event(events, "conversation")
                    if data["preview"] == "B에서 보냈어요":
                        break
        finally:
            stop_server(b)
    finally:
        stop_server(a)
