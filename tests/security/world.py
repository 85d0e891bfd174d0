"""A small neighbourhood for the authorisation matrix, made through the API as
people would: A owns one of everything, S deals with A, O is an operator and B
(the intruder) is a verified neighbour who owns nothing of theirs.

``snapshot()`` reads every row of A's (and S's) objects straight from the
database, so a check can prove that a refused request changed nothing.
"""

from __future__ import annotations

import asyncio
import io
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from PIL import Image
from sqlalchemy import text

from dongne.db import make_engine
from tests.conftest import Account, DatabaseUnderTest, Mailbox, Server, query, signup, unique
from tests.listings.conftest import PLACES, Resident, make_resident, post
from tests.security.conftest import client_address


@dataclass
class Browser:
    """A person's browser: their session cookie, and the CSRF token to echo."""

    client: httpx.Client
    csrf: str

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def post(
        self, path: str, data: dict[str, str] | None = None, files: dict[str, Any] | None = None
    ) -> httpx.Response:
        return self.client.post(path, data={**(data or {}), "csrf_token": self.csrf}, files=files)


def browser_of(server: Server, who: Account) -> Browser:
    client = httpx.Client(
        base_url=server.url,
        headers={"X-Forwarded-For": client_address(), "Accept-Language": "ko"},
        timeout=30,
        follow_redirects=False,
    )
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, "the login form carries the CSRF token"
    r = client.post(
        "/login", data={"email": who.email, "password": who.password, "csrf_token": found[1]}
    )
    assert r.status_code == 303, r.text
    csrf = client.cookies.get("dongne_csrf")
    assert csrf
    return Browser(client, csrf)


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def ok(r: httpx.Response, *codes: int) -> dict[str, Any]:
    assert r.status_code in (codes or (200, 201)), (
        f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    )
    return (
        r.json()
        if r.content and r.headers.get("content-type", "").startswith("application/json")
        else {}
    )


@dataclass
class World:
    a: Resident  # owns everything below
    s: Resident  # A's buyer and shop customer
    b: Resident  # the intruder: a verified neighbour of A's
    o: Resident  # an operator
    staff: Account  # works at A's shop
    x: Account  # someone A blocked
    ids: dict[str, Any] = field(default_factory=dict)
    # In everything only A, S or A's staff may read (chats, the inbox, keywords,
    # reports): no answer to B may contain it.
    secret: str = field(default_factory=lambda: f"비밀{secrets.token_hex(6)}")


