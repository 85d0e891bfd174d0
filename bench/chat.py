"""Chat over real WebSockets against a real server: connections one worker holds, delivery
latency at fixed message rates, and a bare echo app as the ceiling, side by side.

    python bench/chat.py [--connections 10000] [--conversations 1000] [--rates 1000,2000]
                         [--seconds 12] [--warmup 3] [--variants plain] [--workers 1,2]
                         [--sections connections,ceiling,latency,sqlite] [--profile DIR]
                         [--keep DIR] [--quick]

``--quick`` is a smoke run of about ten minutes on a busy 2-core machine; the full run takes
about half an hour (the end of the output gives the actual time).

Set-up: a fresh PostgreSQL database (and, for the SQLite row, a fresh SQLite file), migrated
and loaded with every neighbourhood by the real loader (``bench/_common.py``, as
tests/conftest.py does), then users with bearer sessions, verified neighbourhoods, one listing
per seller and one conversation per (listing, buyer), inserted directly as the services would
write them (tokens stored as ``token_digest``). Each user is in exactly one conversation.

Servers are ``python -m dongne.cli serve --no-prepare [--workers 2]`` subprocesses with
``DONGNE_ENV=test`` and ``DONGNE_MESSAGE_LIMIT_PER_USER=100000/minute`` (the default 600/minute
per user would refuse the benchmark's senders, each of whom sends up to 2 messages a second
for minutes); ``DONGNE_REDIS_URL`` only for the two-worker rows. The load generator is this
process (asyncio on uvloop, the ``websockets`` client offering permessage-deflate as browsers
do, which both servers decline; bearer tokens in the Authorization header, never in the URL;
no client pings; its garbage collector paused while it measures, see ``collector_paused``),
on the same 2 cores as the server, PostgreSQL and Redis: every row prints the CPU each of
them used.

Sections, in this order:

* connections: idle authenticated sockets (each sends ``hello`` and waits for ``welcome``)
  opened in steps against one worker, its VmRSS after each step; then the worker's CPU while
  they sit idle, and a ping on every one of them.
* ceiling: closed loop, as fast as answers come back: N sockets against the bare echo app
  (bench/echo_app.py, same uvicorn settings) each waiting for its echo, then N dongne senders
  each waiting for the ack and the delivery to the other side; one and two workers.
* latency: open-loop senders at a fixed rate across the conversations, alternating buyer and
  seller, each row on a fresh server; latency = the other participant's socket receiving the
  ``message`` frame minus the moment the ``send`` frame was written, in this process's clock.
  Rows at 1,000 and 2,000 msg/s (the targets) and at half the closed-loop maximum measured
  above (what the configuration does sustain). Undelivered = acknowledged (stored) but never
  delivered to the other side; every run waits for all acks and deliveries, and afterwards
  counts the stored rows with its client ids. A send unanswered for 2 s marks the row
  OVERLOADED and stops it, so a backlog the server cannot clear does not run for minutes.
* sqlite: the 1,000 msg/s row on a fresh SQLite file (one worker; SQLite has one writer).

Variants (``--variants``) are server configurations run through every latency row:
``plain`` is the server as deployed (the fraud scan of every message on), and
``no-fraud-scan`` turns the scan off, so ``--variants plain,no-fraud-scan`` reports
delivery with and without it in the same run.

Figures are printed, never asserted: a MISS is reported, not raised.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

try:
    import dongne  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import uvloop
from _common import (
    BenchDatabase,
    create_database,
    drop_database,
    free_port,
    percentile,
    prepare_schema,
)
from sqlalchemy import func, insert, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from dongne.accounts.models import AuthSession, User, UserNeighbourhood
from dongne.chat.models import Conversation, Message, Participant
from dongne.db import Database, utcnow
from dongne.kit.security import new_token, token_digest
from dongne.listings.models import Listing

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
REDIS_URL = os.environ.get("DONGNE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
MESSAGE_LIMIT = "100000/minute"
YEOKSAM = "1168010100"  # 서울특별시 강남구 역삼동

# Targets from the issue (2 cores, load generator on the same machine).
TARGET_CONNECTIONS = 10_000
TARGET_RSS_MB = 1024.0
TARGET_P99_MS = {1: 50.0, 2: 80.0}  # by worker count, at 2,000 msg/s
TARGET_P99_RATE = 2000
TARGET_CEILING_RATIO = 0.5

# Server configurations run through every latency row, as extra environment for the server.
VARIANTS: dict[str, dict[str, str]] = {
    "plain": {},
    "no-fraud-scan": {"DONGNE_CHAT_FRAUD_SCAN": "false"},
}

CLIENT_COMPRESSION: str | None = "deflate"  # offered like a browser; None to measure without
BODY = "안녕하세요! 아직 판매 중인가요? 오늘 저녁 역삼역 3번 출구에서 가능해요"
CLOCK = time.perf_counter
SETTLE_SECONDS = 3.0  # after opening sockets, before sending: let the hellos finish
OVERLOAD_SECONDS = 2.0  # a send unanswered this long: the server is not keeping up
DRAIN_SECONDS = 30.0  # after sending stops, the longest wait for acks and deliveries
OVERLOADED_DRAIN_SECONDS = 45.0  # ... after an overloaded run (two sweeps of 20 s)
TICKS = os.sysconf("SC_CLK_TCK")


def say(*parts: object) -> None:
    """Progress on stderr; the report is stdout."""
    print(*parts, file=sys.stderr, flush=True)


# -- set-up ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    id: int
    token: str


@dataclass(frozen=True)
class Pair:
    conversation_id: int
    buyer: Person
    seller: Person


async def seed(url: str, conversations: int) -> list[Pair]:
    """Users with a bearer session and a verified neighbourhood, one listing per seller and
    one conversation per buyer, inserted directly (no events: set-up, not user actions)."""
    db = Database(url)
    tag = secrets.token_hex(3)
    now = utcnow()
    people = 2 * conversations
    try:
        async with db.transaction() as s:
            ids = list(
                await s.scalars(
                    insert(User).returning(User.id, sort_by_parameter_order=True),
                    [
                        {"email": f"chat-{tag}-{i}@bench.example", "nickname": f"벤치{tag}{i}"}
                        for i in range(people)
                    ],
                )
            )
            tokens = [new_token() for _ in ids]
            await s.execute(
                insert(AuthSession),
                [
                    {
                        "token_hash": token_digest(token),
                        "public_id": secrets.token_hex(16),
                        "user_id": uid,
                        "kind": "bearer",
                        "created_at": now,
                        "expires_at": now + timedelta(days=30),
                    }
                    for uid, token in zip(ids, tokens, strict=True)
                ],
            )
            await s.execute(
                insert(UserNeighbourhood),
                [
                    {
                        "user_id": uid,
                        "neighbourhood_id": YEOKSAM,
                        "is_active": True,
                        "range_level": 2,
                        "verified_at": now,
                    }
                    for uid in ids
                ],
            )
            sellers, buyers = ids[0::2], ids[1::2]
            listings = list(
                await s.scalars(
                    insert(Listing).returning(Listing.id, sort_by_parameter_order=True),
                    [
                        {
                            "seller_id": seller,
                            "neighbourhood_id": YEOKSAM,
                            "title": f"원목 의자 {i}",
                            "description": "상태 좋아요",
                            "category": "furniture",
                            "price": 10_000,
                            "chat_count": 1,
                        }
                        for i, seller in enumerate(sellers)
                    ],
                )
            )
            chats = list(
                await s.scalars(
                    insert(Conversation).returning(Conversation.id, sort_by_parameter_order=True),
                    [
                        {"listing_id": listing, "buyer_id": buyer, "seller_id": seller}
                        for listing, buyer, seller in zip(listings, buyers, sellers, strict=True)
                    ],
                )
            )
            await s.execute(
                insert(Participant),
                [
                    {"conversation_id": chat, "user_id": uid, "role": role}
                    for chat, buyer, seller in zip(chats, buyers, sellers, strict=True)
                    for uid, role in ((buyer, "buyer"), (seller, "seller"))
                ],
            )
    finally:
        await db.dispose()
    token_of = dict(zip(ids, tokens, strict=True))
    return [
        Pair(chat, Person(buyer, token_of[buyer]), Person(seller, token_of[seller]))
        for chat, buyer, seller in zip(chats, buyers, sellers, strict=True)
    ]


async def stored_messages(url: str) -> int:
    db = Database(url)
    try:
        async with db.sessions() as s:
            return int(await s.scalar(select(func.count()).select_from(Message)) or 0)
    finally:
        await db.dispose()


# -- processes: servers, memory, CPU -----------------------------------------------------


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 1_048_576:
        hard = 1_048_576
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@dataclass
class Running:
    """A server subprocess: dongne or the echo app."""

    label: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    workers: int
    database: str | None = None  # the PostgreSQL database it uses: whose backends count
    stuck: list[int] = field(default_factory=list)  # workers that ignored SIGTERM
    known_workers: set[int] = field(default_factory=set)  # every worker pid seen
    marker: str = ""  # NAME=value in the environment of every process of this server

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"

    def worker_pids(self) -> list[int]:
        """The processes that serve sockets: the server itself with one worker; uvicorn's
        spawned children (not the supervisor) with several."""
        if self.workers == 1:
            return [self.process.pid]
        pids = []
        for child in _children(self.process.pid):
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    pids.append(child)
        self.known_workers.update(pids)
        return pids

    def cpu_ticks(self) -> int:
        total = 0
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                total += _proc_ticks(pid)[1]
        return total

    def rss_bytes(self) -> int:
        return sum(_status_kb(pid, "VmRSS") for pid in self.worker_pids()) * 1024

    def fds(self) -> list[int]:
        out = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                out.append(len(os.listdir(f"/proc/{pid}/fd")))
        return out


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            kids.extend(int(x) for x in text.split())
    return kids


def _status_kb(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def start(
    label: str, argv: Sequence[str], env: dict[str, str], data_dir: Path, workers: int
) -> Running:
    port = free_port()
    log = data_dir / f"{label.replace(' ', '-').replace('/', '')}-{port}.log"
    marker = f"DONGNE_CHAT_BENCH_SERVER={os.getpid()}-{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *argv, "--port", str(port), "--workers", str(workers)],
            env={**env, "DONGNE_CHAT_BENCH_SERVER": marker.partition("=")[2]},
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_fd_limit,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    server = Running(label, url, process, log, workers, marker=marker)
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{label} exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200 and (
                len(server.worker_pids()) == workers
            ):
                if workers > 1:  # every worker answers, not only the first one up
                    for _ in range(4 * workers):
                        httpx.get(f"{url}/healthz", timeout=5)
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{label} did not start: {log.read_text()[-3000:]}")


def start_dongne(
    db: BenchDatabase, data_dir: Path, workers: int, redis: bool, variant: str = "plain"
) -> Running:
    env = {
        **os.environ,
        "DONGNE_DATABASE_URL": db.url,
        "DONGNE_DATA_DIR": str(data_dir),
        "DONGNE_ENV": "test",
        "DONGNE_MESSAGE_LIMIT_PER_USER": MESSAGE_LIMIT,
        **VARIANTS[variant],
    }
    env.pop("DONGNE_REDIS_URL", None)
    if redis:
        env["DONGNE_REDIS_URL"] = REDIS_URL
    label = f"dongne {db.label} {workers}w" + (" redis" if redis else "")
    argv = ["-m", "dongne.cli", "serve", "--no-prepare"]
    server = start(label, argv, env, data_dir, workers)
    server.database = db.name
    return server


def start_echo(data_dir: Path, workers: int) -> Running:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONGNE_")}
    return start(f"echo {workers}w", [str(BENCH / "echo_app.py")], env, data_dir, workers)


def _is_ours(pid: int, marker: str) -> bool:
    """A live process started with our marker in its environment (pids get reused)."""
    try:
        return marker.encode() in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def stop(server: Running) -> list[int]:
    """Stop the server; SIGKILL any worker that outlived its supervisor (a worker whose event
    loop is blocked never handles SIGTERM). Returns the pids that had to be killed."""
    workers = (set(server.worker_pids()) | server.known_workers) - {server.process.pid}
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    time.sleep(1)
    stuck = []
    for pid in sorted(workers):
        if _is_ours(pid, server.marker):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                stuck.append(pid)
    if stuck:
        say(f"  {server.label}: workers {stuck} outlived the supervisor and were killed")
    server.stuck = stuck
    return stuck


@contextlib.contextmanager
def serving(make: Callable[[], Running]) -> Iterator[Running]:
    server = make()
    say(f"  started {server.label} at {server.url} (log {server.log})")
    try:
        yield server
    finally:
        stop(server)


def _proc_ticks(pid: int) -> tuple[str, int]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    comm = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    return comm, int(fields[11]) + int(fields[12])  # utime + stime


def _all_ticks() -> dict[int, tuple[str, int]]:
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                out[int(name)] = _proc_ticks(int(name))
    return out


def _machine_ticks() -> tuple[int, int]:
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class CpuShare:
    """CPU used over a window, in % of one core (2 cores = 200 %)."""

    server: float
    generator: float
    postgres: float
    redis: float
    machine: float  # everything on the machine, including other people's work

    def short(self) -> str:
        parts = [f"srv {self.server:.0f}", f"gen {self.generator:.0f}"]
        if self.postgres >= 0.5:
            parts.append(f"pg {self.postgres:.0f}")
        if self.redis >= 0.5:
            parts.append(f"redis {self.redis:.0f}")
        parts.append(f"all {self.machine:.0f}")
        return " ".join(parts)


def _counts_as_postgres(pid: int, database: str | None) -> bool:
    """PostgreSQL's own processes (WAL writer, checkpointer...) and the backends serving
    ``database``; not the backends of other people's databases on this shared server."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    is_backend = "127.0.0.1(" in title or "[local]" in title
    return not is_backend or (database is not None and f" {database} " in title)


