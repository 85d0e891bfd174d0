"""What each use of a library's private parts (dongne/kit/adapters/) buys, measured side by
side with the public-API path in one run.

    python bench/internals.py [--sections sqlite,chat] [--listings 100000] [--rounds 5]
                              [--calls 200] [--senders 100] [--seconds 5] [--warmup 2]

Each measure alternates the two paths A/B/A/B… (``--rounds`` pairs), so both see the same
load on a shared machine, and prints the median over the rounds and the ratio.

* sqlite: the one-hop aiosqlite dialect (kit/adapters/sqlalchemy_aiosqlite.py) against
  SQLAlchemy's stock ``sqlite+aiosqlite`` dialect, two engines in this process on the same
  file: bench/feed.py's dataset (``--listings``, generated once into var/bench/ and reused),
  ``SELECT 1`` through a session, the feed's first page with its cards (the reads of the
  feed endpoint: what the dialect was written for), one write transaction, and 32
  concurrent write transactions (what the write gate was written for). Per round, a block
  of ``--calls`` calls each; the block's p50 (or its rate).
* chat: bench/chat.py's closed-loop ceiling (``--senders`` senders, each waiting for the ack
  and the delivery, ``--seconds`` measured after ``--warmup``), a fresh server per run, with
  ``DONGNE_INTERNALS_OFF`` naming the adapter to turn off: plain asyncpg for the send's two
  statements (kit/adapters/sqlalchemy_asyncpg.py) on PostgreSQL, one worker; the one-hop
  dialect under chat on SQLite, one worker. (Commit 09ff86b also measured a batch's
  rate-limit hits as one Redis pipeline of the `limits` script, since removed: see
  docs/internals.md.)

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

try:
    import dongne  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import chat
import feed
from _common import ROOT, create_database, drop_database, percentile, prepare_schema
from sqlalchemy import text

from dongne.db import Database
from dongne.events import record
from dongne.kit.media import LocalMediaStorage


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def line(label: str, a: list[float], b: list[float], unit: str, higher_is_better: bool) -> None:
    """One measure: the median of each side's rounds, and how much the internals buy: the
    median over the rounds of each round's ratio (a round's A and B ran back to back)."""
    ma, mb = statistics.median(a), statistics.median(b)
    ratios = [(x / y) if higher_is_better else (y / x) for x, y in zip(a, b, strict=True)]
    gain = statistics.median(ratios) - 1
    rounds = " ".join(f"{x:.3g}/{y:.3g}" for x, y in zip(a, b, strict=True))
    print(f"  {label:44}{ma:>10.3f}{mb:>10.3f} {unit:6} {gain:+7.0%}   rounds A/B: {rounds}")


def header(a: str, b: str) -> None:
    print(
        f"  {'measure':44}{a:>10}{b:>10} {'unit':6} {'gain':>7}   (gain: median of the rounds' A/B ratios)"
    )


# -- sqlite ------------------------------------------------------------------------------


async def paired(
    a: Callable[[], Awaitable[object]], b: Callable[[], Awaitable[object]], calls: int
) -> tuple[float, float, float, float]:
    """Median wall and CPU ms per call of ``a`` and ``b``, called in turn (ABBA…), so
    both meet the same moment-to-moment load. CPU is the process's (aiosqlite's thread
    included): what the call costs the machine, whoever else is running."""
    for _ in range(10):
        await a()
        await b()
    wall: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    clock, cpu_clock = time.perf_counter, time.process_time
    for i in range(calls):
        for side in (0, 1) if i % 2 == 0 else (1, 0):
            call = a if side == 0 else b
            started, cpu_started = clock(), cpu_clock()
            await call()
            wall[side].append(clock() - started)
            cpu[side].append(cpu_clock() - cpu_started)
    med = statistics.median
    return med(wall[0]) * 1e3, med(wall[1]) * 1e3, med(cpu[0]) * 1e3, med(cpu[1]) * 1e3


async def concurrent_writes(db: Database, writers: int, each: int) -> tuple[float, float]:
    """Transactions a second, and the p99 of one transaction's time in ms."""
    times: list[float] = []

    async def writer(n: int) -> None:
        for i in range(each):
            began = time.perf_counter()
            async with db.transaction() as session:
                record(session, "bench_write", writer=n, i=i)
            times.append(time.perf_counter() - began)

    started = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(writers)))
    return writers * each / (time.perf_counter() - started), percentile(times, 0.99) * 1000