def build(client: httpx.Client, database: DatabaseUnderTest, mailbox: Mailbox) -> World:
    a = make_resident(client, "역삼동")
    s = make_resident(client, "논현동", level=1)
    b = make_resident(client, "논현동", level=2)
    o = make_resident(client, "역삼동")
    query(database, "UPDATE users SET role = 'operator' WHERE id = :id", id=o.id)
    staff = signup(client)
    x = signup(client)
    w = World(a, s, b, o, staff, x)
    ids = w.ids

    # Listings: one on sale, chatted about; one sold to S (a deal, with reviews).
    listing = post(client, a, title="원목 식탁 팝니다")
    ids["listing"] = listing["id"]
    chat = ok(client.post(f"/api/v1/listings/{listing['id']}/chat", headers=s.auth))
    ids["chat"] = chat["id"]
    for who, body in ((s, f"식탁 아직 있나요? {w.secret}"), (a, f"네 있어요 {w.secret}")):
        ok(
            client.post(
                f"/api/v1/chats/{chat['id']}/messages",
                json={"client_id": secrets.token_hex(8), "body": body},
                headers=who.auth,
            )
        )
    ids["seq"] = 1
    ok(
        client.put(
            f"/api/v1/chats/{chat['id']}/appointment",
            json={"meet_at": "2030-01-05T10:00:00+09:00", "place": f"역삼역 3번 출구 {w.secret}"},
            headers=a.auth,
        )
    )
    sold = post(client, a, title="의자 팝니다")
    ids["sold_listing"] = sold["id"]
    chat2 = ok(client.post(f"/api/v1/listings/{sold['id']}/chat", headers=s.auth))
    ids["sold_chat"] = chat2["id"]
    deal = ok(
        client.post(f"/api/v1/listings/{sold['id']}/deal", json={"buyer_id": s.id}, headers=a.auth)
    )
    ids["deal"] = deal["id"]
    ok(
        client.post(
            f"/api/v1/deals/{deal['id']}/reviews",
            json={"rating": "good", "items": ["punctual"], "message": "좋아요"},
            headers=s.auth,
        )
    )
    notes = ok(client.get("/api/v1/notifications", headers=a.auth))["items"]
    ids["notification"] = notes[0]["id"]
    ids["keyword"] = ok(
        client.post("/api/v1/me/keywords", json={"keyword": w.secret}, headers=a.auth)
    )["id"]
    ok(client.post(f"/api/v1/users/{x.id}/block", headers=a.auth), 204)
    ids["blocked"] = x.id
    ids["neighbourhood"] = PLACES["역삼동"][0]

    # A shop, verified, with a photo, hours, staff, an open invitation, news and a review.
    from tests.business.test_business_api import verified_shop

    shop = verified_shop(client, a)
    ids["business"] = shop["id"]
    photo = ok(
        client.post("/api/v1/photos", files={"file": ("p.png", png(), "image/png")}, headers=a.auth)
    )
    current = ok(client.get(f"/api/v1/businesses/{shop['id']}", headers=a.auth))
    ok(
        client.put(
            f"/api/v1/businesses/{shop['id']}",
            json={
                "name": current["name"],
                "category": current["category"],
                "description": current["description"],
                "address": current["address"],
                "photo_ids": [photo["id"]],
            },
            headers=a.auth,
        )
    )
    ids["business_photo"] = photo["id"]
    ok(
        client.post(
            f"/api/v1/businesses/{shop['id']}/invitations",
            json={"email": staff.email},
            headers=a.auth,
        ),
        201,
    )
    token = parse_qs(urlsplit(mailbox.link(staff.email)).query)["token"][0]
    ok(
        client.post(
            "/api/v1/business-invitations/accept", json={"token": token}, headers=staff.auth
        )
    )
    ids["staff"] = staff.id
    invitation = ok(
        client.post(
            f"/api/v1/businesses/{shop['id']}/invitations",
            json={"email": f"{unique()}@example.com"},
            headers=a.auth,
        ),
        201,
    )
    ids["invitation"] = invitation["id"]
    ids["post"] = ok(
        client.post(
            f"/api/v1/businesses/{shop['id']}/posts",
            json={"title": "오늘의 빵", "content": "소금빵 나왔어요"},
            headers=a.auth,
        ),
        201,
    )["id"]
    review = ok(
        client.post(
            f"/api/v1/businesses/{shop['id']}/reviews",
            json={"content": "빵이 맛있어요. 또 올게요!"},
            headers=s.auth,
        ),
        201,
    )
    ids["business_review"] = review["id"]
    ok(
        client.put(
            f"/api/v1/businesses/{shop['id']}/reviews/{review['id']}/reply",
            json={"content": "감사합니다!"},
            headers=a.auth,
        )
    )

    # Its inbox: S's inquiry, a saved reply.
    inbox = ok(client.get(f"/api/v1/businesses/{shop['id']}/inbox", headers=a.auth))
    ids["inbox"] = inbox["id"]
    inquiry = ok(client.post(f"/api/v1/businesses/{shop['id']}/inquiries", headers=s.auth), 201)
    ids["inquiry"] = inquiry["id"]
    ok(
        client.post(
            f"/api/v1/inquiries/{inquiry['id']}/messages",
            json={"client_id": secrets.token_hex(8), "body": f"주말에도 여나요? {w.secret}"},
            headers=s.auth,
        )
    )
    ids["saved_reply"] = ok(
        client.post(
            f"/api/v1/inboxes/{inbox['id']}/saved-replies",
            json={"shortcut": "hello", "body": f"안녕하세요! {w.secret}"},
            headers=a.auth,
        ),
        201,
    )["id"]

    # Trust: S reports A's listing; the operator writes a help article.
    ids["report"] = ok(
        client.post(
            "/api/v1/reports",
            json={
                "target": "listing",
                "target_id": listing["id"],
                "reason": "fraud",
                "detail": w.secret,
            },
            headers=s.auth,
        ),
        201,
    )["id"]
    ids["article"] = ok(
        client.post(
            "/api/v1/help/articles",
            json={"category": "trade", "title": "안전한 거래", "content": "직거래를 하세요"},
            headers=o.auth,
        ),
        201,
    )["id"]
    ids["insight"] = "activity"
    return w