class CpuMeter:
    def __init__(self, server: Running | None) -> None:
        self.database = server.database if server else None
        self.server_pids = set(server.worker_pids()) if server else set()
        self.t0 = time.monotonic()
        self.procs = _all_ticks()
        self.mine = time.process_time()
        self.machine = _machine_ticks()

    def share(self) -> CpuShare:
        wall = time.monotonic() - self.t0
        procs = _all_ticks()
        used: dict[str, float] = {"server": 0, "postgres": 0, "redis": 0}
        for pid, (comm, ticks) in procs.items():
            before = self.procs.get(pid)
            delta = ticks - (before[1] if before and before[0] == comm else 0)
            if pid in self.server_pids:
                used["server"] += delta
            elif comm == "postgres" and _counts_as_postgres(pid, self.database):
                used["postgres"] += delta
            elif comm == "redis-server":
                used["redis"] += delta
        busy, total = _machine_ticks()
        cores = os.cpu_count() or 1
        machine = (busy - self.machine[0]) / max(1, total - self.machine[1]) * 100 * cores

        def pct(ticks: float) -> float:
            return ticks / TICKS / wall * 100 if wall else 0.0

        return CpuShare(
            server=pct(used["server"]),
            generator=(time.process_time() - self.mine) / wall * 100 if wall else 0.0,
            postgres=pct(used["postgres"]),
            redis=pct(used["redis"]),
            machine=machine,
        )


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def code_version() -> str:
    """The commit under test, and whether dongne/ has uncommitted changes (read-only git)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "dongne"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown (no git)"
    return f"{head or 'unknown'}" + (" + uncommitted changes in dongne/" if dirty else "")


# -- the load generator ------------------------------------------------------------------


class Tally:
    """What came back, keyed by client_id; times from CLOCK in this process."""

    def __init__(self) -> None:
        self.sent: dict[str, float] = {}
        self.order: deque[str] = deque()  # sent, oldest first, until answered
        self.receiver: dict[str, Socket] = {}  # the socket that should get each message
        self.acked: dict[str, float] = {}
        self.delivered: dict[str, float] = {}
        self.errors: dict[str, str] = {}
        self.duplicates = 0
        self.own_copies = 0
        self.pongs = 0
        self.pongs_expected = 0
        self.all_ponged = asyncio.Event()
        self.closed = 0
        self.waiters: dict[str, asyncio.Future[None]] = {}

    def on_frame(self, me: int, raw: str | bytes) -> None:
        now = CLOCK()
        frame = json.loads(raw)
        kind = frame.get("type")
        cid = frame.get("client_id")
        if kind == "message":
            if frame.get("sender_id") == me:
                self.own_copies += 1  # the sender's own socket is told too
                return
            if cid in self.delivered:
                self.duplicates += 1
                return
            self.delivered[cid] = now
        elif kind == "ack":
            self.acked.setdefault(cid, now)
        elif kind == "send":  # the echo app: the frame itself is both ack and delivery
            self.acked[cid] = self.delivered[cid] = now
        elif kind == "error":
            self.errors[str(cid)] = f"{frame.get('status')} {frame.get('code')}"
        elif kind == "pong":
            self.pongs += 1
            if self.pongs >= self.pongs_expected:
                self.all_ponged.set()
            return
        else:
            return
        waiter = self.waiters.get(cid)
        finished = cid in self.errors or (cid in self.acked and cid in self.delivered)
        if waiter is not None and finished and not waiter.done():
            waiter.set_result(None)

    @property
    def outstanding(self) -> int:
        return len(self.sent) - len(self.acked) - len(self.errors)

    def oldest_unanswered(self) -> float | None:
        """When the oldest send still waiting for its ack (or error) was written."""
        while self.order and (self.order[0] in self.acked or self.order[0] in self.errors):
            self.order.popleft()
        return self.sent[self.order[0]] if self.order else None

    def undelivered(self) -> list[str]:
        return [cid for cid in self.acked if cid not in self.delivered]


class Socket:
    """One client socket of one user (a browser tab)."""

    __slots__ = ("closed", "conversation", "reader", "token", "user_id", "ws")

    def __init__(self, person: Person, conversation: int = 0) -> None:
        self.user_id = person.id
        self.token = person.token
        self.conversation = conversation
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.closed = False  # by the server, while we were listening

    async def open(self, ws_url: str, hello: bool = True) -> None:
        self.ws = await connect(
            ws_url,
            additional_headers={"Authorization": f"Bearer {self.token}"},  # never in the URL
            open_timeout=120,
            ping_interval=None,  # browsers do not ping; the server's keepalive pings remain
            close_timeout=2,
            max_size=2**20,
            compression=CLIENT_COMPRESSION,
        )
        if hello:
            await self.ws.send('{"type": "hello"}')
            first = json.loads(await asyncio.wait_for(self.ws.recv(), 120))
            if first.get("type") != "welcome":
                raise RuntimeError(f"expected welcome, got {first}")

    def listen(self, tally: Tally) -> None:
        self.reader = asyncio.create_task(self._read(tally))

    async def _read(self, tally: Tally) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            async for raw in self.ws:
                tally.on_frame(self.user_id, raw)
        self.closed = True
        tally.closed += 1

    async def send(self, cid: str, tally: Tally) -> None:
        assert self.ws is not None
        text = json.dumps(
            {"type": "send", "conversation_id": self.conversation, "client_id": cid, "body": BODY},
            ensure_ascii=False,
        )
        tally.sent[cid] = CLOCK()
        tally.order.append(cid)
        await self.ws.send(text)

    def abort(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        if self.ws is not None:
            self.ws.transport.abort()


async def open_all(
    sockets: Sequence[Socket], ws_url: str, hello: bool = True, parallel: int = 25
) -> list[str]:
    """Open (and hello) every socket, ``parallel`` handshakes at a time; the failures."""
    gate = asyncio.Semaphore(parallel)
    failures: list[str] = []

    async def one(sock: Socket) -> None:
        async with gate:
            try:
                await sock.open(ws_url, hello)
            except (OSError, TimeoutError, WebSocketException, RuntimeError) as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:200])
                sock.abort()
                sock.ws = None

    await asyncio.gather(*(one(s) for s in sockets))
    return failures


async def close_all(sockets: Sequence[Socket]) -> None:
    for sock in sockets:
        sock.abort()
    await asyncio.sleep(0.5)


def pair_sockets(pairs: Sequence[Pair]) -> tuple[list[Socket], list[tuple[Socket, Socket]]]:
    """Two sockets per conversation; (buyer, seller) for each."""
    both = [
        (Socket(p.buyer, p.conversation_id), Socket(p.seller, p.conversation_id)) for p in pairs
    ]
    return [s for two in both for s in two], both


# -- connections -------------------------------------------------------------------------


@dataclass
class Step:
    connections: int  # the step's target
    failures: int  # failed to open in this step, or closed by the server since
    open: int  # open when RSS was read
    rss: int
    seconds: float


@dataclass
class ConnectionReport:
    base_rss: int = 0
    steps: list[Step] = field(default_factory=list)
    idle_cpu: CpuShare | None = None
    idle_seconds: float = 0.0
    pongs: int = 0
    pinged: int = 0
    ping_seconds: float = 0.0
    failure_samples: list[str] = field(default_factory=list)
    log_errors: dict[str, int] = field(default_factory=dict)

    @property
    def held(self) -> int:
        """Sockets that still answered a ping at the end."""
        return self.pongs


async def connection_test(
    server: Running, people: Sequence[Person], steps: Sequence[int], idle_seconds: float
) -> ConnectionReport:
    report = ConnectionReport(base_rss=server.rss_bytes())
    sockets: list[Socket] = []
    try:
        for target in steps:
            more = [Socket(people[i % len(people)]) for i in range(len(sockets), target)]
            say(f"  opening {len(more):,} more sockets (to {target:,})")
            t0 = time.monotonic()
            failures = await open_all(more, server.ws_url)
            seconds = time.monotonic() - t0
            sockets.extend(s for s in more if s.ws is not None and s.ws.state.name == "OPEN")
            await asyncio.sleep(2.0)  # let allocations settle
            failed = len(failures) + sum(1 for s in sockets if s.ws and s.ws.state.name != "OPEN")
            still_open = sum(1 for s in sockets if s.ws and s.ws.state.name == "OPEN")
            report.steps.append(Step(target, failed, still_open, server.rss_bytes(), seconds))
            report.failure_samples.extend(failures[:3])
            say(
                f"  {target:,} sockets: {failed:,} failed, RSS {server.rss_bytes() / 2**20:,.0f} MiB"
            )
            if failed > max(10, target // 100) or server.process.poll() is not None:
                break
        # The sockets sit idle: what does holding them cost? (a sweep every 20 s each)
        meter = CpuMeter(server)
        await asyncio.sleep(idle_seconds)
        report.idle_cpu, report.idle_seconds = meter.share(), idle_seconds
        # And are they all still served? A ping on every one.
        tally = Tally()
        live = [s for s in sockets if s.ws is not None and s.ws.state.name == "OPEN"]
        tally.pongs_expected = report.pinged = len(live)
        for sock in live:
            sock.listen(tally)
        t0 = time.monotonic()
        for sock in live:
            with contextlib.suppress(ConnectionClosed):
                assert sock.ws is not None
                await sock.ws.send('{"type": "ping"}')
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(tally.all_ponged.wait(), 60)
        report.pongs, report.ping_seconds = tally.pongs, time.monotonic() - t0
    finally:
        await close_all(sockets)
    return report


# -- latency at a fixed rate -------------------------------------------------------------


@dataclass
class RateRun:
    config: str
    variant: str
    workers: int
    target: int
    conversations: int
    measure_seconds: float
    sent: int = 0  # in the measured window
    acked: int = 0
    delivered_in_window: int = 0
    latencies: list[float] = field(default_factory=list)  # measured messages, seconds
    ack_latencies: list[float] = field(default_factory=list)
    undelivered: int = 0  # acked, not delivered to the other side by the end of the drain
    receiver_closed: int = 0  # ... of which the receiving socket had been closed by the server
    unacked: int = 0  # sent, neither acked nor refused by the end of the drain
    errors: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    closed: int = 0
    overloaded_at: float | None = None  # seconds into the run when a send waited > 2 s
    throughput: tuple[int, int, float] | None = None  # overloaded: acked, delivered, seconds
    cpu: CpuShare | None = None
    server_cpu_ms: float | None = None  # server CPU per acked message in the window
    rss: int = 0
    fds: list[int] = field(default_factory=list)
    drain_seconds: float = 0.0
    acked_total: int = 0
    stored_total: int | None = None  # rows with this run's client ids, after the server stopped
    tag: str = ""
    server_errors: dict[str, int] = field(default_factory=dict)  # exceptions in the server log
    incidents: list[str] = field(default_factory=list)

    @property
    def achieved(self) -> float:
        return self.delivered_in_window / self.measure_seconds if self.measure_seconds else 0.0

    def ms(self, q: float) -> float | None:
        return percentile(self.latencies, q) * 1000 if self.latencies else None


async def rate_run(
    server: Running,
    pairs: Sequence[Pair],
    rate: int,
    warmup: float,
    seconds: float,
    config: str,
    variant: str,
    profile: Path | None,
) -> RateRun:
    """Open-loop sends at ``rate`` for ``warmup + seconds``; the window after the warm-up is
    measured. Sending stops early once a send has waited more than OVERLOAD_SECONDS for its
    ack: the server is not keeping up and the queue would only grow."""
    sockets, both = pair_sockets(pairs)
    tally = Tally()
    say(f"  {config} @ {rate:,} msg/s: opening {len(sockets):,} sockets")
    failures = await open_all(sockets, server.ws_url)
    if failures:
        say(f"  {len(failures)} sockets failed to open, e.g. {failures[0]}")
    for sock in sockets:
        if sock.ws is not None:
            sock.listen(tally)
    await asyncio.sleep(SETTLE_SECONDS)
    partner = {id(a): b for a, b in both} | {id(b): a for a, b in both}
    senders = [s for two in zip(*both, strict=True) for s in two]  # all buyers, then sellers
    senders = [s for s in senders if s.ws is not None]
    run = RateRun(config, variant, server.workers, rate, len(pairs), seconds)
    run.tag = tag = secrets.token_hex(4)
    spy: subprocess.Popen[bytes] | None = None
    total = warmup + seconds
    started = CLOCK()
    window = (started + warmup, started + total)
    meters = {"run": CpuMeter(server)}  # and "window", from the end of the warm-up
    ticks = {"run": server.cpu_ticks()}
    n = 0
    while True:
        now = CLOCK()
        elapsed = now - started
        if elapsed >= total:
            break
        if "window" not in meters and now >= window[0]:
            meters["window"], ticks["window"] = CpuMeter(server), server.cpu_ticks()
            if profile is not None:
                spy = start_profile(server, profile, config, variant, rate, seconds)
        due = min(int(elapsed * rate) + 1, n + max(1, rate // 20))
        while n < due:
            sock = senders[n % len(senders)]
            cid = f"{tag}-{n}"
            tally.receiver[cid] = partner[id(sock)]
            try:
                await sock.send(cid, tally)
            except ConnectionClosed:
                tally.errors[cid] = "socket closed"
            n += 1
        oldest = tally.oldest_unanswered()
        if oldest is not None and now - oldest > OVERLOAD_SECONDS:
            run.overloaded_at = elapsed
            break
        await asyncio.sleep(0.002)
    end_of_sending = CLOCK()
    if "window" in meters and run.overloaded_at is None:
        run.cpu = meters["window"].share()
        used = server.cpu_ticks() - ticks["window"]
        acked = sum(1 for t in tally.acked.values() if window[0] <= t < window[1])
        run.server_cpu_ms = used / TICKS / acked * 1000 if acked else None
    run.rss, run.fds = server.rss_bytes(), server.fds()
    if spy is not None:
        finish_profile(spy)
    # Drain: every sent message acked (or refused), every acked one delivered. A delivery
    # whose doorbell was missed comes with the receiver's next sweep, so wait a while.
    limit = DRAIN_SECONDS if run.overloaded_at is None else OVERLOADED_DRAIN_SECONDS
    while CLOCK() - end_of_sending < limit:
        if tally.outstanding <= 0 and not tally.undelivered():
            break
        await asyncio.sleep(0.05)
    run.drain_seconds = CLOCK() - end_of_sending
    if run.overloaded_at is not None:
        # What the server did get through, from the first send to the end of the drain:
        # its real capacity under this load, and its CPU per message.
        run.cpu = meters["run"].share()
        used = server.cpu_ticks() - ticks["run"]
        answered = len(tally.acked) + len(tally.errors)
        run.server_cpu_ms = used / TICKS / answered * 1000 if answered else None
        last = max([*tally.acked.values(), *tally.delivered.values()], default=started)
        run.throughput = (len(tally.acked), len(tally.delivered), max(1e-3, last - started))
        window = (started, end_of_sending)
        run.measure_seconds = end_of_sending - started
    measured = [cid for cid, t0 in tally.sent.items() if window[0] <= t0 < window[1]]
    run.sent = len(measured)
    run.acked = sum(1 for c in measured if c in tally.acked)
    run.latencies = [tally.delivered[c] - tally.sent[c] for c in measured if c in tally.delivered]
    run.ack_latencies = [tally.acked[c] - tally.sent[c] for c in measured if c in tally.acked]
    run.delivered_in_window = sum(1 for t in tally.delivered.values() if window[0] <= t < window[1])
    missing = tally.undelivered()
    run.undelivered = len(missing)
    run.receiver_closed = sum(1 for c in missing if tally.receiver[c].closed)
    run.unacked = max(0, tally.outstanding)
    run.acked_total = len(tally.acked)
    for reason in tally.errors.values():
        run.errors[reason] = run.errors.get(reason, 0) + 1
    run.duplicates, run.closed = tally.duplicates, tally.closed
    await close_all(sockets)
    return run


async def stored_with_tag(url: str, tag: str) -> int:
    db = Database(url)
    try:
        async with db.sessions() as s:
            return int(
                await s.scalar(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.client_id.like(f"{tag}-%"))
                )
                or 0
            )
    finally:
        await db.dispose()


EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout\w*)): ?(.{0,60})")


def logged_exceptions(log: Path) -> dict[str, int]:
    """The final line of every traceback in a server log, counted."""
    found: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        match = EXCEPTION_LINE.match(line)
        if match:
            key = f"{match.group(1)}: {match.group(2)}".rstrip(": ")
            found[key] = found.get(key, 0) + 1
    return found


def redis_run_id() -> str | None:
    """Redis's run id: it changes when someone restarts the shared server."""
    from redis import Redis

    try:
        client = Redis.from_url(REDIS_URL, socket_timeout=2)
        try:
            return str(client.info("server")["run_id"])
        finally:
            client.close()
    except Exception:
        return None