async def sqlite_section(args: argparse.Namespace, workdir: Path) -> None:
    feed_args = argparse.Namespace(
        listings=args.listings,
        seed=20261123,
        users=5_000,
        cache=ROOT / "var" / "bench",
        rebuild=False,
    )
    # The dataset's key hashes text.py's source; a dataset of the same size made by an
    # earlier text.py holds the same terms (bench/text.py --against checks that).
    cached = sorted(feed_args.cache.glob(f"feed_v*_{args.listings}_*.sqlite3"))
    if cached:
        url = f"sqlite+aiosqlite:///{cached[-1]}"
    else:
        dataset = await asyncio.to_thread(feed.sqlite_dataset, feed_args, datetime.now(UTC))
        url = dataset.db.url
    ours, stock = Database(url, one_hop=True), Database(url, one_hop=False)
    media = LocalMediaStorage(workdir / "media")
    sides = {
        "A": feed.Bench(ours, media, args.calls, 1),
        "B": feed.Bench(stock, media, args.calls, 1),
    }

    async def select_one(db: Database) -> None:
        async with db.sessions() as session:
            await session.execute(text("SELECT 1"))

    async def one_write(db: Database) -> None:
        async with db.transaction() as session:
            record(session, "bench_write", n=1)

    a, b = sides["A"], sides["B"]
    calls: dict[str, tuple[Callable[[], Awaitable[object]], Callable[[], Awaitable[object]]]] = {
        "SELECT 1 through a session": (partial(select_one, ours), partial(select_one, stock)),
        "feed page 1 (range + ids)": (
            partial(a.feed, feed.YEOKSAM, None, False),
            partial(b.feed, feed.YEOKSAM, None, False),
        ),
        "feed page 1 + cards (the endpoint's reads)": (
            partial(a.feed, feed.YEOKSAM, None, True),
            partial(b.feed, feed.YEOKSAM, None, True),
        ),
        "one write transaction (an event)": (partial(one_write, ours), partial(one_write, stock)),
    }
    wall: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in calls}
    cpu: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in calls}
    writers: tuple[list[float], list[float]] = ([], [])
    writers_p99: tuple[list[float], list[float]] = ([], [])
    try:
        for r in range(args.rounds):
            for label, (call_a, call_b) in calls.items():
                wa, wb, ca, cb = await paired(call_a, call_b, args.calls)
                wall[label][0].append(wa)
                wall[label][1].append(wb)
                cpu[label][0].append(ca)
                cpu[label][1].append(cb)
            for side, db in enumerate((ours, stock) if r % 2 == 0 else (stock, ours)):
                index = side if r % 2 == 0 else 1 - side
                rate, p99 = await concurrent_writes(db, 32, 10)
                writers[index].append(rate)
                writers_p99[index].append(p99)
            say(f"  sqlite round {r + 1}/{args.rounds} done (load {os.getloadavg()[0]:.1f})")
    finally:
        await ours.dispose()
        await stock.dispose()
    print(
        f"\n## SQLite: one-hop dialect (A) vs SQLAlchemy's stock aiosqlite dialect (B)\n"
        f"bench/feed.py dataset, {args.listings:,} listings ({url}); {args.rounds} rounds "
        f"A/B, each {args.calls} calls of A and B in turn (ABBA…): the round's median per call"
    )
    header("A", "B")
    for label in calls:
        line(f"{label}, wall", *wall[label], "ms", False)
        line(f"{label}, CPU", *cpu[label], "ms", False)
    line("32 concurrent writers, 10 transactions each", *writers, "tx/s", True)
    line("  p99 of one of their transactions", *writers_p99, "ms", False)


# -- chat --------------------------------------------------------------------------------

