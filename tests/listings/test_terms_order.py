"""The postings in listing_terms carry copies of their listing's sort_at and is_listed
(search filters and orders by them without reading listings); every change that moves
either keeps the copies in step. Ranges are read once per process; likes stay idempotent
under concurrent requests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from dongne import migrate
from dongne.db import make_engine
from dongne.listings import queries
from tests.conftest import DatabaseUnderTest, query
from tests.listings.conftest import PLACES, Resident, age, feed_ids, make_resident, post, search_ids
from tests.trust.test_moderation_api import act, make_operator, report

Make = Callable[..., Resident]
YEOKSAM = PLACES["역삼동"][0]


def assert_in_step(database: DatabaseUnderTest, listing_id: int) -> bool:
    """Every posting of the listing holds the listing's own sort_at and is_listed; returns
    is_listed."""
    rows = query(
        database,
        "SELECT t.sort_at = l.sort_at, t.is_listed = l.is_listed, l.is_listed "
        "FROM listing_terms t JOIN listings l ON l.id = t.listing_id WHERE l.id = :i",
        i=listing_id,
    )
    assert rows, "the listing has no search terms"
    assert all(bool(same_time) and bool(same_flag) for same_time, same_flag, _ in rows), rows
    return bool(rows[0][2])


def test_bump_hide_unhide_edit_state_and_delete_keep_the_copies_in_step(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    word = "삼각대"
    seller = resident("논현동", level=0)
    viewer = resident("논현동", level=0)
    old = post(client, seller, title=f"오래된 {word} 팝니다")
    new = post(client, seller, title=f"새 {word} 팝니다")
    assert assert_in_step(database, int(old["id"]))  # posting writes the copies
    age(database, int(old["id"]))
    assert search_ids(client, viewer, word)[:2] == [new["id"], old["id"]]

    def call(method: str, path: str, **body: object) -> None:
        r = client.request(method, path, json=body or None, headers=seller.auth)
        assert r.status_code in (200, 204), r.text

    base = f"/api/v1/listings/{old['id']}"
    call("POST", f"{base}/bump")  # the bump's new sort_at reaches the postings
    assert assert_in_step(database, int(old["id"]))
    assert search_ids(client, viewer, word)[:2] == [old["id"], new["id"]]

    call("POST", f"{base}/hidden", hidden=True)
    assert not assert_in_step(database, int(old["id"]))
    assert old["id"] not in search_ids(client, viewer, word)

    call("POST", f"{base}/hidden", hidden=False)
    assert assert_in_step(database, int(old["id"]))
    assert search_ids(client, viewer, word)[:2] == [old["id"], new["id"]]

    call("POST", f"{base}/status", status="sold")  # not copied: filtered through listings
    assert assert_in_step(database, int(old["id"]))
    assert old["id"] in search_ids(client, viewer, word)
    assert old["id"] not in search_ids(client, viewer, word, hide_sold=True)

    call("PUT", base, title=f"고친 {word}", description="", category="hobby", price=5000)
    assert assert_in_step(database, int(old["id"]))  # re-indexed with the copies
    assert search_ids(client, viewer, "고친") == [old["id"]]

    call("DELETE", base)
    assert not assert_in_step(database, int(old["id"]))
    assert old["id"] not in search_ids(client, viewer, word)
    assert search_ids(client, viewer, word) == [new["id"]]


def test_an_operators_takedown_and_a_ban_keep_the_copies_in_step(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    operator = make_operator(client, database)
    seller = make_resident(client, "역삼동")
    viewer = make_resident(client, "역삼동")
    word = "캠핑의자"
    first = post(client, seller, title=f"{word} 하나")
    second = post(client, seller, title=f"{word} 둘")
    assert set(search_ids(client, viewer, word)) >= {first["id"], second["id"]}

    r = report(client, viewer, "listing", int(first["id"]))  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    taken = act(client, operator, r.json()["id"], action="hide_listing", policy="fraud")
    assert taken.status_code == 201, taken.text
    assert not assert_in_step(database, int(first["id"]))
    found = search_ids(client, viewer, word)
    assert first["id"] not in found and second["id"] in found

    r = report(client, viewer, "user", seller.id)
    assert r.status_code == 201, r.text
    assert act(client, operator, r.json()["id"], action="ban", policy="fraud").status_code == 201
    assert not assert_in_step(database, int(second["id"]))
    assert second["id"] not in search_ids(client, viewer, word)
    assert second["id"] not in feed_ids(client, viewer)


def test_concurrent_likes_of_the_same_listing_count_once(
    client: httpx.Client, resident: Make, database: DatabaseUnderTest
) -> None:
    seller = resident("논현동", level=0)
    fan = resident("논현동", level=0)
    item = post(client, seller)
    url = f"/api/v1/listings/{item['id']}/like"
    headers = {**fan.auth, **{k: v for k, v in client.headers.items() if k == "x-forwarded-for"}}

    def twice_at_once(method: str) -> list[int]:
        """Two identical requests released together, each on its own connection."""
        barrier = threading.Barrier(2)
        codes: list[int] = []

        def one() -> None:
            with httpx.Client(base_url=str(client.base_url), timeout=30) as own:
                barrier.wait()
                codes.append(own.request(method, url, headers=headers).status_code)

        threads = [threading.Thread(target=one) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return codes

    for _ in range(5):
        assert twice_at_once("PUT") == [204, 204]
        detail = client.get(f"/api/v1/listings/{item['id']}", headers=fan.auth).json()
        assert detail["liked"] is True and detail["like_count"] == 1
        assert twice_at_once("DELETE") == [204, 204]
        detail = client.get(f"/api/v1/listings/{item['id']}", headers=fan.auth).json()
        assert detail["liked"] is False and detail["like_count"] == 0
    liked = query(
        database,
        "SELECT name, COUNT(*) FROM events WHERE user_id = :u AND name IN "
        "('listing_liked', 'listing_unliked') GROUP BY name ORDER BY name",
        u=fan.id,
    )
    assert [(n, int(c)) for n, c in liked] == [("listing_liked", 5), ("listing_unliked", 5)]  # type: ignore[call-overload]


def test_the_migration_copies_each_listings_order_into_its_existing_postings(
    fresh_database_factory: Callable[[], DatabaseUnderTest],
) -> None:
    db = fresh_database_factory()
    migrate.upgrade(db.url, "0011")
    pg = db.dialect == "postgresql"

    def when(day: int) -> object:
        moment = datetime(2026, 11, day, 9, 30, tzinfo=UTC)
        return moment if pg else moment.replace(tzinfo=None).isoformat(" ", "microseconds")

    query(db, "INSERT INTO users (id, role, locale, created_at) VALUES (7, 'user', 'ko', :t)", t=when(1))  # fmt: skip
    query(
        db,
        "INSERT INTO neighbourhoods (id, name, full_name, latitude, longitude, radius_km) "
        "VALUES ('1168010100', '역삼동', '서울특별시 강남구 역삼동', 37.5, 127.04, 1.0)",
    )
    for ident, day, listed in ((1, 3, True), (2, 5, False)):
        query(
            db,
            "INSERT INTO listings (id, seller_id, neighbourhood_id, title, description, "
            "category, price, is_free, accepts_offers, status, is_hidden, is_listed, "
            "created_at, updated_at, sort_at, like_count, chat_count, view_count) VALUES "
            "(:i, 7, '1168010100', '의자', '', 'furniture', 0, :f, :f, 'selling', :h, :l, "
            ":c, :c, :s, 0, 0, 0)",
            i=ident, f=False, h=not listed, l=listed, c=when(1), s=when(day),
        )  # fmt: skip
        for term in ("의자", "ㅇㅈ"):
            query(
                db,
                "INSERT INTO listing_terms (term, neighbourhood_id, listing_id, weight) "
                "VALUES (:t, '1168010100', :i, 3)",
                t=term,
                i=ident,
            )
    migrate.upgrade(db.url)
    rows = query(db, "SELECT listing_id, sort_at, is_listed FROM listing_terms ORDER BY listing_id, term")  # fmt: skip
    expected = {1: (when(3), True), 2: (when(5), False)}
    assert len(rows) == 4
    for listing_id, sort_at, listed in rows:
        stored = sort_at.replace(tzinfo=UTC) if pg else str(sort_at)  # type: ignore[union-attr]
        assert (stored, bool(listed)) == expected[int(listing_id)]  # type: ignore[call-overload]
    migrate.downgrade(db.url, "0011")  # and back: the postings stay, without the copies
    assert query(db, "SELECT COUNT(*) FROM listing_terms")[0][0] == 4
    migrate.upgrade(db.url)
    assert query(db, "SELECT COUNT(*) FROM listing_terms WHERE is_listed = :l", l=True)[0][0] == 2


def test_range_targets_are_read_once_per_engine_and_range(database: DatabaseUnderTest) -> None:
    async def run() -> None:
        engine = make_engine(database.url)
        statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))  # fmt: skip
        try:
            async with AsyncSession(engine) as db:
                first = await queries.range_targets(db, YEOKSAM, 3)
                assert len(first) > 60 and YEOKSAM in first
                first.clear()  # the caller's copy: the cached range is untouched
                read = len(statements)
                again = await queries.range_targets(db, YEOKSAM, 3)
                assert len(again) > 60 and len(statements) == read  # no statement
                assert len(await queries.range_targets(db, YEOKSAM, 0)) == 1  # its own entry
                assert await queries.range_targets(db, "0000000000", 3) == []
                await queries.range_targets(db, "0000000000", 3)  # not remembered: read again
                assert len(statements) == read + 3
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_a_one_term_search_pages_by_weight_then_recency(
    client: httpx.Client, resident: Make
) -> None:
    """One term needs no grouping (one posting per listing): the posting's weight is the
    score, and keyset pages still follow relevance, then recency."""
    sellers = [resident("논현동", level=0) for _ in range(3)]  # ten listings an hour each
    titled = [
        int(post(client, sellers[n % 3], title=f"방석 {n}호", description="새것")["id"])  # type: ignore[call-overload]
        for n in range(21)
    ]
    described = [
        int(post(client, sellers[n % 3], title=f"등받이 {n}호", description="방석 포함")["id"])  # type: ignore[call-overload]
        for n in range(2)
    ]
    viewer = resident("논현동", level=0)
    r = client.get("/api/v1/listings/search", params={"q": "방석"}, headers=viewer.auth)
    assert r.status_code == 200, r.text
    first, cursor = [i["id"] for i in r.json()["items"]], r.json()["next_cursor"]
    assert len(first) == 20 and cursor
    r = client.get(
        "/api/v1/listings/search", params={"q": "방석", "cursor": cursor}, headers=viewer.auth
    )
    assert r.status_code == 200 and r.json()["next_cursor"] is None, r.text
    second = [i["id"] for i in r.json()["items"]]
    assert first + second == sorted(titled, reverse=True) + sorted(described, reverse=True)
