"""The authorisation matrix: every route with an object id in its path (JSON API,
pages and form posts) and every WebSocket frame that names a conversation, tried
by B, a verified neighbour, against A's objects; and every operator route tried
by B, who is not an operator.

Each check states the answer expected (refusals are 403, or 404 where the app
does not admit that the object exists) and then proves, row by row in the
database, that none of A's objects changed. Where the app answers 404, the same
request for an id that does not exist must answer the same way: a refusal must
not tell an intruder that the object is there.

``test_every_route_with_an_id_is_in_the_matrix`` enumerates the app's routes:
a new route with a path parameter fails it until it has a row here.

A few routes with an id are open to B by design (public pages, or they act on
B's own relation to the object: liking a listing, following a shop, blocking a
person). They are listed in OPEN with the reason, and checked too: the answer
B gets, and that A's objects stay as they were.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from fastapi.routing import APIWebSocketRoute
from starlette.routing import BaseRoute
from websockets.sync.client import connect

from tests.conftest import DatabaseUnderTest, Mailbox, Server
from tests.security.conftest import client_address, inspected_app
from tests.security.world import Browser, Snapshots, World, browser_of, build, png

MISSING = 2**62  # an id no object has (a valid 64-bit integer)

# Which of the world's objects each path parameter names, by default.
PARAMS = {
    "listing_id": "listing",
    "conversation_id": "chat",
    "keyword_id": "keyword",
    "notification_id": "notification",
    "report_id": "report",
    "deal_id": "deal",
    "business_id": "business",
    "photo_id": "business_photo",
    "post_id": "post",
    "review_id": "business_review",
    "invitation_id": "invitation",
    "inbox_id": "inbox",
    "reply_id": "saved_reply",
    "article_id": "article",
    "user_id": "staff",
    "seq": "seq",
    "key": "insight",
    "neighbourhood_id": "neighbourhood",
}
DENIED = frozenset({403, 404})


@dataclass(frozen=True)
class Check:
    """``kind``: "api" (bearer token, JSON), "page" (B's browser: GET a page, or
    POST a form with the CSRF token)."""

    method: str
    route: str
    kind: str
    expect: frozenset[int] = DENIED
    body: Any = None
    ids: tuple[tuple[str, str], ...] = ()
    note: str = ""
    hidden: bool = False  # expected 404: the same answer for a missing object
    # For a missing object, when it is not the last id of the path: which ids to use.
    absent: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.method} {self.route}"


def api(method: str, route: str, body: Any = None, expect: int | None = None, **ids: str) -> Check:
    return Check(
        method,
        route,
        "api",
        frozenset({expect}) if expect else DENIED,
        body,
        tuple(ids.items()),
        hidden=expect == 404,
    )


def page(method: str, route: str, body: Any = None, expect: int | None = None, **ids: str) -> Check:
    return Check(
        method,
        route,
        "page",
        frozenset({expect}) if expect else DENIED,
        body,
        tuple(ids.items()),
        hidden=expect == 404,
    )


INQUIRY = {"conversation_id": "inquiry"}
LISTING_IN = {"title": "바꿔치기", "description": "남의 글", "category": "furniture", "price": 1}
MESSAGE = {"client_id": "intruder-1", "body": "끼어들기"}
NEXT_WEEK = {"meet_at": "2030-02-01T10:00:00+09:00", "place": "다른 곳", "reserve": True}
BUSINESS_IN = {"name": "가로채기", "category": "cafe", "description": "", "address": ""}
HOURS_IN = {"ranges": [{"weekday": 0, "opens": "00:00", "closes": "01:00"}]}
PHOTO = {"file": "a photo"}  # sent as a multipart upload
SETTINGS_IN = {"away_message": "x", "greeting": "x", "csat_enabled": False}

# B against A's objects (and S's, where A and S share them: chats, inquiries, deals).
INTRUDER: list[Check] = [
    # Listings (JSON)
    api("PUT", "/api/v1/listings/{listing_id}", LISTING_IN),
    api("DELETE", "/api/v1/listings/{listing_id}"),
    api("POST", "/api/v1/listings/{listing_id}/status", {"status": "reserved"}),
    api("POST", "/api/v1/listings/{listing_id}/hidden", {"hidden": True}),
    api("POST", "/api/v1/listings/{listing_id}/bump"),
    api("POST", "/api/v1/listings/{listing_id}/deal", {"buyer_id": None}),
    replace(
        api("GET", "/api/v1/listings/{listing_id}/deal", listing_id="sold_listing"),
        absent=(("listing_id", "listing"),),  # a listing of A's without a deal
    ),
    api("DELETE", "/api/v1/me/keywords/{keyword_id}"),
    api("DELETE", "/api/v1/me/neighbourhoods/{neighbourhood_id}"),
    api("PUT", "/api/v1/me/neighbourhoods/{neighbourhood_id}/range", {"level": 0}),
    api("POST", "/api/v1/me/neighbourhoods/{neighbourhood_id}/activate"),
    # Chats (JSON)
    api("GET", "/api/v1/chats/{conversation_id}"),
    api("GET", "/api/v1/chats/{conversation_id}/messages"),
    api("POST", "/api/v1/chats/{conversation_id}/messages", MESSAGE),
    api("POST", "/api/v1/chats/{conversation_id}/read", {"seq": 2}),
    api("PUT", "/api/v1/chats/{conversation_id}/appointment", NEXT_WEEK),
    api("DELETE", "/api/v1/chats/{conversation_id}/appointment"),
    api("POST", "/api/v1/chats/{conversation_id}/mute", {"muted": True}),
    api("POST", "/api/v1/chats/{conversation_id}/leave"),
    api("POST", "/api/v1/chats/{conversation_id}/block"),
    api("POST", "/api/v1/chats/{conversation_id}/messages/{seq}/reveal"),
    # Notifications, deals
    api(
        "POST",
        "/api/v1/deals/{deal_id}/reviews",
        {"rating": "bad", "items": ["late"], "message": "나빠요"},
    ),
    # Businesses (JSON)
    api("PUT", "/api/v1/businesses/{business_id}", BUSINESS_IN),
    api("POST", "/api/v1/businesses/{business_id}/verify", {"latitude": 37.5, "longitude": 127.03}),
    api("PUT", "/api/v1/businesses/{business_id}/hours", HOURS_IN),
    api("GET", "/api/v1/businesses/{business_id}/members"),
    api("DELETE", "/api/v1/businesses/{business_id}/members/{user_id}"),
    api("GET", "/api/v1/businesses/{business_id}/invitations"),
    api("POST", "/api/v1/businesses/{business_id}/invitations", {"email": "b@example.com"}),
    api("DELETE", "/api/v1/businesses/{business_id}/invitations/{invitation_id}"),
    api("POST", "/api/v1/businesses/{business_id}/posts", {"title": "가짜 소식", "content": ""}),
    api("DELETE", "/api/v1/businesses/{business_id}/posts/{post_id}"),
    api("DELETE", "/api/v1/businesses/{business_id}/reviews/{review_id}"),
    api(
        "PUT", "/api/v1/businesses/{business_id}/reviews/{review_id}/reply", {"content": "가짜 답"}
    ),
    api("GET", "/api/v1/businesses/{business_id}/inbox"),
    # Inquiries (S's) and A's inbox (JSON)
    api("GET", "/api/v1/inquiries/{conversation_id}", **INQUIRY),
    api("GET", "/api/v1/inquiries/{conversation_id}/messages", **INQUIRY),
    api("POST", "/api/v1/inquiries/{conversation_id}/messages", MESSAGE, **INQUIRY),
    api("POST", "/api/v1/inquiries/{conversation_id}/csat", {"score": 1}, **INQUIRY),
    api("GET", "/api/v1/inboxes/{inbox_id}/conversations"),
    api("GET", "/api/v1/inboxes/{inbox_id}/changes"),
    api("GET", "/api/v1/inboxes/{inbox_id}/conversations/{conversation_id}", **INQUIRY),
    api("GET", "/api/v1/inboxes/{inbox_id}/conversations/{conversation_id}/messages", **INQUIRY),
    api(
        "POST",
        "/api/v1/inboxes/{inbox_id}/conversations/{conversation_id}/messages",
        MESSAGE,
        **INQUIRY,
    ),
    api(
        "POST",
        "/api/v1/inboxes/{inbox_id}/conversations/{conversation_id}/assign",
        {"assignee_id": None},
        **INQUIRY,
    ),
    api(
        "POST",
        "/api/v1/inboxes/{inbox_id}/conversations/{conversation_id}/status",
        {"status": "resolved"},
        **INQUIRY,
    ),
    api(
        "PUT",
        "/api/v1/inboxes/{inbox_id}/conversations/{conversation_id}/labels",
        {"labels": ["x"]},
        **INQUIRY,
    ),
    api("GET", "/api/v1/inboxes/{inbox_id}/saved-replies"),
    api("POST", "/api/v1/inboxes/{inbox_id}/saved-replies", {"shortcut": "b", "body": "b"}),
    api("DELETE", "/api/v1/inboxes/{inbox_id}/saved-replies/{reply_id}"),
    api("GET", "/api/v1/inboxes/{inbox_id}/settings"),
    api("PUT", "/api/v1/inboxes/{inbox_id}/settings", SETTINGS_IN),
    api("GET", "/api/v1/inboxes/{inbox_id}/report"),
    api("GET", "/api/v1/inboxes/{inbox_id}/report.csv"),
    api("GET", "/api/v1/inboxes/{inbox_id}/stream"),
    # Listings (pages and forms)
    page("GET", "/listings/{listing_id}/edit"),
    page("POST", "/listings/{listing_id}/status", {"status": "reserved"}),
    page("POST", "/listings/{listing_id}/bump"),
    page("POST", "/listings/{listing_id}/hidden", {"hidden": "1"}),
    page("POST", "/listings/{listing_id}/delete"),
    page("GET", "/listings/{listing_id}/deal"),
    page("POST", "/listings/{listing_id}/deal", {"buyer_id": ""}),
    page("POST", "/me/keywords/{keyword_id}/delete"),
    # Chats (pages and forms)
    page("GET", "/chats/{conversation_id}"),
    page("GET", "/chats/{conversation_id}/row"),
    page("POST", "/chats/{conversation_id}/send", {"client_id": "intruder-2", "body": "끼어들기"}),
    page("POST", "/chats/{conversation_id}/mute", {"muted": "1"}),
    page("POST", "/chats/{conversation_id}/block"),
    page("POST", "/chats/{conversation_id}/unblock"),
    page("POST", "/chats/{conversation_id}/leave"),
    page("GET", "/deals/{deal_id}/review"),
    page("POST", "/deals/{deal_id}/review", {"rating": "bad", "items": "late"}),
    # Businesses (pages and forms)
    page("GET", "/businesses/{business_id}/edit"),
    page("POST", "/businesses/{business_id}/edit", BUSINESS_IN),
    page("POST", "/businesses/{business_id}/photos", PHOTO),
    page("POST", "/businesses/{business_id}/photos/{photo_id}/delete"),
    page("POST", "/businesses/{business_id}/posts", {"title": "가짜 소식", "content": ""}),
    page("POST", "/businesses/{business_id}/posts/{post_id}/delete"),
    page("GET", "/businesses/{business_id}/hours"),
    page("POST", "/businesses/{business_id}/hours"),
    page("GET", "/businesses/{business_id}/staff"),
    page("POST", "/businesses/{business_id}/staff/invite", {"email": "b@example.com"}),
    page("POST", "/businesses/{business_id}/staff/invitations/{invitation_id}/revoke"),
    page("POST", "/businesses/{business_id}/staff/{user_id}/remove"),
    page("POST", "/businesses/{business_id}/reviews/{review_id}/delete"),
    page("POST", "/businesses/{business_id}/reviews/{review_id}/reply", {"content": "가짜 답"}),
    # Inquiries and the inbox (pages and forms)
    page("GET", "/inquiries/{conversation_id}", **INQUIRY),
    page(
        "POST",
        "/inquiries/{conversation_id}/send",
        {"body": "끼어들기", "client_id": "i-3"},
        **INQUIRY,
    ),
    page("POST", "/inquiries/{conversation_id}/csat", {"score": "1"}, **INQUIRY),
    page("GET", "/inbox/{inbox_id}"),
    page("GET", "/inbox/{inbox_id}/c/{conversation_id}", **INQUIRY),
    page(
        "POST",
        "/inbox/{inbox_id}/c/{conversation_id}/send",
        {"body": "끼어들기", "client_id": "i-4"},
        **INQUIRY,
    ),
    page("POST", "/inbox/{inbox_id}/c/{conversation_id}/assign", {"assignee_id": ""}, **INQUIRY),
    page("POST", "/inbox/{inbox_id}/c/{conversation_id}/status", {"status": "resolved"}, **INQUIRY),
    page("POST", "/inbox/{inbox_id}/c/{conversation_id}/labels", {"labels": "x"}, **INQUIRY),
    page("GET", "/inbox/{inbox_id}/settings"),
    page("POST", "/inbox/{inbox_id}/settings", {"away_message": "x", "greeting": "x"}),
    page("POST", "/inbox/{inbox_id}/saved-replies", {"shortcut": "b", "body": "b"}),
    page("POST", "/inbox/{inbox_id}/saved-replies/{reply_id}/delete"),
    page("GET", "/inbox/{inbox_id}/report"),
]

# B, who is not an operator, against the operators' routes.
NON_OPERATOR: list[Check] = [
    api("GET", "/api/v1/moderation/reports"),
    api("GET", "/api/v1/moderation/audit"),
    api(
        "POST",
        "/api/v1/moderation/reports/{report_id}/actions",
        {"action": "dismiss", "policy": "fraud"},
    ),
    api("POST", "/api/v1/help/articles", {"category": "trade", "title": "가짜", "content": "가짜"}),
    api(
        "PUT",
        "/api/v1/help/articles/{article_id}",
        {"category": "trade", "title": "가짜", "content": "가짜"},
    ),
    page("GET", "/moderation"),
    page("GET", "/moderation/audit"),
    page("POST", "/moderation/reports/{report_id}/act", {"action": "dismiss", "policy": "fraud"}),
    page("GET", "/help/articles/new"),
    page("POST", "/help/articles/new", {"category": "trade", "title": "가짜", "content": "가짜"}),
    page("GET", "/help/articles/{article_id}/edit"),
    page(
        "POST",
        "/help/articles/{article_id}/edit",
        {"category": "trade", "title": "가짜", "content": "가짜"},
    ),
    page("GET", "/insights"),
    page("GET", "/insights/{key}"),
    page("GET", "/insights/{key}.csv"),
]

# Routes with an id that B may use on A's objects, and why.
OPEN: dict[str, tuple[Check, str]] = {
    c.name: (c, why)
    for c, why in [
        (api("GET", "/api/v1/listings/{listing_id}", expect=200), "a listing is public"),
        (api("GET", "/api/v1/listings/{listing_id}/related", expect=200), "public"),
        (api("PUT", "/api/v1/listings/{listing_id}/like", expect=204), "B's own like"),
        (api("DELETE", "/api/v1/listings/{listing_id}/like", expect=204), "B's own like"),
        (api("POST", "/api/v1/listings/{listing_id}/chat", expect=200), "B's own chat with A"),
        (page("GET", "/listings/{listing_id}", expect=200), "a listing is public"),
        (page("POST", "/listings/{listing_id}/like", {"liked": "1"}, expect=303), "B's own like"),
        (page("POST", "/listings/{listing_id}/chat", expect=303), "B's own chat with A"),
        (api("GET", "/api/v1/geo/neighbourhoods/{neighbourhood_id}", expect=200), "public data"),
        (api("GET", "/api/v1/users/{user_id}/profile", expect=200), "a profile is public"),
        (page("GET", "/users/{user_id}", expect=200), "a profile is public"),
        (api("GET", "/api/v1/businesses/{business_id}", expect=200), "a shop is public"),
        (api("GET", "/api/v1/businesses/{business_id}/hours", expect=200), "public"),
        (api("GET", "/api/v1/businesses/{business_id}/posts", expect=200), "public"),
        (api("GET", "/api/v1/businesses/{business_id}/reviews", expect=200), "public"),
        (api("GET", "/api/v1/businesses/{business_id}/reviews/{review_id}", expect=200), "public"),
        (api("PUT", "/api/v1/businesses/{business_id}/follow", expect=204), "B's own 단골"),
        (api("DELETE", "/api/v1/businesses/{business_id}/follow", expect=204), "B's own 단골"),
        (
            api(
                "POST",
                "/api/v1/businesses/{business_id}/reviews",
                {"content": "B가 쓴 후기예요. 좋아요."},
                expect=201,
            ),
            "B's own review",
        ),
        (api("POST", "/api/v1/businesses/{business_id}/inquiries", expect=201), "B's own inquiry"),
        (page("GET", "/businesses/{business_id}", expect=200), "a shop is public"),
        (page("GET", "/businesses/{business_id}/reviews", expect=200), "public"),
        (page("GET", "/businesses/{business_id}/reviews/section", expect=200), "public"),
        (page("GET", "/businesses/{business_id}/inquire-button", expect=200), "public"),
        (
            page("POST", "/businesses/{business_id}/follow", {"following": "1"}, expect=303),
            "B's own 단골",
        ),
        (
            api("POST", "/api/v1/notifications/{notification_id}/read", expect=204),
            "marks only the caller's own notifications, and answers alike for any id",
        ),
        (
            page(
                "POST",
                "/businesses/{business_id}/reviews",
                {"content": "B가 또 쓴 후기예요."},
                expect=303,
            ),
            "B's own review",
        ),
        (page("POST", "/businesses/{business_id}/inquire", expect=303), "B's own inquiry"),
        (api("GET", "/api/v1/help/articles/{article_id}", expect=200), "help is public"),
        (page("GET", "/help/articles/{article_id}", expect=200), "help is public"),
        (
            api("POST", "/api/v1/users/{user_id}/block", expect=204, user_id="blocked"),
            "B's own block list",
        ),
        (
            api("DELETE", "/api/v1/blocks/{user_id}", expect=204, user_id="blocked"),
            "B's own block list: A's block of the same person stays",
        ),
        (
            page("POST", "/users/{user_id}/block", expect=303, user_id="blocked"),
            "B's own block list",
        ),
        (
            page("POST", "/settings/blocks/{user_id}/unblock", expect=303, user_id="blocked"),
            "B's own block list: A's block stays",
        ),
    ]
}

# What an open route may change besides the counters on A's listing and shop.
MOVES = {
    # A new inquiry bumps the inbox's version and is assigned (last_assigned_at).
    "POST /api/v1/businesses/{business_id}/inquiries": {"inboxes", "inbox_agents"},
    "POST /businesses/{business_id}/inquire": {"inboxes", "inbox_agents"},
    # Reading an article counts a view.
    "GET /api/v1/help/articles/{article_id}": {"faq_articles"},
    "GET /help/articles/{article_id}": {"faq_articles"},
}

WS_FRAMES = ["send", "read", "sync", "hello"]

# Findings not fixed on this branch yet: each fails today, and must start passing
# (strict) when its fix is merged.
KNOWN: dict[str, str] = {}


def params(checks: list[Check]) -> list[Any]:
    return [
        pytest.param(
            c,
            id=c.name,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN[c.name])] if c.name in KNOWN else [],
        )
        for c in checks
    ]


def path_of(check: Check, ids: dict[str, Any], missing: bool = False) -> str:
    """The check's URL; with ``missing``, the object it names (the last id in the
    path, or the one ``absent`` says) replaced by one that does not exist."""
    chosen = dict(check.ids)
    if missing:
        chosen.update(check.absent)
    names = [p for p in re.findall(r"\{(\w+)\}", check.route) if p not in ("seq", "key")]
    target = names[-1] if names and missing and not check.absent else None

    def fill(match: re.Match[str]) -> str:
        param = match[1]
        if param == target:
            return "9999999999" if param == "neighbourhood_id" else str(MISSING)
        return str(ids[chosen.get(param, PARAMS[param])])

    return re.sub(r"\{(\w+)\}", fill, check.route)


@dataclass
class Matrix:
    world: World
    server: Server
    snapshots: Snapshots
    api: httpx.Client
    browser: Browser


@pytest.fixture(scope="module")
def matrix(server: Server, database: DatabaseUnderTest, mailbox: Mailbox) -> Iterator[Matrix]:
    with httpx.Client(
        base_url=server.url,
        headers={"X-Forwarded-For": client_address(), "Accept-Language": "ko"},
        timeout=30,
    ) as client:
        world = build(client, database, mailbox)
        snapshots = Snapshots(database, world)
        browser = browser_of(server, world.b)
        try:
            yield Matrix(world, server, snapshots, client, browser)
        finally:
            browser.client.close()
            snapshots.close()


def call(m: Matrix, check: Check, path: str) -> httpx.Response:
    if check.kind == "api":
        return m.api.request(
            check.method,
            path,
            json=check.body,
            headers=m.world.b.auth,
            timeout=httpx.Timeout(30, read=10),
        )
    if check.method == "GET":
        return m.browser.get(path)
    if check.body == PHOTO:
        return m.browser.post(path, files={"file": ("p.png", png(), "image/png")})
    return m.browser.post(path, check.body)


def run(m: Matrix, check: Check) -> None:
    before = m.snapshots.take()
    path = path_of(check, m.world.ids)
    response = call(m, check, path)
    after = m.snapshots.take()
    assert response.status_code in check.expect, (
        f"{check.name} as B: {response.status_code}, expected {sorted(check.expect)}: "
        f"{response.text[:300]}"
    )
    # A refusal of B's CSRF token would pass for a refusal of B: it must not be that.
    assert "보안 토큰" not in response.text, f"{check.name}: B's CSRF token was refused"
    changed = [name for name in before if before[name] != after[name]]
    assert not changed, f"{check.name} as B changed A's {changed}"
    assert m.world.secret not in response.text, f"{check.name} showed B what only A may see"
    if check.hidden or response.status_code == 404:
        other = call(m, check, path_of(check, m.world.ids, missing=True))
        assert other.status_code == response.status_code, (
            f"{check.name}: B gets {response.status_code} for A's object but "
            f"{other.status_code} for one that does not exist"
        )
        if check.kind == "api":
            assert other.json().get("detail") == response.json().get("detail"), check.name


@pytest.mark.parametrize("check", params(INTRUDER))
def test_b_cannot_use_a_s_objects(matrix: Matrix, check: Check) -> None:
    run(matrix, check)


@pytest.mark.parametrize("check", params(NON_OPERATOR))
def test_a_non_operator_cannot_use_operator_routes(matrix: Matrix, check: Check) -> None:
    run(matrix, check)


@pytest.mark.parametrize("check", [c for c, _ in OPEN.values()], ids=lambda c: c.name)
def test_open_routes_answer_b_and_leave_a_s_objects_alone(matrix: Matrix, check: Check) -> None:
    before = matrix.snapshots.take()
    response = call(matrix, check, path_of(check, matrix.world.ids))
    after = matrix.snapshots.take()
    assert response.status_code in check.expect, (
        f"{check.name} as B: {response.status_code}: {response.text[:300]}"
    )
    # What B does here may move counters on A's listing or shop (likes, 단골,
    # reviews) and what MOVES says; nothing else of A's may change.
    may_move = {"listings", "businesses"} | MOVES.get(check.name, set())
    changed = [n for n in before if before[n] != after[n] and n not in may_move]
    assert not changed, f"{check.name} as B changed A's {changed}"
    assert matrix.world.secret not in response.text, f"{check.name} showed B A's secrets"


@pytest.mark.parametrize("frame", WS_FRAMES)
def test_b_cannot_use_a_s_chat_over_the_websocket(matrix: Matrix, frame: str) -> None:
    m = matrix
    chat = m.world.ids["chat"]
    url = m.server.url.replace("http://", "ws://") + "/ws"
    messages = {
        "send": {"type": "send", "conversation_id": chat, "client_id": "ws-b", "body": "끼어들기"},
        "read": {"type": "read", "conversation_id": chat, "seq": 2},
        "sync": {"type": "sync", "conversation_id": chat, "after": 0},
        "hello": {"type": "hello", "cursors": {str(chat): 0}},
    }
    before = m.snapshots.take()
    with connect(
        url,
        open_timeout=10,
        additional_headers={**m.world.b.auth, "X-Forwarded-For": client_address()},
    ) as ws:
        ws.send(json.dumps(messages[frame]))
        ws.send(json.dumps({"type": "ping"}))
        got: list[dict[str, Any]] = []
        while not got or got[-1].get("type") != "pong":
            got.append(json.loads(ws.recv(timeout=10)))
    after = m.snapshots.take()
    leaked = [f for f in got if f.get("conversation_id") == chat and f.get("type") != "error"]
    leaked += [f for f in got if str(chat) in (f.get("conversations") or {})]
    assert not leaked, f"B learnt about A's chat: {leaked}"
    if frame != "hello":
        errors = [f for f in got if f.get("type") == "error"]
        assert errors and errors[0]["status"] in DENIED, got
    assert before == after, f"the {frame} frame changed A's chat"


def _routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        # FastAPI ≥ 0.16x keeps an included router as one entry: walk into it.
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def all_routes() -> set[str]:
    found = set()
    for route in _routes(inspected_app().routes):
        path = getattr(route, "path", "")
        if isinstance(route, APIWebSocketRoute):
            found.add(f"WS {path}")
        else:
            found |= {f"{m} {path}" for m in getattr(route, "methods", None) or () if m != "HEAD"}
    return found


def test_every_route_with_an_id_is_in_the_matrix() -> None:
    known = {c.name for c in INTRUDER + NON_OPERATOR} | set(OPEN) | {"WS /ws"}
    routes = all_routes()
    assert len(routes) > 200, "the walk over the app's routes found too few: has FastAPI changed?"
    missing = sorted(r for r in routes - known if "{" in r or r.startswith("WS "))
    assert not missing, f"routes with an id but no row in the authorisation matrix: {missing}"
    stale = sorted(known - routes)
    assert not stale, f"rows for routes the app no longer has: {stale}"


def test_the_matrix_is_at_least_as_broad_as_the_probe() -> None:
    """Issue 13: the probing ran 139 checks."""
    assert len(INTRUDER) + len(NON_OPERATOR) + len(OPEN) + len(WS_FRAMES) >= 139
