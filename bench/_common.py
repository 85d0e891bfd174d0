"""What the benchmarks in bench/ share: throw-away databases of either engine, migrated and
loaded with the real neighbourhoods the way tests/conftest.py does it, timing, EXPLAIN
through SQLAlchemy (so bound parameters are processed exactly as the application's), and a
real server on a real socket driven by a real HTTP client.

Not a test helper: nothing here asserts on a time.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import dongne  # noqa: F401
except ImportError:  # run from a checkout without installing it
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from dongne import migrate

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get(
    "DONGNE_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


# -- databases ---------------------------------------------------------------------------


@dataclass
class BenchDatabase:
    """One throw-away database: a SQLite file, or a PostgreSQL database of its own."""

    engine: str  # "sqlite" | "postgresql"
    url: str
    path: Path | None = None  # the SQLite file
    name: str | None = None  # the PostgreSQL database
    admin_url: str | None = None

    @property
    def label(self) -> str:
        return "SQLite" if self.engine == "sqlite" else "PostgreSQL"


async def _pg_admin(admin_url: str, statement: str) -> None:
    import asyncpg

    url = make_url(admin_url)
    conn = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def create_database(
    engine: str,
    directory: Path,
    prefix: str = "dongne_bench",
    admin_url: str = PG_ADMIN_URL,
    name: str | None = None,
) -> BenchDatabase:
    """An empty database: ``directory/<prefix>.sqlite3``, or ``CREATE DATABASE <prefix>_<hex>``
    (or ``name`` on PostgreSQL, for a dataset kept between runs)."""
    if engine == "sqlite":
        path = directory / f"{prefix}.sqlite3"
        for leftover in sqlite_files(path):
            leftover.unlink(missing_ok=True)
        return BenchDatabase("sqlite", f"sqlite+aiosqlite:///{path}", path=path)
    if engine != "postgresql":
        raise ValueError(f"unknown engine {engine!r}")
    name = name or f"{prefix}_{secrets.token_hex(3)}"
    asyncio.run(_pg_admin(admin_url, f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return BenchDatabase("postgresql", url, name=name, admin_url=admin_url)


def drop_database(db: BenchDatabase) -> None:
    if db.path is not None:
        for path in sqlite_files(db.path):
            path.unlink(missing_ok=True)
    if db.name is not None and db.admin_url is not None:
        asyncio.run(_pg_admin(db.admin_url, f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)'))


def sqlite_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def prepare_schema(db: BenchDatabase, data_dir: Path) -> float:
    """Migrate to head and load every neighbourhood with the real loader (``dongne geo
    load``, as tests/conftest.py does). Returns the seconds it took."""
    started = time.perf_counter()
    migrate.upgrade(db.url)
    env = {**os.environ, "DONGNE_DATABASE_URL": db.url, "DONGNE_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-m", "dongne.cli", "geo", "load"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return time.perf_counter() - started


async def database_bytes(session: AsyncSession, db: BenchDatabase) -> int:
    """The database's size on disk (SQLite: the file and its WAL)."""
    if db.path is not None:
        return sum(p.stat().st_size for p in sqlite_files(db.path) if p.exists())
    return int(await session.scalar(text("SELECT pg_database_size(current_database())")) or 0)


async def table_bytes(
    session: AsyncSession, db: BenchDatabase, tables: Sequence[str]
) -> dict[str, int]:
    """Each table's size on disk with its indexes (SQLite: from the dbstat table)."""
    sizes: dict[str, int] = {}
    for table in tables:
        if db.engine == "sqlite":
            value = await session.scalar(
                text(
                    "SELECT SUM(pgsize) FROM dbstat WHERE aggregate = TRUE AND name IN "
                    "(SELECT name FROM sqlite_schema WHERE tbl_name = :t)"
                ),
                {"t": table},
            )
        else:
            value = await session.scalar(
                text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": table}
            )
        sizes[table] = int(value or 0)
    return sizes


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.2f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


# -- timing ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest rank, as bench/geo.py does."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Timing:
    samples: list[float] = field(default_factory=list)  # seconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples, 0.50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples, 0.99) * 1000

    @property
    def runs(self) -> int:
        return len(self.samples)


async def measure(
    call: Callable[[], Awaitable[object]], runs: int, warmup: int | None = None
) -> Timing:
    """Await ``call`` ``warmup`` times untimed, then ``runs`` times, each timed alone with
    time.perf_counter around the awaited call."""
    for _ in range(min(runs, 20) if warmup is None else warmup):
        await call()
    timing = Timing()
    clock = time.perf_counter
    for _ in range(runs):
        started = clock()
        await call()
        timing.samples.append(clock() - started)
    return timing


# -- EXPLAIN -----------------------------------------------------------------------------


class Explain(Executable, ClauseElement):
    """``EXPLAIN`` of a SQLAlchemy statement, executed like the statement itself, so its
    parameters go through the same type processing (UTC datetimes on SQLite, ...).

    SQLite: ``EXPLAIN QUERY PLAN``; PostgreSQL: ``EXPLAIN (ANALYZE, BUFFERS)``, which runs it.
    """

    inherit_cache = False

    def __init__(self, statement: Executable) -> None:
        self.statement = statement


