"""Chat under faults, against real server processes, the real database and the
real Redis: fan-out across workers, a server killed with SIGKILL mid-exchange,
Redis restarted mid-exchange, a client that was away for a long time, a retry
racing its original, requests made while Redis is down.

The clients are :class:`tests.chat.client.ResilientChat`, which behave like the
browser: cursors in ``hello``, an outbox re-sent after every reconnect,
duplicates and gaps detected by seq. Every check is made against what the
database holds, read through the API.

Each test starts its own servers (on ports it keeps, so clients reconnect to
the same address after a restart) and stops them in ``finally``; every wait is
bounded. The Redis tests stop and restart the run's own Redis (tests/redis_server.py,
never the machine's), and always leave it running.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from dongne.db import utcnow
from tests.chat.client import ResilientChat
from tests.chat.conftest import Deal, conversation_locked, frames, open_deal, ws_connect
from tests.conftest import ROOT, TEST_SERVER_ENV, DatabaseUnderTest, Server, free_port
from tests.redis_server import RedisServer

EXCHANGE = 500  # messages per exchange, half from each side
WINDOW = 8  # unacknowledged sends each side keeps in flight
# Seconds without any progress that fail an exchange. Shorter than the 20 s
# sweep on purpose: live delivery must resume after a fault, not just the sweep.
STALL = 15.0

# ---- servers --------------------------------------------------------------------


def serve(database: DatabaseUnderTest, data_dir: Path, port: int, **env_extra: str) -> Server:
    """``dongne serve`` on a port of our choosing (tests.conftest.start_server
    picks a new one each time; a restarted server must come back where the
    clients left it)."""
    log = data_dir / f"server-{port}-{time.monotonic_ns()}.log"
    env = {
        **TEST_SERVER_ENV,
        **os.environ,
        "DONGNE_DATABASE_URL": database.url,
        "DONGNE_DATA_DIR": str(data_dir),
        "DONGNE_ENV": "test",
        "DONGNE_BASE_URL": f"http://127.0.0.1:{port}",
        **env_extra,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dongne.cli", "serve", "--port", str(port), "--no-prepare"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, process, log)
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    process.wait(10)
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


def stop_all(servers: list[Server], grace: float = 5.0) -> None:
    """Terminate, then kill what is still there after ``grace`` seconds (a
    worker whose event loop is stuck never gets to act on SIGTERM)."""
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()
    deadline = time.monotonic() + grace
    for server in servers:
        try:
            server.process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(10)


def log_tails(servers: list[Server], chars: int = 1500) -> str:
    return "\n".join(
        f"--- {s.log.name}\n{s.log.read_text(errors='replace')[-chars:]}"
        for s in servers
        if s.log.exists()
    )


def log_offsets(servers: list[Server]) -> dict[Path, int]:
    """Where each server's log ends now (see :func:`wait_logged`)."""
    return {s.log: s.log.stat().st_size for s in servers}


def wait_logged(servers: list[Server], since: dict[Path, int], text: str, within: float) -> None:
    """Wait until every server has logged ``text`` after ``since``."""
    deadline = time.monotonic() + within
    waiting = list(servers)
    while waiting:
        waiting = [
            s for s in waiting if text.encode() not in s.log.read_bytes()[since.get(s.log, 0) :]
        ]
        if waiting:
            assert time.monotonic() < deadline, (
                f"not logged within {within} s: {text!r}\n" + log_tails(waiting)
            )
            time.sleep(0.05)


def send_frame(conversation_id: int, client_id: str, body: str) -> str:
    return json.dumps(
        {"type": "send", "conversation_id": conversation_id, "client_id": client_id, "body": body}
    )


def ws_url(server: Server) -> str:
    return server.url.replace("http://", "ws://") + "/ws"


@contextmanager
def api_client(server: Server) -> Iterator[httpx.Client]:
    """An API client from an address of its own, so rate limits never leak."""
    ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    with httpx.Client(
        base_url=server.url, headers={"X-Forwarded-For": ip, "Accept-Language": "ko"}, timeout=30
    ) as client:
        yield client


