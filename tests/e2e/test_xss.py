"""An XSS corpus rendered in the browser: every payload in every field people
write, shown on every page that shows it, in Chromium.

Each field's value is ``<tag><n>:<payload>`` (the tag names the field, n the
payload), so a page is checked both ways: the text appears on it, as text, and
nothing of it became markup. A page fails on a dialog (``alert``), on a script
error or a CSP refusal (tests/e2e/conftest.py), on any element carrying the
payloads' ``data-xss`` marker, any ``on*`` attribute, any ``javascript:`` link
or frame, or a template expression that was evaluated (``{{7*7}}`` shown as 49).

The content is written through the API (quick), the pages are read in the
browser, as A (who owns listings, shops and an inbox), S (a buyer and customer)
and O (an operator).
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page

from tests.business.test_business_api import verified_shop
from tests.conftest import Account, DatabaseUnderTest, Server, query, signup
from tests.e2e.conftest import NewContext, client_address
from tests.listings.conftest import Resident, make_resident, post

pytestmark = pytest.mark.browser

# Ten kinds of payload (and a couple of variants), each ≤ 55 characters so that
# it fits, with its tag, in the shortest fields (listing titles: 60).
PAYLOADS = [
    "<script data-xss>alert(1)</script>",
    '"><img src=x onerror=alert(1) data-xss>',
    "<svg onload=alert(1) data-xss>",
    '<a href="javascript:alert(1)" data-xss>x</a>',
    "javascript:alert(1)",
    '" autofocus onfocus=alert(1) data-xss="',
    "' onmouseover='alert(1)' data-xss='",
    "{{7*7}}xq ${7*7}xq #{7*7}xq",
    "</textarea></title><script data-xss>alert(1)</script>",
    '<iframe src="javascript:alert(1)" data-xss></iframe>',
    "<details open ontoggle=alert(1) data-xss>",
    '<div hx-get="/logout" hx-trigger="load" data-xss>',
    "';alert(1);//\";alert(1);//",
]
# Shop and menu names are 2–40 characters: the same kinds, shorter.
NAMES = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1) data-xss>",
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(1)",
    '" onfocus=alert(1) autofocus x="',
    "' onmouseover='alert(1)' x='",
    "{{7*7}}xq ${7*7}xq",
    "</title><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<p hx-get=/logout hx-trigger=load>",
    "';alert(1);//",
]
# Keywords are 1–30 characters.
SHORT = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "{{7*7}}xq",
    "';alert(1);//",
]

FIND_INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll('[data-xss]')) found.push('marker: ' + el.outerHTML.slice(0, 120));
  for (const el of document.querySelectorAll('a[href], iframe[src], form[action], [formaction]')) {
    const url = (el.getAttribute('href') || el.getAttribute('src') || el.getAttribute('action') || el.getAttribute('formaction') || '').trim().toLowerCase();
    if (url.startsWith('javascript:')) found.push('javascript url: ' + el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) found.push('handler: ' + el.outerHTML.slice(0, 120));
    }
  }
  for (const el of document.querySelectorAll('script')) {
    if (el.textContent.includes('alert(')) found.push('script: ' + el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('[hx-get="/logout"], [data-hx-get="/logout"]')) found.push('htmx: ' + el.outerHTML.slice(0, 120));
  if (document.body.innerText.includes('49xq')) found.push('a template expression was evaluated');
  return found;
}"""


def value(tag: str, n: int) -> str:
    return f"{tag}{n}:{PAYLOADS[n]}"


def name(tag: str, n: int) -> str:
    return f"{tag}{n}:{NAMES[n]}"


def all_values(tag: str) -> str:
    return "\n".join(value(tag, n) for n in range(len(PAYLOADS)))


# Reviews and replies hold at most 500 characters: the payloads in two halves.
HALVES = [list(range(7)), list(range(7, len(PAYLOADS)))]


def half(tag: str, h: int) -> str:
    return "\n".join(value(tag, n) for n in HALVES[h])


def ok(r: httpx.Response, *codes: int) -> Any:
    assert r.status_code in (codes or (200, 201)), f"{r.request.url}: {r.status_code} {r.text}"
    return r.json() if r.content else None


@dataclass
class Corpus:
    a: Resident
    s: Resident
    o: Resident
    owners: list[Resident] = field(default_factory=list)
    listings: list[int] = field(default_factory=list)
    businesses: list[int] = field(default_factory=list)
    articles: list[int] = field(default_factory=list)
    chat: int = 0
    inbox: int = 0
    inquiry: int = 0
    support_inbox: int = 0