@compiles(Explain)
def _compile_explain(element: Explain, compiler: SQLCompiler, **kw: Any) -> str:
    if compiler.dialect.name == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN (ANALYZE, BUFFERS, SETTINGS) "
    return prefix + compiler.process(element.statement, **kw)  # type: ignore[arg-type]


async def explain(session: AsyncSession, statement: Executable) -> list[str]:
    """The plan as indented lines (SQLite's rows are turned into the tree the CLI draws)."""
    result = await session.execute(Explain(statement))
    rows = result.all()
    if session.get_bind().dialect.name != "sqlite":
        return [str(row[0]) for row in rows]
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + str(detail))
    return lines


_LITERAL = re.compile(r"'[^']*'|\d+(\.\d+)?")


@dataclass
class _Node:
    line: str
    children: list[_Node] = field(default_factory=list)
    raw: str = ""

    def shape(self) -> tuple[object, ...]:
        return (_LITERAL.sub("#", self.line.strip()), tuple(c.shape() for c in self.children))


def _parse(lines: Sequence[str]) -> list[_Node]:
    roots: list[_Node] = []
    stack: list[tuple[int, _Node]] = []
    for line in lines:
        depth = len(line) - len(line.lstrip(" "))
        node = _Node(line.strip(), raw=line)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        (stack[-1][1].children if stack else roots).append(node)
        stack.append((depth, node))
    return roots


def _arms(node: _Node) -> list[_Node]:
    """SQLite draws a compound SELECT as a binary tree of MERGE nodes whose LEFT and RIGHT
    children hold either another MERGE or one arm: the arms, left to right."""
    if node.line.startswith("MERGE "):
        return [arm for child in node.children for arm in _arms(child)]
    if node.line in ("LEFT", "RIGHT"):
        if len(node.children) == 1 and node.children[0].line.startswith("MERGE "):
            return _arms(node.children[0])
        return [_Node("arm", node.children)]
    return [node]


def _flatten(node: _Node) -> _Node:
    if node.line.startswith("MERGE ") and any(c.line in ("LEFT", "RIGHT") for c in node.children):
        arms = [_Node(arm.line, [_flatten(c) for c in arm.children]) for arm in _arms(node)]
        return _Node(f"{node.line} of {len(arms)} arms", arms, node.raw)
    return _Node(node.line, [_flatten(c) for c in node.children], node.raw)


def _render(nodes: list[_Node], depth: int, out: list[str], reindent: bool) -> None:
    i = 0
    while i < len(nodes):
        j = i + 1
        while j < len(nodes) and nodes[j].shape() == nodes[i].shape():
            j += 1
        node = nodes[i]
        pad = "  " * depth if reindent else node.raw[: len(node.raw) - len(node.raw.lstrip(" "))]
        out.append(pad + node.line)
        _render(node.children, depth + 1, out, reindent)
        if j - i > 1:
            out.append(pad + f"… and {j - i - 1} more like the one above")
        i = j


def condense_plan(lines: Sequence[str]) -> list[str]:
    """A plan with runs of sibling sub-plans that differ only in literals and numbers (one
    UNION ALL branch per neighbourhood) shown once, followed by a count of the others.
    SQLite's binary tree of MERGE nodes is first flattened into a list of arms."""
    roots = _parse(lines)
    flat = [_flatten(root) for root in roots]
    out: list[str] = []
    _render(flat, 0, out, reindent=[r.shape() for r in flat] != [r.shape() for r in roots])
    return out


# -- a real server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_server(database_url: str, data_dir: Path, **env_extra: str) -> Server:
    """``python -m dongne.cli serve --no-prepare`` (one uvicorn worker) on a free port."""
    port = free_port()
    log = data_dir / f"server-{port}.log"
    env = {
        **os.environ,
        "DONGNE_DATABASE_URL": database_url,
        "DONGNE_DATA_DIR": str(data_dir),
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
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return Server(url, process, log)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@dataclass
class Throughput:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def throughput(
    base_url: str,
    path: str,
    headers: dict[str, str] | None = None,
    concurrency: int = 32,
    seconds: float = 10.0,
    warmup_seconds: float = 1.0,
) -> Throughput:
    """Completed 2xx requests per second of ``GET path`` from ``concurrency`` workers, each
    with its own httpx.AsyncClient holding one HTTP/1.1 keep-alive connection. (One client
    shared by 32 workers spends more CPU in its connection pool than the server spends
    answering /healthz: on 2 cores it measured half the rate.)"""

    async def worker(client: httpx.AsyncClient, until: float, out: Throughput | None) -> None:
        clock = time.perf_counter
        while clock() < until:
            started = clock()
            response = await client.get(path)
            if out is None:
                continue
            if 200 <= response.status_code < 300:
                out.requests += 1
                out.latencies.append(clock() - started)
            else:
                out.errors += 1

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(base_url=base_url, headers=headers or {}, limits=limits, timeout=60)
        for _ in range(concurrency)
    ]
    try:
        until = time.perf_counter() + warmup_seconds
        await asyncio.gather(*(worker(c, until, None) for c in clients))
        result = Throughput(0, 0, 0.0, [])
        started = time.perf_counter()
        await asyncio.gather(*(worker(c, started + seconds, result) for c in clients))
        result.seconds = time.perf_counter() - started
        return result
    finally:
        for client in clients:
            await client.aclose()