def incidents(server: Running, redis_before: str | None, redis_after: str | None) -> list[str]:
    """What else happened to the server during a row, from its log and from Redis."""
    text = server.log.read_text(errors="replace")
    found = []
    if redis_before is not None and redis_after != redis_before:
        found.append("REDIS WAS RESTARTED (or went away) during the row, by someone else")
    lost = text.count("redis hub connection lost")
    if lost:
        found.append(f"{lost}x 'redis hub connection lost' in the log")
    died = text.count("] died")
    if died:
        found.append(f"uvicorn restarted {died} unresponsive worker(s)")
    if server.stuck:
        found.append(f"{len(server.stuck)} worker(s) ignored SIGTERM at the end and were killed")
    return found


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """This process's cyclic garbage collector off while it measures. Holding thousands
    of sockets, its full passes paused the load generator for 100-250 ms at a time, and
    every frame that arrived meanwhile was timed late: the server's latency, inflated
    by the client's pause. What exists is frozen first; reference counting still frees
    everything that is not in a cycle, and the collector comes back afterwards."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def latency_row(
    db: BenchDatabase,
    work: Path,
    pairs: Sequence[Pair],
    workers: int,
    redis: bool,
    variant: str,
    rate: int,
    args: argparse.Namespace,
) -> RateRun:
    """One row on a fresh server, so no backlog of an overloaded row leaks into the next."""
    label = f"{db.label} {workers}w" + (" + Redis" if redis else "")
    before = redis_run_id() if redis else None
    with (
        serving(partial(start_dongne, db, work, workers, redis, variant)) as srv,
        collector_paused(),
    ):
        run: RateRun = run_async(  # type: ignore[assignment]
            rate_run(srv, pairs, rate, args.warmup, args.seconds, label, variant, args.profile)
        )
    run.server_errors = logged_exceptions(srv.log)
    run.incidents = incidents(srv, before, redis_run_id() if redis else None)
    run.stored_total = run_async(stored_with_tag(db.url, run.tag))  # type: ignore[assignment]
    say(
        f"    achieved {run.achieved:,.0f}/s p50 {fmt_ms(run.ms(0.5))} p99 {fmt_ms(run.ms(0.99))}"
        f" undelivered {run.undelivered} unacked {run.unacked}"
        + (f" overloaded at {run.overloaded_at:.1f} s" if run.overloaded_at is not None else "")
    )
    return run


def start_profile(
    server: Running, directory: Path, config: str, variant: str, rate: int, seconds: float
) -> subprocess.Popen[bytes] | None:
    """py-spy on the first worker for the measured window (collapsed stacks, to be read)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        say("  --profile: py-spy not found (pip install py-spy)")
        return None
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{config}-{variant}-{rate}".replace(" ", "_").replace("/", "")
    out = directory / f"{name}.txt"
    say(f"  profiling {server.worker_pids()[0]} into {out}")
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(server.worker_pids()[0]),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--gil",  # only samples holding the GIL: CPU, not the loop waiting
            "--format",
            "raw",
            "--nonblocking",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish_profile(spy: subprocess.Popen[bytes]) -> None:
    try:
        spy.wait(timeout=60)
    except subprocess.TimeoutExpired:
        spy.kill()


