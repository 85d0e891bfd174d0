"""Headers that keep private answers private: no-store for anyone signed in,
HSTS in production, Allow on 405, and CSRF tokens bound to the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dongne.kit.security import CsrfTokens, session_binding
from tests.conftest import Account, DatabaseUnderTest, Server, start_server, stop_server


def test_signed_in_answers_are_not_stored(client: httpx.Client, account: Account) -> None:
    for path in ("/api/v1/me", "/api/v1/chats", "/api/v1/me/neighbourhoods"):
        response = client.get(path, headers=account.auth)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    # A browser session: the private chat list must not come back from the cache.
    client.get("/login")
    login = client.post(
        "/login",
        data={
            "email": account.email,
            "password": account.password,
            "csrf_token": client.cookies["dongne_csrf"],
        },
    )
    assert login.status_code == 303, login.text
    chats = client.get("/chats")
    assert chats.status_code == 200
    assert chats.headers["cache-control"] == "no-store"
    client.cookies.clear()
    anonymous = client.get("/api/v1/categories")
    assert "no-store" not in anonymous.headers.get("cache-control", "")
    assert "strict-transport-security" not in anonymous.headers  # not production


def test_a_405_says_what_is_allowed(client: httpx.Client) -> None:
    for path in ("/api/v1/me", "/login"):
        response = client.request("PATCH", path)
        assert response.status_code == 405
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert "GET" in allowed, path


def test_a_csrf_token_belongs_to_one_session(client: httpx.Client, account: Account) -> None:
    client.get("/login")
    before = client.cookies["dongne_csrf"]
    login = client.post(
        "/login", data={"email": account.email, "password": account.password, "csrf_token": before}
    )
    assert login.status_code == 303
    after = login.cookies["dongne_csrf"]  # signing in hands out a token for the session
    assert after != before
    # The token from before sign-in (one an attacker could have planted) is refused.
    client.cookies.set("dongne_csrf", before)
    refused = client.post("/lang", data={"lang": "ko", "csrf_token": before})
    assert refused.status_code == 403
    client.cookies.set("dongne_csrf", after)
    accepted = client.post("/lang", data={"lang": "ko", "csrf_token": after})
    assert accepted.status_code == 303


def test_tokens_are_signed_for_their_session() -> None:
    tokens = CsrfTokens("secret")
    mine = tokens.new(session_binding("session-a"))
    assert tokens.is_valid(mine, session_binding("session-a"))
    assert not tokens.is_valid(mine, session_binding("session-b"))
    assert not tokens.is_valid(mine, session_binding(None))


@pytest.fixture
def production(database: DatabaseUnderTest, tmp_path: Path) -> Iterator[Server]:
    server = start_server(
        database,
        tmp_path,
        DONGNE_ENV="production",
        DONGNE_SECRET_KEY="s" * 40,
        DONGNE_PASSWORD_HASH_PROFILE="recommended",  # the test profile is refused here
    )
    yield server
    stop_server(server)


def test_production_asks_for_https_from_now_on(production: Server) -> None:
    response = httpx.get(f"{production.url}/healthz")
    hsts = response.headers["strict-transport-security"]
    assert "max-age=63072000" in hsts