def stored(server: Server, token: str, conversation_id: int) -> list[dict[str, Any]]:
    """Every message of the conversation as the API returns it, paging by seq."""
    out: list[dict[str, Any]] = []
    with api_client(server) as api:
        for _page in range(100):
            r = api.get(
                f"/api/v1/chats/{conversation_id}/messages",
                params={"after": out[-1]["seq"] if out else 0, "limit": 200},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200, r.text
            page = r.json()
            out.extend(page)
            if len(page) < 200:
                return out
    raise AssertionError("more than 100 pages of messages")


# ---- the exchange -------------------------------------------------------------------


def clients_for(
    deal: Deal, seller_server: Server, buyer_server: Server
) -> tuple[ResilientChat, ResilientChat]:
    conversations = [deal.conversation_id]
    seller = ResilientChat(
        "seller",
        ws_url(seller_server),
        deal.seller.id,
        conversations,
        token=deal.seller.token,
    )
    buyer = ResilientChat(
        "buyer", ws_url(buyer_server), deal.buyer.id, conversations, token=deal.buyer.token
    )
    return seller, buyer


def describe(clients: list[ResilientChat], servers: list[Server]) -> str:
    return "\n".join(c.summary() for c in clients) + "\n" + log_tails(servers)


def wait_progressing(
    clients: list[ResilientChat],
    done: Callable[[], bool],
    what: str,
    servers: Callable[[], list[Server]],
    limit: float = 120.0,
) -> None:
    """Wait for ``done``; fail when nothing moves for STALL seconds, or after ``limit``."""
    started = last_change = time.monotonic()
    seen = [c.progress() for c in clients]
    while not done():
        now = time.monotonic()
        current = [c.progress() for c in clients]
        if current != seen:
            seen, last_change = current, now
        if now - last_change > STALL or now - started > limit:
            raise AssertionError(
                f"{what}: no progress for {now - last_change:.0f} s\n"
                + describe(clients, servers())
            )
        time.sleep(0.05)


def exchange(
    conversation_id: int,
    clients: list[ResilientChat],
    fault: Callable[[], None],
    fault_after: int,
    servers: Callable[[], list[Server]],
) -> dict[str, int]:
    """Both sides send EXCHANGE // 2 messages at once, each keeping up to WINDOW
    unacknowledged; once ``fault_after`` sends are acknowledged, ``fault()``
    runs while both keep typing. Returns the outbox sizes at the fault."""
    per_client = EXCHANGE // len(clients)
    typing_failed: list[str] = []
    quit_typing = threading.Event()

    def typist(client: ResilientChat) -> None:
        for n in range(1, per_client + 1):
            if not client.wait_for(
                lambda c: len(c.outbox) < WINDOW or quit_typing.is_set(), timeout=90
            ):
                typing_failed.append(f"{client.name} could not send message {n}")
                return
            if quit_typing.is_set():
                return
            client.send(conversation_id, f"{client.name}의 {n}번째 메시지 🥕")

    for client in clients:
        assert client.wait_for(lambda c: c.connected, 30), describe(clients, servers())
    typists = [threading.Thread(target=typist, args=(c,), daemon=True) for c in clients]
    for t in typists:
        t.start()
    try:
        wait_progressing(
            clients, lambda: sum(len(c.acked) for c in clients) >= fault_after, "before", servers
        )
        in_flight = {c.name: len(c.outbox) for c in clients}
        fault()

        def finished() -> bool:
            return all(
                len(c.attempted) == per_client
                and not c.outbox
                and c.cursors[conversation_id] >= EXCHANGE
                for c in clients
            ) or bool(typing_failed)

        wait_progressing(clients, finished, "after the fault", servers)
    finally:
        quit_typing.set()
        for t in typists:
            t.join(10)
    assert not typing_failed, typing_failed
    return in_flight


def check_exchange(
    history: list[dict[str, Any]], conversation_id: int, clients: list[ResilientChat]
) -> None:
    """Exactly once, in order, everywhere: what the database holds is 1..N
    without holes; every message any side tried to send is there once (the
    unacknowledged ones were retried); every ack names the stored seq; each
    side received exactly the stored sequence; each sender's messages are in
    the order it typed them."""
    seqs = [m["seq"] for m in history]
    assert seqs == list(range(1, len(history) + 1)), f"stored seqs are not 1..N: {seqs}"
    stored_ids = Counter(m["client_id"] for m in history)
    assert [cid for cid, n in stored_ids.items() if n > 1] == [], "stored twice"
    tried = [a.client_id for c in clients for a in c.attempted]
    assert len(tried) == len(set(tried))
    assert set(stored_ids) == set(tried), (
        f"tried but not stored: {sorted(set(tried) - set(stored_ids))[:10]}; "
        f"stored but never tried: {sorted(set(stored_ids) - set(tried))[:10]}"
    )
    seq_of = {m["client_id"]: m["seq"] for m in history}
    expected = [(m["seq"], m["client_id"], m["sender_id"], m["body"]) for m in history]
    for client in clients:
        assert client.problems == [], f"{client.name}: {client.problems[:10]}"
        assert client.rejected == {}, f"{client.name}: {client.rejected}"
        assert client.outbox == {}, f"{client.name} still waits for {list(client.outbox)}"
        wrong = {cid: (seq, seq_of.get(cid)) for cid, seq in client.acked.items()}
        assert {k: v for k, v in wrong.items() if v[0] != v[1]} == {}, "ack seq ≠ stored seq"
        assert set(client.acked) == {a.client_id for a in client.attempted}
        got = [(r.seq, r.client_id, r.sender_id, r.body) for r in client.received[conversation_id]]
        assert got == expected, f"{client.name} received something else than was stored"
        typed = [a.client_id for a in client.attempted]
        assert [m["client_id"] for m in history if m["sender_id"] == client.user_id] == typed


# ---- 1. fan-out through Redis --------------------------------------------------------


def test_two_workers_deliver_through_redis(
    database: DatabaseUnderTest, tmp_path: Path, redis: str
) -> None:
    """Seller on worker A, buyer on worker B, one database, one Redis. A message
    written through B (over HTTP, then over B's socket) reaches the seller's
    socket on A live. The bound of 5 s is functional, not a benchmark: without
    cross-worker fan-out A would find the message only at its next sweep, 20 s
    after it last heard anything."""
    a = serve(database, tmp_path, free_port(), DONGNE_REDIS_URL=redis)
    servers = [a]
    try:
        b = serve(database, tmp_path, free_port(), DONGNE_REDIS_URL=redis)
        servers.append(b)
        with api_client(b) as api_b:
            deal = open_deal(api_b)
            with ws_connect(a, deal.seller) as seller, ws_connect(b, deal.buyer) as buyer:
                for ws in (seller, buyer):
                    ws.send(json.dumps({"type": "hello", "cursors": {}}))
                    frames(ws, lambda f: f["type"] == "welcome")
                r = api_b.post(
                    f"/api/v1/chats/{deal.conversation_id}/messages",
                    json={"client_id": "http-1", "body": "B를 거친 HTTP 메시지"},
                    headers=deal.buyer.auth,
                )
                assert r.status_code == 201, r.text
                got = frames(seller, lambda f: f["type"] == "message", timeout=5)[-1]
                assert (got["seq"], got["client_id"]) == (1, "http-1")

                buyer.send(send_frame(deal.conversation_id, "ws-2", "B 소켓으로 보낸 메시지"))
                ack = frames(buyer, lambda f: f["type"] == "ack", timeout=5)[-1]
                assert (ack["client_id"], ack["seq"]) == ("ws-2", 2)
                got = frames(seller, lambda f: f["type"] == "message", timeout=5)[-1]
                assert (got["seq"], got["client_id"], got["body"]) == (
                    2,
                    "ws-2",
                    "B 소켓으로 보낸 메시지",
                )

                # And back: the seller answers through A, the buyer hears it on B.
                seller.send(send_frame(deal.conversation_id, "ws-3", "네 A에서 답해요"))
                got = frames(buyer, lambda f: f["type"] == "message" and f["seq"] == 3, timeout=5)[
                    -1
                ]
                assert got["client_id"] == "ws-3"
    finally:
        stop_all(servers)


# ---- 2. SIGKILL mid-exchange ------------------------------------------------------------


def test_kill_9_during_500_message_exchange(database: DatabaseUnderTest, tmp_path: Path) -> None:
    """Two clients exchange 500 messages (250 each, at once, up to 8 unacked
    each); somewhere in the middle the server gets SIGKILL, and a new one
    starts on the same port and database. The clients reconnect with their
    cursors, re-send what was not acknowledged, and finish.

    Sends in flight at the kill were either committed (the re-send finds the
    stored message by client_id and acks it again) or rolled back (the re-send
    stores it now). On PostgreSQL the dead connections' transactions are rolled
    back by the server; on SQLite in WAL mode a transaction is committed only
    when its commit frame is in the WAL, so a process killed mid-transaction
    leaves nothing half-written, and with synchronous=NORMAL committed data is
    lost only on an OS crash or power cut, never on a process kill."""
    seed = random.randrange(1 << 30)
    print(f"random seed {seed}")  # shown with a failure
    rng = random.Random(seed)
    port = free_port()
    servers = [serve(database, tmp_path, port)]
    clients: list[ResilientChat] = []
    try:
        with api_client(servers[0]) as api:
            deal = open_deal(api)
        clients = list(clients_for(deal, servers[0], servers[0]))
        for client in clients:
            client.start()

        def kill_and_restart() -> None:
            servers[-1].process.kill()
            servers[-1].process.wait(10)
            time.sleep(rng.uniform(0.2, 1.0))
            servers.append(serve(database, tmp_path, port))

        in_flight = exchange(
            deal.conversation_id,
            clients,
            kill_and_restart,
            fault_after=rng.randint(EXCHANGE // 4, EXCHANGE * 3 // 4),
            servers=lambda: servers,
        )
        for client in clients:
            client.stop()
        assert servers[0].process.returncode == -9
        history = stored(servers[-1], deal.seller.token, deal.conversation_id)
        assert len(history) == EXCHANGE
        check_exchange(history, deal.conversation_id, clients)
        # The fault really fell mid-exchange: sends were in flight, both sides
        # had to reconnect and re-send.
        assert sum(in_flight.values()) > 0, in_flight
        for client in clients:
            assert len(client.welcomes) >= 2, client.summary()
        assert any(c.resent for c in clients), [c.summary() for c in clients]
    finally:
        for client in clients:
            client.stop()
        stop_all(servers)


# ---- 3. Redis restarted mid-exchange ------------------------------------------------------


def test_redis_restart_with_two_workers(
    database: DatabaseUnderTest, tmp_path: Path, redis: str, redis_server: RedisServer
) -> None:
    """Seller on worker 1, buyer on worker 2, exchanging 500 messages; in the
    middle Redis shuts down (nosave: every key and subscription is gone) and
    comes back only once both workers have noticed and failed to resubscribe
    at least once, so requests made during the outage are exercised too: a
    real restart is not instantaneous. The same must hold as for a
    killed server: everything once, in order, on both sides."""
    seed = random.randrange(1 << 30)
    print(f"random seed {seed}")  # shown with a failure
    rng = random.Random(seed)
    servers: list[Server] = []
    clients: list[ResilientChat] = []
    try:
        servers.append(serve(database, tmp_path, free_port(), DONGNE_REDIS_URL=redis))
        servers.append(serve(database, tmp_path, free_port(), DONGNE_REDIS_URL=redis))
        with api_client(servers[0]) as api:
            deal = open_deal(api)
        clients = list(clients_for(deal, servers[0], servers[1]))
        for client in clients:
            client.start()

        def restart_redis() -> None:
            since = log_offsets(servers)
            with redis_server.down():
                wait_logged(servers, since, "redis hub still unreachable", within=30)
            for server in servers:  # fail fast and plainly if a worker froze
                try:
                    httpx.get(f"{server.url}/healthz", timeout=10).raise_for_status()
                except httpx.HTTPError as exc:
                    raise AssertionError(
                        f"worker {server.url} stopped answering after Redis came back: {exc!r}"
                    ) from exc

        exchange(
            deal.conversation_id,
            clients,
            restart_redis,
            fault_after=rng.randint(EXCHANGE // 4, EXCHANGE // 2),
            servers=lambda: servers,
        )
        for client in clients:
            client.stop()
        history = stored(servers[1], deal.seller.token, deal.conversation_id)
        assert len(history) == EXCHANGE
        check_exchange(history, deal.conversation_id, clients)
    finally:
        for client in clients:
            client.stop()
        stop_all(servers, grace=3)


def test_sends_while_redis_is_down_are_not_server_errors(
    database: DatabaseUnderTest, tmp_path: Path, redis: str, redis_server: RedisServer
) -> None:
    """Rate limits count in Redis when it is configured. While Redis is down a
    send must either be accepted (the limit failing open) or refused as
    unavailable (503) with the socket kept open: never a 500, never a dropped
    socket, and the worker keeps answering."""
    servers: list[Server] = []
    try:
        servers.append(serve(database, tmp_path, free_port(), DONGNE_REDIS_URL=redis))
        with api_client(servers[0]) as api:
            deal = open_deal(api)
            with ws_connect(servers[0], deal.buyer, close_timeout=1) as ws:
                ws.send(json.dumps({"type": "hello", "cursors": {}}))
                frames(ws, lambda f: f["type"] == "welcome")
                since = log_offsets(servers)
                with redis_server.down():
                    # The hub notices, tries to resubscribe, fails.
                    wait_logged(servers, since, "redis hub still unreachable", within=30)
                    r = api.post(
                        f"/api/v1/chats/{deal.conversation_id}/messages",
                        json={"client_id": "outage-http", "body": "레디스가 없어도"},
                        headers=deal.buyer.auth,
                        timeout=5,
                    )
                    assert r.status_code in (201, 503), r.text
                    ws.send(send_frame(deal.conversation_id, "outage-ws", "소켓으로도"))
                    answer = frames(ws, lambda f: f["type"] in ("ack", "error"), timeout=5)[-1]
                    assert answer.get("client_id") == "outage-ws"
                    assert answer["type"] == "ack" or answer["status"] == 503, answer
                assert httpx.get(f"{servers[0].url}/healthz", timeout=5).status_code == 200
    finally:
        stop_all(servers, grace=3)


# ---- 4. a client that was away --------------------------------------------------------------


def test_offline_client_catches_up(database: DatabaseUnderTest, tmp_path: Path) -> None:
    """The seller's client goes away; the buyer sends 300 messages, half before
    and half after a server restart; the seller comes back with its old cursors
    and gets all 300, in order, exactly once, on one connection.

    How long it was away does not matter, by construction: resuming reads the
    database by sequence number (``messages_after(cursor)``), and no per-client
    buffer exists on the server that could fill up or expire: a connection's
    hub queue dies with the connection, Redis pub/sub keeps nothing, and the
    restart here wipes every worker's memory anyway. Of what 10 minutes could
    expire, what is left is checked cheaply instead of waited for: every
    missed message and the conversation are stamped 11 minutes in the past
    before the client returns (a resume that filtered by time would miss them),
    and the client's session is valid for far longer than 10 minutes.
    """
    port = free_port()
    servers = [serve(database, tmp_path, port)]
    seller = buyer = None
    try:
        with api_client(servers[0]) as api:
            deal = open_deal(api)
        seller, buyer = clients_for(deal, servers[0], servers[0])
        conversation = deal.conversation_id
        seller.start()
        buyer.start()
        for n in range(5):
            seller.send(conversation, f"판매자 {n}")
            buyer.send(conversation, f"구매자 {n}")
        assert seller.wait_for(lambda c: c.cursors[conversation] == 10 and not c.outbox, 30)
        assert buyer.wait_for(lambda c: c.cursors[conversation] == 10 and not c.outbox, 30)
        seller.go_offline()
        welcomes_before = len(seller.welcomes)

        def buyer_sends(count: int) -> None:
            for _ in range(count):
                assert buyer.wait_for(lambda c: len(c.outbox) < WINDOW, 30), buyer.summary()
                buyer.send(conversation, f"자리 비운 사이 {len(buyer.attempted) - 4}")
            assert buyer.wait_for(lambda c: not c.outbox, 30), buyer.summary()

        buyer_sends(150)
        stop_all(servers[-1:])
        servers.append(serve(database, tmp_path, port))
        buyer_sends(150)
        assert buyer.wait_for(lambda c: c.cursors[conversation] == 310, 30), buyer.summary()
        assert seller.cursors[conversation] == 10

        asyncio.run(_age_conversation(database, conversation, timedelta(minutes=11)))
        expires = asyncio.run(_session_expiry(database, deal.seller.token))
        assert expires - utcnow() > timedelta(minutes=10)

        seller.go_online()
        assert seller.wait_for(lambda c: c.cursors[conversation] == 310, 30), seller.summary()
        seller.stop()
        buyer.stop()
        assert len(seller.welcomes) == welcomes_before + 1, "caught up on one connection"
        assert seller.welcomes[-1] == {conversation: 310}
        history = stored(servers[-1], deal.seller.token, conversation)
        assert len(history) == 310
        ten_minutes_ago = utcnow() - timedelta(minutes=10)
        assert all(datetime.fromisoformat(m["created_at"]) < ten_minutes_ago for m in history)
        check_exchange(history, conversation, [seller, buyer])
        missed = seller.received[conversation][10:]
        assert [r.seq for r in missed] == list(range(11, 311))
    finally:
        for client in (seller, buyer):
            if client is not None:
                client.stop()
        stop_all(servers)


async def _age_conversation(
    database: DatabaseUnderTest, conversation_id: int, by: timedelta
) -> None:
    from dongne.chat.models import Conversation, Message
    from dongne.db import Database

    db = Database(database.url)
    try:
        async with db.transaction() as session:
            rows = (
                await session.execute(
                    select(Message.id, Message.created_at).where(
                        Message.conversation_id == conversation_id
                    )
                )
            ).all()
            await session.execute(
                update(Message), [{"id": i, "created_at": at - by} for i, at in rows]
            )
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            conversation.created_at -= by
            conversation.last_message_at -= by
    finally:
        await db.dispose()


async def _session_expiry(database: DatabaseUnderTest, token: str) -> Any:
    from dongne.accounts.models import AuthSession
    from dongne.db import Database
    from dongne.kit.security import token_digest

    db = Database(database.url)
    try:
        async with db.sessions() as session:
            return await session.scalar(
                select(AuthSession.expires_at).where(AuthSession.token_hash == token_digest(token))
            )
    finally:
        await db.dispose()


# ---- 5. a retry racing its original -------------------------------------------------------


def waiting_on_locks(database: DatabaseUnderTest) -> int:
    """How many statements wait on a lock in our (PostgreSQL) database."""
    import asyncpg

    url = make_url(database.url)

    async def count() -> int:
        con = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, database=url.database
        )
        try:
            return int(
                await con.fetchval(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        finally:
            await con.close()

    return asyncio.run(count())


def sleeping_threads(server: Server) -> int:
    """How many of the server's threads sleep in ``nanosleep`` right now. On SQLite
    a connection waiting for the write lock does, between tries of its busy
    handler; idle threads wait on a futex or in epoll instead (Linux /proc)."""
    count = 0
    for task in Path(f"/proc/{server.process.pid}/task").iterdir():
        try:
            count += (task / "wchan").read_text().strip() == "hrtimer_nanosleep"
        except OSError:  # the thread ended meanwhile
            continue
    return count


def test_a_retry_racing_its_original_gets_the_stored_message(
    database: DatabaseUnderTest, server: Server
) -> None:
    """A client whose ack is late re-sends (same client_id) while the original
    is still being written, say on another worker. The two requests are lined
    up deterministically: both pass the duplicate check while the conversation
    is locked, then race for it. One stores the message (201), the other must
    get that same message back (200) — and the sequence must stay without a
    hole."""
    with api_client(server) as api:
        deal = open_deal(api)
    path = f"/api/v1/chats/{deal.conversation_id}/messages"

    def post(client_id: str, body: str) -> httpx.Response:
        # A fresh connection each time: an idle pooled one may have been closed.
        with api_client(server) as api:
            return api.post(
                path, json={"client_id": client_id, "body": body}, headers=deal.buyer.auth
            )

    first = post("r-1", "첫")
    assert first.status_code == 201, first.text
    answers: list[httpx.Response | BaseException] = []

    def retry() -> None:
        try:
            answers.append(post("r-2", "두 번 보낸 메시지"))
        except BaseException as exc:  # reported below
            answers.append(exc)

    with conversation_locked(database, deal.conversation_id):
        senders = [threading.Thread(target=retry) for _ in range(2)]
        for t in senders:
            t.start()
        # Both must be past their duplicate check, waiting for the lock. PostgreSQL
        # shows who waits on a lock. On SQLite the first waits for the write lock,
        # sleeping in its busy handler between tries, which /proc shows; the other
        # queues behind it for the app's write gate, which nothing outside shows
        # (had it not checked yet, it finds the stored message: the same answers).
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if database.dialect == "postgresql":
                if waiting_on_locks(database) >= 2:
                    break
            elif sleeping_threads(server) >= 1:
                break
            time.sleep(0.02)
    for t in senders:
        t.join(30)
    statuses = sorted(a.status_code if isinstance(a, httpx.Response) else -1 for a in answers)
    texts = [a.text[:300] if isinstance(a, httpx.Response) else repr(a) for a in answers]
    last = post("r-3", "셋")
    assert last.status_code == 201, last.text
    assert statuses == [200, 201], texts
    seqs = {a.json()["message"]["seq"] for a in answers if isinstance(a, httpx.Response)}
    assert seqs == {2}
    history = stored(server, deal.buyer.token, deal.conversation_id)
    assert [(m["seq"], m["client_id"]) for m in history] == [
        (1, "r-1"),
        (2, "r-2"),
        (3, "r-3"),
    ]
