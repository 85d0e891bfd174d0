"""Control characters in anything a client sends are a 422, never a 500
(PostgreSQL cannot store NUL in text; the driver raised)."""

from __future__ import annotations

import httpx
import pytest

from dongne.kit.inputs import find_control_character
from tests.conftest import Account, Server

QUERIES = [
    "/api/v1/listings/feed?neighbourhood_id=%00",
    "/api/v1/listings/search?q=%00",
    "/api/v1/listings/search?q=%EC%9E%90%1F",
    "/api/v1/listings/search?q=a&neighbourhood_id=11%00",
    "/api/v1/listings/suggest?q=%7F",
    "/api/v1/news/feed?neighbourhood_id=%00",
    "/api/v1/geo/neighbourhoods/11%00",
    "/api/v1/geo/neighbourhoods?q=%00",
    "/search?q=%00",
    "/news?neighbourhood_id=%00",
]


@pytest.mark.parametrize("path", QUERIES)
def test_a_control_character_in_a_path_or_query_is_refused(
    client: httpx.Client, account: Account, path: str
) -> None:
    for headers in ({}, account.auth):
        response = client.get(path, headers=headers)
        assert response.status_code == 422, (path, response.status_code, response.text[:300])
        if path.startswith("/api/"):
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "제어 문자" in response.json()["errors"][0]["message"]
        else:
            assert response.headers["content-type"].startswith("text/html")


def test_a_control_character_in_a_json_body_is_refused(
    client: httpx.Client, account: Account, server: Server
) -> None:
    cases = [
        ("/api/v1/auth/token", {"email": "a\u0000@example.com", "password": "x" * 10}, {}),
        (
            "/api/v1/auth/signup",
            {"email": "b@example.com", "nickname": "이웃\u0000", "password": "x" * 10},
            {},
        ),
        ("/api/v1/support/inquiries", {"origin": "/help\u0000"}, account.auth),
        ("/api/v1/support/inquiries", {"origin": "/help\u0008"}, account.auth),
        (
            "/api/v1/listings",
            {
                "title": "자전거\u007f",
                "description": "타던 자전거",
                "price": 1000,
                "category": "sports",
            },
            account.auth,
        ),
        (
            "/api/v1/reports",
            {"target": "user", "target_id": 1, "reason": "spam", "detail": "\u0000"},
            account.auth,
        ),
    ]
    for path, body, headers in cases:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 422, (path, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] in body, response.text
    assert "Traceback" not in server.log.read_text()


def test_tabs_and_line_breaks_stay_allowed_in_texts(client: httpx.Client, account: Account) -> None:
    response = client.post(
        "/api/v1/support/inquiries", json={"origin": "/help\tline\r\nnext"}, headers=account.auth
    )
    assert response.status_code == 201, response.text


def test_a_control_character_in_a_form_is_refused(client: httpx.Client) -> None:
    page = client.get("/login")
    csrf = page.cookies["dongne_csrf"]
    response = client.post(
        "/login",
        data={"email": "a\x00@example.com", "password": "x" * 10, "csrf_token": csrf},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")


def test_the_walk_names_the_field() -> None:
    assert find_control_character({"a": [{"b": "x\x00"}]}) == "a.0.b"
    assert find_control_character({"a\x01": 1}) == "a\x01"
    assert find_control_character(["ok", "\t\n\r"]) is None
    assert find_control_character("\x7f") == ""