# Every row of A's (and S's) things, read straight from the database.
SNAPSHOT = {
    "listings": "SELECT * FROM listings WHERE id IN (:listing, :sold_listing)",
    "listing_photos": "SELECT * FROM listing_photos WHERE listing_id IN (:listing, :sold_listing)",
    "conversations": "SELECT * FROM conversations WHERE id IN (:chat, :sold_chat)",
    "chat_participants": "SELECT * FROM chat_participants WHERE conversation_id IN (:chat, :sold_chat)",
    "messages": "SELECT * FROM messages WHERE conversation_id IN (:chat, :sold_chat)",
    "appointments": "SELECT * FROM appointments WHERE conversation_id IN (:chat, :sold_chat)",
    "deals": "SELECT * FROM deals WHERE id = :deal",
    "reviews": "SELECT * FROM reviews WHERE deal_id = :deal",
    "notifications": "SELECT * FROM notifications WHERE id = :notification",
    "keyword_alerts": "SELECT * FROM keyword_alerts WHERE id = :keyword",
    "blocks": "SELECT * FROM blocks WHERE blocker_id = :a",
    "user_neighbourhoods": "SELECT * FROM user_neighbourhoods WHERE user_id = :a",
    "businesses": "SELECT * FROM businesses WHERE id = :business",
    "business_members": "SELECT * FROM business_members WHERE business_id = :business",
    "business_invitations": "SELECT * FROM business_invitations WHERE business_id = :business",
    "business_hours": "SELECT * FROM business_hours WHERE business_id = :business",
    "business_photos": "SELECT * FROM business_photos WHERE business_id = :business",
    "business_posts": "SELECT * FROM business_posts WHERE business_id = :business",
    "business_reviews": "SELECT * FROM business_reviews WHERE id = :business_review",
    "inboxes": "SELECT * FROM inboxes WHERE id = :inbox",
    "inbox_agents": "SELECT * FROM inbox_agents WHERE inbox_id = :inbox",
    "inbox_conversations": "SELECT * FROM inbox_conversations WHERE id = :inquiry",
    "inbox_messages": "SELECT * FROM inbox_messages WHERE conversation_id = :inquiry",
    "inbox_saved_replies": "SELECT * FROM inbox_saved_replies WHERE inbox_id = :inbox",
    "reports": "SELECT * FROM reports WHERE id = :report",
    "moderation_actions": "SELECT * FROM moderation_actions WHERE report_id = :report",
    "faq_articles": "SELECT * FROM faq_articles WHERE id = :article",
}


class Snapshots:
    """One connection for the whole matrix: each snapshot reads every table above."""

    def __init__(self, database: DatabaseUnderTest, world: World) -> None:
        self._runner = asyncio.Runner()
        self._engine = make_engine(database.url)
        self._params = {
            k: v for k, v in world.ids.items() if isinstance(v, int) and not isinstance(v, bool)
        }
        self._params["a"] = world.a.id

    def take(self) -> dict[str, list[tuple[Any, ...]]]:
        async def read() -> dict[str, list[tuple[Any, ...]]]:
            found: dict[str, list[tuple[Any, ...]]] = {}
            async with self._engine.connect() as conn:
                for name, sql in SNAPSHOT.items():
                    used = {k: v for k, v in self._params.items() if f":{k}" in sql}
                    rows = (await conn.execute(text(sql), used)).fetchall()
                    found[name] = sorted((tuple(r) for r in rows), key=repr)
            return found

        return self._runner.run(read())

    def close(self) -> None:
        self._runner.run(self._engine.dispose())
        self._runner.close()