# -- the ceiling: closed loop, as fast as answers come back ------------------------------


@dataclass
class Ceiling:
    label: str
    workers: int
    senders: int
    rate: float
    latencies: list[float]
    errors: int
    timeouts: int
    cpu: CpuShare | None
    server_cpu_ms: float | None = None  # server CPU per completed message
    incidents: list[str] = field(default_factory=list)
    server_errors: dict[str, int] = field(default_factory=dict)


async def closed_loop(
    server: Running,
    sockets: Sequence[Socket],
    senders: Sequence[Socket],
    warmup: float,
    seconds: float,
    hello: bool = True,
) -> Ceiling:
    tally = Tally()
    failures = await open_all(sockets, server.ws_url, hello)
    if failures:
        say(f"  {len(failures)} sockets failed to open, e.g. {failures[0]}")
    for sock in sockets:
        if sock.ws is not None:
            sock.listen(tally)
    await asyncio.sleep(SETTLE_SECONDS)
    tag = secrets.token_hex(3)
    started = CLOCK()
    window = (started + warmup, started + warmup + seconds)
    timeouts = 0
    loop = asyncio.get_running_loop()

    async def sender(i: int, sock: Socket) -> None:
        nonlocal timeouts
        n = 0
        while CLOCK() < window[1] and sock.ws is not None:
            cid = f"{tag}-{i}-{n}"
            n += 1
            waiter: asyncio.Future[None] = loop.create_future()
            tally.waiters[cid] = waiter
            try:
                await sock.send(cid, tally)
                await asyncio.wait_for(waiter, 30)
            except TimeoutError:
                timeouts += 1
            except ConnectionClosed:
                return
            finally:
                tally.waiters.pop(cid, None)

    async def measure() -> tuple[CpuShare, float]:
        await asyncio.sleep(max(0.0, window[0] - CLOCK()))
        meter = CpuMeter(server)
        ticks = server.cpu_ticks()
        await asyncio.sleep(max(0.0, window[1] - CLOCK()))
        used = server.cpu_ticks() - ticks
        return meter.share(), used / TICKS

    results = await asyncio.gather(
        measure(), *(sender(i, s) for i, s in enumerate(senders) if s.ws is not None)
    )
    cpu, server_seconds = results[0]
    done = [
        (max(tally.acked[c], tally.delivered[c]), tally.sent[c])
        for c in tally.sent
        if c in tally.acked and c in tally.delivered
    ]
    in_window = [(t1 - t0) for t1, t0 in done if window[0] <= t1 < window[1]]
    await close_all(sockets)
    return Ceiling(
        server.label,
        server.workers,
        len(senders),
        len(in_window) / seconds,
        in_window,
        len(tally.errors),
        timeouts,
        cpu,
        server_seconds / len(in_window) * 1000 if in_window else None,
    )


