"""The export a page triggers never runs inside the server process.

The export reads SQLite through ADBC, whose library carries its own copy of
SQLite; inside the server, beside the app's WAL connections through the
system SQLite, it made the worker die of bus errors within seconds and read
stale data (issue 13). Here a real server takes chat sends and new listings in
a loop while an operator keeps asking for insight CSVs with the export forced
to run each time; afterwards the server must still be running, every
acknowledged write must be in the database, and the server process must never
have mapped a second SQLite library (nor ADBC at all).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.chat.conftest import open_deal
from tests.conftest import DatabaseUnderTest, Server, query, start_server, stop_server
from tests.listings.conftest import Resident, make_resident, post

ROUNDS = 6  # forced exports; the crash came within 8–15 s, after 2–5 of them


@pytest.fixture
def own_server(database: DatabaseUnderTest, tmp_path: Path) -> Iterator[Server]:
    srv = start_server(
        database,
        tmp_path,
        DONGNE_LISTING_LIMIT_PER_USER="100000/hour",
        DONGNE_NEW_ACCOUNT_LISTING_LIMIT_PER_USER="100000/hour",
    )
    yield srv
    stop_server(srv)


def new_client(server: Server) -> httpx.Client:
    ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    return httpx.Client(
        base_url=server.url, headers={"X-Forwarded-For": ip, "Accept-Language": "ko"}, timeout=60
    )


def make_operator(client: httpx.Client, database: DatabaseUnderTest) -> Resident:
    who = make_resident(client, "역삼동")
    query(database, "UPDATE users SET role = 'operator' WHERE id = :id", id=who.id)
    return who


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            pids.extend(process_tree(int(child)))
    return pids


def mapped_libraries(pid: int) -> set[str]:
    """Every file mapped into the process (its shared libraries among them)."""
    files = set()
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[5].startswith("/"):
            files.add(parts[5])
    return files


def sqlite_copies(files: set[str]) -> set[str]:
    """The SQLite libraries among ``files``: the system one, and any library
    that links SQLite in statically (ADBC's driver does)."""
    return {
        f for f in files if re.search(r"libsqlite3[.-]", os.path.basename(f)) or "adbc" in f.lower()
    }


def server_pids(server: Server) -> list[int]:
    """The server process and its workers, without the export's children
    (python processes started with ``-m dongne.insights.export``)."""
    pids = []
    for pid in process_tree(server.process.pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if b"dongne.insights.export" not in cmdline:
            pids.append(pid)
    return pids


def test_export_under_write_load_keeps_the_server_alive_and_every_write(
    database: DatabaseUnderTest, own_server: Server
) -> None:
    server = own_server
    export_marker = Path(server.log.parent) / "export" / "tables" / "users.parquet"
    with new_client(server) as setup:
        deal = open_deal(setup)
        operator = make_operator(setup, database)
        lister = make_resident(setup, "논현동")
    stop = threading.Event()
    acked_messages: list[str] = []
    acked_listings: list[int] = []
    failures: list[str] = []

    def chatter(who: Resident) -> None:
        with new_client(server) as c:
            n = 0
            while not stop.is_set():
                client_id = f"{who.id}-{n}-{secrets.token_hex(4)}"
                n += 1
                try:
                    r = c.post(
                        f"/api/v1/chats/{deal.conversation_id}/messages",
                        json={"client_id": client_id, "body": f"메시지 {n}"},
                        headers=who.auth,
                    )
                except httpx.TransportError as e:
                    failures.append(f"send: {e!r}")
                    return
                if r.status_code in (200, 201):
                    acked_messages.append(client_id)
                elif r.status_code >= 500:
                    failures.append(f"send {r.status_code}: {r.text[:200]}")
                c.get("/api/v1/listings/feed", headers=who.auth)

    def seller_of_listings() -> None:
        with new_client(server) as c:
            while not stop.is_set():
                try:
                    listing = post(c, lister, title=f"부하 시험 물건 {len(acked_listings)}")
                except (httpx.TransportError, AssertionError) as e:
                    failures.append(f"listing: {e!r}")
                    return
                acked_listings.append(int(listing["id"]))  # type: ignore[call-overload]

    workers = [
        threading.Thread(target=chatter, args=(deal.buyer,)),
        threading.Thread(target=chatter, args=(deal.seller,)),
        threading.Thread(target=seller_of_listings),
    ]
    for w in workers:
        w.start()
    seen_libraries: set[str] = set()
    try:
        with new_client(server) as op:
            for i in range(ROUNDS):
                if export_marker.exists():  # force the in-request export, as the report did
                    old = time.time() - 300
                    os.utime(export_marker, (old, old))
                path = "/insights/activity.csv" if i % 2 == 0 else "/insights/demand.csv"
                try:
                    r = op.get(path, params={"table": 0}, headers=operator.auth)
                except httpx.TransportError as e:
                    failures.append(f"insights: {e!r}")
                    break
                assert r.status_code == 200, r.text[:500]
                for pid in server_pids(server):
                    seen_libraries |= mapped_libraries(pid)
    finally:
        stop.set()
        for w in workers:
            w.join(60)

    log = server.log.read_text(errors="replace")[-3000:]
    assert server.process.poll() is None, f"the server died ({server.process.returncode}): {log}"
    assert not failures, (failures[:5], log)
    assert acked_messages and acked_listings
    stored = {
        str(r[0])
        for r in query(
            database,
            "SELECT client_id FROM messages WHERE conversation_id = :id",
            id=deal.conversation_id,
        )
    }
    assert set(acked_messages) <= stored, set(acked_messages) - stored
    listings = {int(r[0]) for r in query(database, "SELECT id FROM listings")}  # type: ignore[call-overload]
    assert set(acked_listings) <= listings
    # One SQLite in the server: the system's, through Python's sqlite3 (none at
    # all on PostgreSQL); ADBC's copy only ever in the export's child process.
    copies = sqlite_copies(seen_libraries)
    assert not any("adbc" in f.lower() for f in copies), copies
    assert len(copies) <= 1, copies
