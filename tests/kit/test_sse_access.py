"""A live stream refuses a caller who may not have it before the response
starts (401/404), rather than answering 200 and failing inside the stream."""

from __future__ import annotations

import httpx

from tests.conftest import Account, Server, signup


def _status(client: httpx.Client, path: str, headers: dict[str, str]) -> tuple[int, str]:
    with client.stream("GET", path, headers=headers, timeout=10) as response:
        kind = response.headers.get("content-type", "")
        return response.status_code, kind


def test_streams_refuse_before_they_start(
    client: httpx.Client, account: Account, server: Server
) -> None:
    for path in ("/api/v1/notifications/stream", "/api/v1/me/inquiries/stream"):
        status, kind = _status(client, path, {})
        assert status == 401, path
        assert kind.startswith("application/problem+json")
        status, _ = _status(client, path, {"Authorization": "Bearer not-a-token"})
        assert status == 401, path

    # An inbox that exists (support's), asked for by a customer who is not its agent.
    started = client.post("/api/v1/support/inquiries", json={}, headers=account.auth)
    assert started.status_code == 201, started.text
    inbox_id = started.json()["inbox_id"]
    other = signup(client)
    for who in (account, other):
        status, kind = _status(client, f"/api/v1/inboxes/{inbox_id}/stream", who.auth)
        assert status == 404
        assert kind.startswith("application/problem+json")
    status, _ = _status(client, f"/api/v1/inboxes/{inbox_id}/stream", {})
    assert status == 401

    # Those who may, may.
    for path in ("/api/v1/notifications/stream", "/api/v1/me/inquiries/stream"):
        status, kind = _status(client, path, account.auth)
        assert status == 200
        assert kind.startswith("text/event-stream")
    assert "Traceback" not in server.log.read_text()