def write_corpus(client: httpx.Client, database: DatabaseUnderTest) -> Corpus:
    a = make_resident(client, "역삼동")
    s = make_resident(client, "논현동", level=2)
    o = make_resident(client, "역삼동")
    # query() runs its own event loop: not in this thread while Playwright runs.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(
            query, database, "UPDATE users SET role = 'operator' WHERE id = :id", id=o.id
        ).result()
    c = Corpus(a, s, o)
    n_payloads = len(PAYLOADS)

    for n in range(n_payloads):
        listing = post(client, a, title=value("LT", n), description=all_values("LD"))
        c.listings.append(int(listing["id"]))
        ok(client.put(f"/api/v1/listings/{listing['id']}/like", headers=s.auth), 204)
    for keyword in SHORT:
        ok(client.post("/api/v1/me/keywords", json={"keyword": keyword}, headers=a.auth))

    # A chat about the first listing: every payload as a message, an appointment.
    chat = ok(client.post(f"/api/v1/listings/{c.listings[0]}/chat", headers=s.auth))
    c.chat = int(chat["id"])
    for n in range(n_payloads):
        ok(
            client.post(
                f"/api/v1/chats/{c.chat}/messages",
                json={"client_id": secrets.token_hex(8), "body": value("CM", n)},
                headers=s.auth,
            )
        )
    ok(
        client.put(
            f"/api/v1/chats/{c.chat}/appointment",
            json={"meet_at": "2030-01-05T10:00:00+09:00", "place": value("AP", 1)},
            headers=a.auth,
        )
    )
    # Deals on the second and third listings, with S's reviews (one half each).
    for h in (0, 1):
        listing_id = c.listings[1 + h]
        ok(client.post(f"/api/v1/listings/{listing_id}/chat", headers=s.auth))
        deal = ok(
            client.post(
                f"/api/v1/listings/{listing_id}/deal", json={"buyer_id": s.id}, headers=a.auth
            )
        )
        ok(
            client.post(
                f"/api/v1/deals/{deal['id']}/reviews",
                json={"rating": "good", "items": ["punctual"], "message": half("RV", h)},
                headers=s.auth,
            ),
            201,
        )

    # A shop per payload (the name is one line), each with news, a price list and
    # S's review with the owner's reply.
    for n in range(n_payloads):
        # Sign-ups are limited per address: each owner signs up from one of their own.
        with httpx.Client(
            base_url=client.base_url, headers={"X-Forwarded-For": client_address()}, timeout=30
        ) as own:
            owner = make_resident(own, "역삼동")
        c.owners.append(owner)
        shop = verified_shop(
            client,
            owner,
            name=name("N", n),
            description=all_values("BD"),
            address=value("BA", n),
            price_list=[{"name": name("M", n), "price": 1000, "note": value("PT", n)}],
        )
        bid = int(shop["id"])
        c.businesses.append(bid)
        ok(
            client.post(
                f"/api/v1/businesses/{bid}/posts",
                json={"title": value("NT", n), "content": all_values("NC")},
                headers=owner.auth,
            ),
            201,
        )
        review = ok(
            client.post(
                f"/api/v1/businesses/{bid}/reviews",
                json={"content": half("BR", n % 2)},
                headers=s.auth,
            ),
            201,
        )
        ok(
            client.put(
                f"/api/v1/businesses/{bid}/reviews/{review['id']}/reply",
                json={"content": half("RP", n % 2)},
                headers=owner.auth,
            )
        )
        ok(client.put(f"/api/v1/businesses/{bid}/follow", headers=s.auth), 204)

    # The first shop's inbox: S asks in every payload, the owner answers likewise.
    owner = c.owners[0]
    c.inbox = int(
        ok(client.get(f"/api/v1/businesses/{c.businesses[0]}/inbox", headers=owner.auth))["id"]
    )
    settings = ok(client.get(f"/api/v1/inboxes/{c.inbox}/settings", headers=owner.auth))
    body = {k: settings[k] for k in settings if k not in ("id", "business_id", "name")}
    body.update(greeting=value("GR", 2), away_message=value("AW", 3))
    ok(client.put(f"/api/v1/inboxes/{c.inbox}/settings", json=body, headers=owner.auth))
    ok(
        client.post(
            f"/api/v1/inboxes/{c.inbox}/saved-replies",
            json={"shortcut": "xss", "body": all_values("SR")},
            headers=owner.auth,
        ),
        201,
    )
    c.inquiry = int(
        ok(client.post(f"/api/v1/businesses/{c.businesses[0]}/inquiries", headers=s.auth), 201)[
            "id"
        ]
    )
    for n in range(n_payloads):
        ok(
            client.post(
                f"/api/v1/inquiries/{c.inquiry}/messages",
                json={"client_id": secrets.token_hex(8), "body": value("IQ", n)},
                headers=s.auth,
            )
        )
        ok(
            client.post(
                f"/api/v1/inboxes/{c.inbox}/conversations/{c.inquiry}/messages",
                json={"client_id": secrets.token_hex(8), "body": value("AR", n)},
                headers=owner.auth,
            )
        )
    ok(
        client.post("/api/v1/support/inquiries", json={"origin": value("OR", 1)}, headers=s.auth),
        201,
    )

    # Reports of A's listings, and the operators' help articles.
    for n in range(3):
        ok(
            client.post(
                "/api/v1/reports",
                json={
                    "target": "listing",
                    "target_id": c.listings[n],
                    "reason": "fraud",
                    "detail": half("RD", n % 2),
                },
                headers=s.auth,
            ),
            201,
        )
    for n in range(n_payloads):
        article = ok(
            client.post(
                "/api/v1/help/articles",
                json={"category": "trade", "title": value("HT", n), "content": all_values("HC")},
                headers=o.auth,
            ),
            201,
        )
        c.articles.append(int(article["id"]))
    return c