async def echo_ceiling(
    server: Running, people: Sequence[Person], n: int, warmup: float, seconds: float
) -> Ceiling:
    """The same sockets and frames against the echo app (no hello: it would echo it)."""
    sockets = [Socket(people[i % len(people)], 1) for i in range(n)]
    return await closed_loop(server, sockets, sockets, warmup, seconds, hello=False)


async def dongne_ceiling(
    server: Running, pairs: Sequence[Pair], warmup: float, seconds: float
) -> Ceiling:
    sockets, both = pair_sockets(pairs)
    senders = [buyer for buyer, _seller in both]
    return await closed_loop(server, sockets, senders, warmup, seconds)


# -- the report --------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "MISS")


def fmt_ms(value: float | None) -> str:
    return "-" if value is None else (f"{value:,.1f}" if value < 1000 else f"{value:,.0f}")


def print_connections(report: ConnectionReport, target: int) -> None:
    print("\n## Connections held by one worker (PostgreSQL, in-process hub)\n")
    print(f"worker RSS before any socket: {report.base_rss / 2**20:,.1f} MiB")
    print(
        f"{'target':>9}{'failed':>8}{'open':>8}{'took (s)':>10}{'RSS (MiB)':>11}"
        f"{'KiB/socket':>12}{'KiB/socket, step':>18}"
    )
    previous = (0, report.base_rss)
    for step in report.steps:
        per = (step.rss - report.base_rss) / max(1, step.open) / 1024
        marginal = (step.rss - previous[1]) / max(1, step.open - previous[0]) / 1024
        print(
            f"{step.connections:>9,}{step.failures:>8,}{step.open:>8,}{step.seconds:>10.1f}"
            f"{step.rss / 2**20:>11,.0f}{per:>12,.1f}{marginal:>18,.1f}"
        )
        previous = (step.open, step.rss)
    if report.failure_samples:
        print("failures, e.g.: " + "; ".join(report.failure_samples[:3]))
    last = report.steps[-1] if report.steps else None
    if last is not None:
        held = report.held
        rss_mb = last.rss / 2**20
        per_socket = (last.rss - report.base_rss) / max(1, last.open)
        reached = last.open >= target
        print(
            f"\nmost sockets held (open and answering a ping at the end): {held:,} "
            f"(target {target:,}): {verdict(held >= target)}"
        )
        print(
            f"worker RSS with {last.open:,} open: {rss_mb:,.0f} MiB; "
            f"{per_socket / 1024:,.1f} KiB ({per_socket / 1e6:.3f} MB) per socket"
        )
        projected = (report.base_rss + per_socket * target) / 2**20
        print(
            f"RSS at {target:,} sockets "
            + (f"measured: {rss_mb:,.0f}" if reached else f"projected: {projected:,.0f}")
            + f" MiB (target < {TARGET_RSS_MB:,.0f} MiB): "
            + (
                verdict(rss_mb < TARGET_RSS_MB)
                if reached
                else f"({verdict(projected < TARGET_RSS_MB)})"
            )
        )
    if report.idle_cpu is not None:
        print(
            f"idle for {report.idle_seconds:.0f} s with them open, CPU % of a core: "
            f"{report.idle_cpu.short()}"
        )
    print(
        f"ping on every socket still open at the end ({report.pinged:,}): {report.pongs:,} pongs "
        f"in {report.ping_seconds:.1f} s"
    )
    if report.log_errors:
        print("server log: " + "; ".join(f"{v:,}x {k}" for k, v in report.log_errors.items()))