OFF = "DONGNE_INTERNALS_OFF"
chat.VARIANTS.update(
    {
        "no-asyncpg": {OFF: "sqlalchemy_asyncpg"},
        "no-aiosqlite": {OFF: "sqlalchemy_aiosqlite"},
    }
)


def ceiling(
    db: object,
    work: Path,
    pairs: list[chat.Pair],
    workers: int,
    redis: bool,
    variant: str,
    a: argparse.Namespace,
) -> tuple[float, float | None]:
    """Closed-loop messages a second and server CPU ms a message, on a fresh server."""
    with (
        chat.serving(partial(chat.start_dongne, db, work, workers, redis, variant)) as srv,
        chat.collector_paused(),
    ):
        result: chat.Ceiling = chat.run_async(  # type: ignore[assignment]
            chat.dongne_ceiling(srv, pairs[: a.senders], a.warmup, a.seconds)
        )
    errors = chat.logged_exceptions(srv.log)
    if errors or result.errors or result.timeouts:
        say(f"    {variant}: errors {errors} {result.errors} timeouts {result.timeouts}")
    say(f"    {srv.label} {variant}: {result.rate:,.0f} msg/s")
    return result.rate, result.server_cpu_ms


def chat_rows(
    db: object,
    work: Path,
    pairs: list[chat.Pair],
    workers: int,
    redis: bool,
    off: str,
    args: argparse.Namespace,
    title: str,
) -> None:
    rates: tuple[list[float], list[float]] = ([], [])
    cpu: tuple[list[float], list[float]] = ([], [])
    for _ in range(args.rounds):
        for i, variant in enumerate(("plain", off)):
            rate, ms = ceiling(db, work, pairs, workers, redis, variant, args)
            rates[i].append(rate)
            cpu[i].append(ms or 0.0)
    print(
        f"\n## {title}\n{args.rounds} rounds A/B, {args.senders} closed-loop senders, "
        f"{args.seconds:g} s after {args.warmup:g} s warm-up, a fresh server per run"
    )
    header("A", "B")
    line("closed-loop ceiling", *rates, "msg/s", True)
    line("server CPU per message", *cpu, "ms", False)


def chat_section(args: argparse.Namespace, work: Path) -> None:
    chat.raise_fd_limit()
    rows = set(args.chat.split(","))
    pg = create_database("postgresql", work, prefix="dongne_internals")
    try:
        say(f"preparing {pg.name}")
        prepare_schema(pg, work)
        pairs: list[chat.Pair] = chat.run_async(chat.seed(pg.url, args.senders))  # type: ignore[assignment]
        if "asyncpg" in rows:
            chat_rows(
                pg,
                work,
                pairs,
                1,
                False,
                "no-asyncpg",
                args,
                "chat, PostgreSQL, 1 worker: plain asyncpg (A) vs SQLAlchemy (B)",
            )
    finally:
        drop_database(pg)
    if "aiosqlite" not in rows:
        return
    lite = create_database("sqlite", work, prefix="dongne_internals")
    try:
        prepare_schema(lite, work)
        lite_pairs: list[chat.Pair] = chat.run_async(chat.seed(lite.url, args.senders))  # type: ignore[assignment]
        chat_rows(
            lite,
            work,
            lite_pairs,
            1,
            False,
            "no-aiosqlite",
            args,
            "chat, SQLite, 1 worker: one-hop dialect (A) vs stock aiosqlite dialect (B)",
        )
    finally:
        drop_database(lite)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="sqlite,chat")
    parser.add_argument("--chat", default="asyncpg,aiosqlite", help="which chat rows")
    parser.add_argument("--keep", type=Path, help="keep the servers' logs in DIR")
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--senders", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    began = time.monotonic()
    print(
        f"# library internals vs public APIs (A = internals, B = public API)\n"
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; "
        f"code {chat.code_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="dongne-internals-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        if "sqlite" in sections:
            asyncio.run(sqlite_section(args, work))
        if "chat" in sections:
            chat_section(args, work)
    print(
        f"\nload average at the end {os.getloadavg()[0]:.1f}; "
        f"total {time.monotonic() - began:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