def signed_in(new_context: NewContext, server: Server, who: Account) -> BrowserContext:
    context = new_context()
    context.add_cookies([{"name": "dongne_session", "value": who.token, "url": server.url}])
    return context


def check_page(page: Page, url: str, shows: list[str], dialogs: list[str]) -> list[str]:
    """Open ``url``; what went wrong on it (an empty list: nothing)."""
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # let load-time handlers (onload, autofocus, htmx) fire
    problems = [f"{url}: {p}" for p in page.evaluate(FIND_INJECTED)]
    text = page.evaluate("() => document.body.innerText")
    for expected in shows:
        if expected not in text:
            problems.append(f"{url}: does not show {expected!r} as text")
    problems += [f"{url}: dialog {d}" for d in dialogs]
    dialogs.clear()
    return problems


def test_payloads_in_every_field_are_shown_as_text_on_every_page(
    new_context: NewContext, server: Server, client: httpx.Client, database: DatabaseUnderTest
) -> None:
    c = write_corpus(client, database)
    n_payloads = len(PAYLOADS)
    every = range(n_payloads)

    # Who looks at what; each page must show the listed values as text.
    visits: list[tuple[Account, str, list[str]]] = []
    for n in every:
        visits += [
            (c.s, f"/listings/{c.listings[n]}", [value("LT", n), value("LD", 0)]),
            (c.s, f"/businesses/{c.businesses[n]}", [name("N", n), value("NT", n)]),
            (c.s, f"/search?q={quote(PAYLOADS[n])}", []),
            (c.o, f"/help/articles/{c.articles[n]}", [value("HT", n), value("HC", n)]),
        ]
    visits += [
        (c.s, "/", [value("LT", n) for n in every]),
        (c.s, "/search?q=LT", []),
        (c.s, "/me/likes", [value("LT", n) for n in every]),
        (c.s, "/chats", []),
        (c.s, f"/chats/{c.chat}", [value("CM", n) for n in every] + [value("AP", 1)]),
        (c.s, "/news", [value("NT", n) for n in every]),
        (c.s, f"/businesses/{c.businesses[0]}/reviews", [value("BR", n) for n in HALVES[0]]),
        (c.s, f"/businesses/{c.businesses[1]}/reviews", [value("BR", n) for n in HALVES[1]]),
        (c.s, "/inquiries", []),
        (c.s, f"/inquiries/{c.inquiry}", [value("IQ", n) for n in every] + [value("AR", 0)]),
        (c.s, "/notifications", []),
        (c.s, "/me/purchases", []),
        # Listings 1 and 2 are sold: the list shows those on sale.
        (c.a, "/me/listings", [value("LT", n) for n in every if n not in (1, 2)]),
        (c.a, "/me/keywords", SHORT),
        (c.a, f"/chats/{c.chat}", [value("CM", n) for n in every]),
        (c.a, f"/users/{c.a.id}", []),
        (c.a, f"/listings/{c.listings[5]}/edit", []),
        (c.a, "/notifications", []),
        (c.owners[0], "/me/businesses", [name("N", 0)]),
        (c.owners[0], f"/businesses/{c.businesses[0]}/edit", []),
        (c.owners[0], f"/businesses/{c.businesses[0]}/staff", []),
        (c.owners[0], f"/inbox/{c.inbox}", []),
        (c.owners[0], f"/inbox/{c.inbox}/c/{c.inquiry}", [value("IQ", n) for n in every]),
        (c.owners[0], f"/inbox/{c.inbox}/settings", []),
        (c.o, "/help", [value("HT", n) for n in every]),
        (c.o, f"/help/articles/{c.articles[3]}/edit", []),
        (c.o, "/moderation", [value("RD", 0)]),
        (c.o, "/inbox", []),
    ]

    dialogs: list[str] = []
    pages: dict[int, Page] = {}

    def page_of(who: Account) -> Page:
        if who.id not in pages:
            p = signed_in(new_context, server, who).new_page()

            def on_dialog(d: Any) -> None:
                dialogs.append(f"{d.type}: {d.message}")
                d.dismiss()

            p.on("dialog", on_dialog)
            pages[who.id] = p
        return pages[who.id]

    problems: list[str] = []
    for who, url, shows in visits:
        problems += check_page(page_of(who), url, shows, dialogs)
    assert not problems, "\n".join(problems)


def test_nicknames_cannot_carry_markup(client: httpx.Client) -> None:
    """Nicknames are shown on most pages; they are limited to letters, digits and
    ``_ . -``, so no payload can be a nickname."""
    for payload in SHORT + PAYLOADS[:3]:
        r = client.post(
            "/api/v1/auth/signup",
            json={
                "email": f"x{secrets.token_hex(4)}@example.com",
                "nickname": payload[:12],
                "password": "correct horse battery",
            },
        )
        assert r.status_code == 422, (payload, r.text)
    signup(client)  # the same request with a plain nickname succeeds