def print_rates(runs: Sequence[RateRun], title: str) -> None:
    print(f"\n## Delivery latency at a fixed rate, {title} (open loop; send -> the other socket)\n")
    print(
        f"{'configuration':<22}{'variant':<8}{'target':>7}{'achieved':>9}{'p50':>8}{'p95':>8}"
        f"{'p99':>8}{'max':>8}{'ack p50':>8}{'undeliv':>8}{'unack':>6}{'srv ms':>7}  "
        f"{'verdict':<8}CPU % of a core"
    )
    for run in runs:
        bound = TARGET_P99_MS.get(run.workers, TARGET_P99_MS[2])
        p99 = run.ms(0.99)
        ok = (
            run.undelivered == 0
            and run.unacked == 0
            and not run.errors
            and run.overloaded_at is None
            and run.achieved >= 0.95 * run.target
            and p99 is not None
            and p99 <= bound
        )
        shown = verdict(ok) if run.target == TARGET_P99_RATE else f"({verdict(ok)})"
        ack = percentile(run.ack_latencies, 0.5) * 1000 if run.ack_latencies else None
        srv = f"{run.server_cpu_ms:.1f}" if run.server_cpu_ms is not None else "-"
        print(
            f"{run.config:<22}{run.variant:<8}{run.target:>7,}{run.achieved:>9,.0f}"
            f"{fmt_ms(run.ms(0.5)):>8}{fmt_ms(run.ms(0.95)):>8}{fmt_ms(p99):>8}"
            f"{fmt_ms(run.ms(1.0)):>8}{fmt_ms(ack):>8}{run.undelivered:>8,}{run.unacked:>6,}"
            f"{srv:>7}  {shown:<8}{run.cpu.short() if run.cpu else '-'}"
        )
    print(
        "(ms. achieved: deliveries per second in the window; undeliv: acked, never delivered to\n"
        " the other side by the end; unack: no ack or error by the end; srv ms: server CPU per\n"
        " acked message. Targets at 2,000 msg/s: p99 <= 50 ms in one worker and <= 80 ms across\n"
        " two, >= 95 % of the rate achieved, nothing undelivered or unacked. Rows at other rates\n"
        " are held to the same bounds in parentheses, for information.)"
    )
    for run in runs:
        notes = []
        if run.overloaded_at is not None:
            notes.append(
                f"OVERLOADED: a send waited > {OVERLOAD_SECONDS:.0f} s for its ack "
                f"{run.overloaded_at:.1f} s in, sending stopped; window {run.measure_seconds:.1f} s"
            )
        if run.throughput is not None:
            acked, delivered, took = run.throughput
            notes.append(
                f"from the first send to the drain's end the server acked {acked:,} and delivered "
                f"{delivered:,} in {took:.0f} s ({acked / took:,.0f} and "
                f"{delivered / took:,.0f} msg/s): its capacity under this load"
            )
        if run.receiver_closed:
            notes.append(
                f"{run.receiver_closed:,} undelivered because the server closed the socket"
            )
        if run.errors:
            notes.append("errors " + ", ".join(f"{k}: {v:,}" for k, v in run.errors.items()))
        if run.duplicates:
            notes.append(f"{run.duplicates:,} DUPLICATE deliveries")
        if run.closed:
            notes.append(f"{run.closed:,} sockets closed by the server")
        if run.workers > 1 and run.fds:
            notes.append("open fds per worker " + "/".join(f"{f:,}" for f in run.fds))
        notes.append(f"{run.sent:,} sent in the window, {run.acked:,} acked")
        notes.append(f"drained in {run.drain_seconds:.1f} s")
        if run.stored_total is not None:
            durable = (
                "every ack stored" if run.stored_total >= run.acked_total else "ACK NOT STORED"
            )
            notes.append(
                f"stored {run.stored_total:,} rows for {run.acked_total:,} acks ({durable})"
            )
        notes.append(f"worker RSS {run.rss / 2**20:,.0f} MiB")
        if run.server_errors:
            notes.append(
                "server log: " + "; ".join(f"{v:,}x {k}" for k, v in run.server_errors.items())
            )
        notes.extend(run.incidents)
        print(f"  {run.config} {run.variant} @{run.target:,}: " + "; ".join(notes))


