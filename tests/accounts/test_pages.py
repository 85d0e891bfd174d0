"""The HTML side: cookies, CSRF, language, error pages, privacy of the logs."""

from __future__ import annotations

import re
import time

import httpx

from tests.conftest import Server, signup


def csrf_of(client: httpx.Client, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "every form carries the CSRF token"
    return match.group(1)


def test_logging_in_through_the_form_sets_a_safe_session_cookie(client: httpx.Client) -> None:
    acc = signup(client)
    token = csrf_of(client)
    r = client.post(
        "/login?next=/neighbourhood",
        data={"email": acc.email, "password": acc.password, "csrf_token": token},
    )
    assert r.status_code == 303 and r.headers["location"] == "/neighbourhood"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("dongne_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/")
    assert acc.nickname in home.text


def test_a_form_without_the_csrf_token_is_refused(client: httpx.Client) -> None:
    acc = signup(client)
    client.get("/login")  # has the CSRF cookie, but the form does not echo it
    r = client.post("/login", data={"email": acc.email, "password": acc.password})
    assert r.status_code == 403
    assert "보안 토큰이 만료되었거나 올바르지 않습니다" in r.text
    assert "dongne_session" not in r.headers.get("set-cookie", "")
    forged = client.post(
        "/login", data={"email": acc.email, "password": acc.password, "csrf_token": "abc.def"}
    )
    assert forged.status_code == 403


def test_cookie_sessions_need_the_csrf_header_on_the_json_api(client: httpx.Client) -> None:
    acc = signup(client)
    token = csrf_of(client)
    client.post("/login", data={"email": acc.email, "password": acc.password, "csrf_token": token})
    body = {"neighbourhood_id": "1168010100", "latitude": 37.5, "longitude": 127.0385}
    refused = client.post("/api/v1/me/neighbourhoods/verify", json=body)
    assert refused.status_code == 403
    # The token from before signing in is not the session's (tokens are bound to it).
    stale = client.post(
        "/api/v1/me/neighbourhoods/verify", json=body, headers={"X-CSRF-Token": token}
    )
    assert stale.status_code == 403
    mine = client.cookies["dongne_csrf"]
    ok = client.post("/api/v1/me/neighbourhoods/verify", json=body, headers={"X-CSRF-Token": mine})
    assert ok.status_code == 200


def test_signup_form_errors_are_shown_per_field_and_nothing_is_created(
    client: httpx.Client,
) -> None:
    token = csrf_of(client, "/signup")
    r = client.post(
        "/signup",
        data={"email": "nope", "nickname": "이웃", "password": "short", "csrf_token": token},
    )
    assert r.status_code == 422
    assert "올바른 이메일 주소를 입력해 주세요." in r.text
    assert "비밀번호는 8자 이상이어야 해요." in r.text
    assert 'value="이웃"' in r.text  # what was typed is kept, the password is not


def test_language_switch_and_accept_language(client: httpx.Client) -> None:
    assert "회원가입" in client.get("/signup").text
    english = client.get("/signup", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Sign up" in english.text
    token = csrf_of(client, "/signup")
    switched = client.post("/lang", data={"lang": "en", "next": "/signup", "csrf_token": token})
    assert switched.status_code == 303 and switched.headers["location"] == "/signup"
    assert '<html lang="en">' in client.get("/signup").text
    evil = client.post("/lang", data={"lang": "en", "next": "//evil.example", "csrf_token": token})
    assert evil.headers["location"] == "/"


def test_unknown_pages_get_a_localised_404(client: httpx.Client) -> None:
    html = client.get("/no-such-page")
    assert html.status_code == 404 and "찾을 수 없습니다." in html.text
    api = client.get("/api/v1/no-such-thing", headers={"Accept-Language": "en"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["detail"] == "Not found."
    assert client.get("/neighbourhood").status_code == 303  # log in first


def test_security_headers_and_no_coordinates_in_the_access_log(
    client: httpx.Client, server: Server
) -> None:
    r = client.get("/api/v1/geo/reverse", params={"lat": 37.123456, "lon": 127.654321})
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    deadline = time.monotonic() + 5  # the line is written just after the response
    while "GET /api/v1/geo/reverse" not in (log := server.log.read_text()):
        assert time.monotonic() < deadline, "the request was not logged"
        time.sleep(0.05)
    assert "37.123456" not in log and "127.654321" not in log


def test_openapi_document_describes_the_api(client: httpx.Client) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/geo/reverse" in spec["paths"]
    assert "/api/v1/me/neighbourhoods/verify" in spec["paths"]
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_no_page_loads_anything_from_another_host(client: httpx.Client) -> None:
    for path in ("/", "/signup", "/login", "/docs"):
        page = client.get(path)
        assert page.status_code == 200
        assert not re.search(r'(src|href)="(https?:)?//', page.text), path