def print_ceiling(pairs: Sequence[tuple[Ceiling, Ceiling]]) -> None:
    print("\n## Ceiling: bare echo app vs dongne on the same server (closed loop)\n")
    print(
        f"{'server':<30}{'senders':>8}{'msg/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'srv ms':>8}  CPU % of a core"
    )
    for echo, ours in pairs:
        for c in (echo, ours):
            p50 = percentile(c.latencies, 0.5) * 1000 if c.latencies else None
            p99 = percentile(c.latencies, 0.99) * 1000 if c.latencies else None
            srv = f"{c.server_cpu_ms:.2f}" if c.server_cpu_ms is not None else "-"
            print(
                f"{c.label:<30}{c.senders:>8,}{c.rate:>9,.0f}{fmt_ms(p50):>9}{fmt_ms(p99):>9}"
                f"{c.errors + c.timeouts:>8,}{srv:>8}  {c.cpu.short() if c.cpu else '-'}"
            )
        for c in (echo, ours):
            notes = [f"{v:,}x {k}" for k, v in c.server_errors.items()] + c.incidents
            if notes:
                print(f"  {c.label}: " + "; ".join(notes))
        ratio = ours.rate / echo.rate if echo.rate else 0.0
        print(
            f"  ratio dongne / echo ({ours.workers} worker{'s' if ours.workers > 1 else ''}): "
            f"{ratio:.3f} (target >= {TARGET_CEILING_RATIO}): "
            f"{verdict(ratio >= TARGET_CEILING_RATIO)}"
        )
    print("(echo: each sender waits for its frame to come back; dongne: each sender waits for")
    print(" the ack and for the message to reach the other participant's socket; srv ms: server")
    print(" CPU per completed message)")


# -- main --------------------------------------------------------------------------------


def nice_rate(value: float) -> int:
    """Rounded down to two significant figures, at least 1."""
    if value < 1:
        return 1
    scale = 10 ** max(0, len(str(int(value))) - 2)
    return max(1, int(value) // scale * scale)


def run_async(coro: object) -> object:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)  # type: ignore[arg-type]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=TARGET_CONNECTIONS)
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--rates", default="1000,2000")
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--idle-seconds", type=float, default=25.0)
    parser.add_argument("--ceiling-senders", type=int, default=200)
    parser.add_argument("--ceiling-seconds", type=float, default=10.0)
    parser.add_argument("--variants", default="plain")
    parser.add_argument("--sections", default="connections,ceiling,latency,sqlite")
    parser.add_argument("--workers", default="1,2", help="worker counts for latency, ceiling")
    parser.add_argument("--profile", type=Path, help="py-spy each latency run into DIR")
    parser.add_argument("--keep", type=Path, help="keep logs and the SQLite file in DIR")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run (small numbers, short runs)"
    )
    args = parser.parse_args()
    if args.quick:
        args.connections, args.conversations = min(args.connections, 1000), 100
        args.seconds, args.warmup, args.idle_seconds = 3.0, 1.0, 3.0
        args.ceiling_senders, args.ceiling_seconds = 50, 3.0
    rates = [int(r) for r in args.rates.split(",")]
    variants = args.variants.split(",")
    sections = set(args.sections.split(","))
    worker_counts = [int(w) for w in args.workers.split(",")]
    for variant in variants:
        if variant not in VARIANTS:
            parser.error(f"unknown variant {variant!r}; known: {', '.join(VARIANTS)}")
    raise_fd_limit()
    began = time.monotonic()

    work = args.keep or Path(tempfile.mkdtemp(prefix="dongne-chat-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print("# chat over WebSockets: dongne against a bare echo app, side by side\n")
    print(
        f"machine: {os.cpu_count()} cores, load average {loadavg()} at the start; the load "
        "generator (this process, one\nasyncio loop on uvloop) shares those cores with the "
        "server, PostgreSQL and Redis, and its CPU is\nshown beside every row. Server: "
        "`dongne serve` (uvicorn, websockets-sansio; permessage-deflate offered, declined),\n"
        f"DONGNE_MESSAGE_LIMIT_PER_USER={MESSAGE_LIMIT} (default 600/minute), DONGNE_ENV=test."
    )
    print(f"code under test: {code_version()}")
    pg = create_database("postgresql", work, prefix="dongne_chatbench")
    runs: list[RateRun] = []
    conn_report: ConnectionReport | None = None
    ceilings: list[tuple[Ceiling, Ceiling]] = []
    try:
        say(f"preparing {pg.label} ({pg.name}): migrate + geo load")
        prepare_s = prepare_schema(pg, work)
        conversations = max(args.conversations, args.ceiling_senders)
        people_pairs = max(conversations, args.connections // 5)
        t0 = time.monotonic()
        pairs: list[Pair] = run_async(seed(pg.url, people_pairs))  # type: ignore[assignment]
        seed_s = time.monotonic() - t0
        people = [p for pair in pairs for p in (pair.buyer, pair.seller)]
        print(
            f"PostgreSQL database prepared in {prepare_s:.0f} s; {len(people):,} users and "
            f"{len(pairs):,} conversations inserted in {seed_s:.1f} s"
        )

        if "connections" in sections:
            steps = [s for s in (1000, 2000, 5000, 10_000, 15_000) if s < args.connections]
            steps.append(args.connections)
            say("connections")
            with serving(partial(start_dongne, pg, work, 1, False)) as server:
                conn_report = run_async(  # type: ignore[assignment]
                    connection_test(server, people, steps, args.idle_seconds)
                )
                conn_report.log_errors = logged_exceptions(server.log)  # type: ignore[union-attr]
            assert conn_report is not None
            print_connections(conn_report, args.connections)

        configs = [(w, w > 1) for w in worker_counts]  # several workers need Redis
        best: dict[int, float] = {}
        if "ceiling" in sections:
            say("ceiling")
            for workers, redis in configs:
                with serving(partial(start_echo, work, workers)) as srv, collector_paused():
                    echo: Ceiling = run_async(  # type: ignore[assignment]
                        echo_ceiling(
                            srv, people, args.ceiling_senders, args.warmup, args.ceiling_seconds
                        )
                    )
                say(f"    echo {workers}w: {echo.rate:,.0f} msg/s")
                before = redis_run_id() if redis else None
                with (
                    serving(partial(start_dongne, pg, work, workers, redis)) as srv,
                    collector_paused(),
                ):
                    ours: Ceiling = run_async(  # type: ignore[assignment]
                        dongne_ceiling(
                            srv, pairs[: args.ceiling_senders], args.warmup, args.ceiling_seconds
                        )
                    )
                ours.server_errors = logged_exceptions(srv.log)
                ours.incidents = incidents(srv, before, redis_run_id() if redis else None)
                say(f"    dongne {workers}w: {ours.rate:,.0f} msg/s")
                ours.label = f"dongne PostgreSQL {workers}w" + (" + Redis" if redis else "")
                echo.label = f"echo app {workers}w"
                ceilings.append((echo, ours))
                best[workers] = ours.rate
            print_ceiling(ceilings)

        if "latency" in sections:
            say("latency")
            for variant in variants:
                for workers, redis in configs:
                    # Beside the targets, half of the closed-loop maximum measured above: the
                    # latency at a load this configuration does sustain.
                    half = nice_rate(best[workers] / 2) if workers in best else None
                    for rate in sorted({*rates, *([half] if half else [])}):
                        runs.append(
                            latency_row(
                                pg,
                                work,
                                pairs[: args.conversations],
                                workers,
                                redis,
                                variant,
                                rate,
                                args,
                            )
                        )
            print_rates(runs, "PostgreSQL")
        stored = run_async(stored_messages(pg.url))
        print(f"\nmessages stored in PostgreSQL over the run: {stored:,}")
    finally:
        if args.keep is None:
            drop_database(pg)

    if "sqlite" in sections:
        say("sqlite")
        lite = create_database("sqlite", work, prefix="dongne_chatbench")
        try:
            prepare_schema(lite, work)
            lite_pairs: list[Pair] = run_async(  # type: ignore[assignment]
                seed(lite.url, args.conversations)
            )
            lite_run = latency_row(lite, work, lite_pairs, 1, False, variants[0], min(rates), args)
            print_rates([lite_run], "SQLite")
        finally:
            if args.keep is None:
                drop_database(lite)

    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"\nserver logs kept in {work}")
    print(f"\nload average at the end {loadavg()}; total run time {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
