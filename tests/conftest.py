"""Test fixtures: a real database (SQLite file, or a fresh PostgreSQL database
when DONGNE_TEST_DATABASE_URL points at a server), migrated and loaded with the
real neighbourhoods once per run, and a real uvicorn server on a real socket.

Tests within a run share the database; each one makes its own users (unique
emails, nicknames and client addresses), so no test depends on another.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import make_url

from dongne import migrate
from tests.redis_server import RedisServer

ROOT = Path(__file__).resolve().parent.parent

# The suite starts dozens of Python processes (servers, `dongne` commands), each of
# which imports the whole app. uv installs no .pyc files, and with
# PYTHONDONTWRITEBYTECODE set (as in CI's environment) every one of them compiled
# every module from source again: about 3 s of CPU each on a 2-core machine. Here
# the first process to import a module caches it in __pycache__ (git-ignored) and
# the rest reuse it.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


def pytest_report_header() -> str:
    return f"dongne test database: {os.environ.get('DONGNE_TEST_DATABASE_URL') or 'sqlite (temporary file)'}"


DB_FIXTURES = {
    "database",
    "server",
    "fresh_database_factory",
    "migrated_database_factory",
    "loaded_database_factory",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass (DONGNE_TEST_ONLY_DB=1) runs only the tests that touch
    a database: the others would repeat the SQLite pass exactly."""
    if os.environ.get("DONGNE_TEST_ONLY_DB") != "1":
        return
    keep = [i for i in items if DB_FIXTURES & set(getattr(i, "fixturenames", ()))]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@dataclass
class DatabaseUnderTest:
    url: str
    dialect: str


def _admin_url() -> str | None:
    return os.environ.get("DONGNE_TEST_DATABASE_URL") or None


async def _pg_execute(admin_url: str, statement: str) -> None:
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
        # PostgreSQL 15 copies a template block by block through the WAL by
        # default; copying its files is several times faster for ours.
        if (
            " TEMPLATE " in statement
            and int(await conn.fetchval("SHOW server_version_num")) >= 150000
        ):
            statement += " STRATEGY FILE_COPY"
        await conn.execute(statement)
    finally:
        await conn.close()


class Databases:
    """Makes databases of the engine under test (SQLite files, or databases on the
    PostgreSQL server of DONGNE_TEST_DATABASE_URL) and drops them at the end.

    Migrating takes seconds and loading every neighbourhood (1.1 million range
    pairs) far longer, so each is done once per run, into a template: a database
    that a test needs migrated, or migrated and loaded, is a copy of one
    (SQLite's backup API, PostgreSQL's CREATE DATABASE … TEMPLATE)."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.admin = _admin_url()
        self.created: list[str] = []
        self._migrated: DatabaseUnderTest | None = None
        self._loaded: DatabaseUnderTest | None = None

    def empty(self) -> DatabaseUnderTest:
        if self.admin is None:
            path = self.tmp_path_factory.mktemp("db") / "dongne.sqlite3"
            return DatabaseUnderTest(f"sqlite+aiosqlite:///{path}", "sqlite")
        return self._pg_database()

    def copy_of(self, template: DatabaseUnderTest) -> DatabaseUnderTest:
        if template.dialect == "sqlite":
            copy = self.empty()
            source = sqlite3.connect(make_url(template.url).database or "")
            target = sqlite3.connect(make_url(copy.url).database or "")
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
            return copy
        return self._pg_database(template=make_url(template.url).database)

    def migrated(self) -> DatabaseUnderTest:
        """A copy of the run's database at the head revision, without data."""
        if self._migrated is None:
            self._migrated = self.empty()
            migrate.upgrade(self._migrated.url)
        return self.copy_of(self._migrated)

    def loaded(self) -> DatabaseUnderTest:
        """A copy of the run's database at head with every Korean neighbourhood
        loaded by ``dongne geo load``, the command an operator runs."""
        if self._loaded is None:
            self.migrated()  # makes the template
            assert self._migrated is not None
            self._loaded = self.copy_of(self._migrated)
            subprocess.run(
                [sys.executable, "-m", "dongne.cli", "geo", "load"],
                env={**os.environ, "DONGNE_DATABASE_URL": self._loaded.url, "DONGNE_ENV": "test"},
                check=True,
                cwd=ROOT,
                capture_output=True,
            )
        return self.copy_of(self._loaded)

    def _pg_database(self, template: str | None = None) -> DatabaseUnderTest:
        assert self.admin is not None
        name = f"dongne_test_{secrets.token_hex(4)}"
        statement = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        asyncio.run(_pg_execute(self.admin, statement))
        self.created.append(name)
        url = make_url(self.admin).set(database=name).render_as_string(hide_password=False)
        return DatabaseUnderTest(url, "postgresql")

    def drop_all(self) -> None:
        for name in reversed(self.created):
            asyncio.run(
                _pg_execute(self.admin or "", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            )


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    made = Databases(tmp_path_factory)
    yield made
    made.drop_all()


@pytest.fixture(scope="session")
def fresh_database_factory(databases: Databases) -> Callable[[], DatabaseUnderTest]:
    """Makes empty databases of the engine under test; drops them at the end."""
    return databases.empty


@pytest.fixture(scope="session")
def migrated_database_factory(databases: Databases) -> Callable[[], DatabaseUnderTest]:
    """Makes databases migrated to head, without data (copies of one template)."""
    return databases.migrated


@pytest.fixture(scope="session")
def loaded_database_factory(databases: Databases) -> Callable[[], DatabaseUnderTest]:
    """Makes databases migrated to head with every Korean neighbourhood loaded
    (copies of one template)."""
    return databases.loaded


@pytest.fixture(scope="session")
def database(databases: Databases) -> DatabaseUnderTest:
    """The run's database: migrated to head, with every Korean neighbourhood loaded."""
    return databases.loaded()


# What every test server (and every in-process app of a test) runs with. Passwords
# are hashed with argon2-cffi's cheapest profile, which Settings allows only with
# DONGNE_ENV=test: with the recommended parameters (64 MiB, 3 passes) each of the
# suite's thousands of sign-ups cost 0.1-1 s of CPU. tests/accounts/test_passwords.py
# checks that every other environment hashes with the recommended parameters.
TEST_SERVER_ENV = {"DONGNE_PASSWORD_HASH_PROFILE": "cheapest"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def start_server(database: DatabaseUnderTest, data_dir: Path, **env_extra: str) -> Server:
    port = free_port()
    log = data_dir / f"server-{port}.log"
    env = {
        # Every test account is days old at most: the lower limits for new accounts
        # would cut short tests that post many listings (tests/trust sets its own).
        "DONGNE_NEW_ACCOUNT_LISTING_LIMIT_PER_USER": "60/hour",
        "DONGNE_NEW_ACCOUNT_CHAT_START_LIMIT_PER_USER": "60/hour",
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
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


@dataclass
class Mailbox:
    """A real SMTP server (aiosmtpd, on a real socket) that keeps what it receives;
    the test server is started with DONGNE_SMTP_URL pointing at it."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if str(m["To"]).lower() == address.lower()]

    def wait_for(self, address: str, count: int = 1, timeout: float = 30) -> EmailMessage:
        """The ``count``-th message to ``address``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.to(address)
            if len(received) >= count:
                return received[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no mail #{count} to {address} within {timeout} s")

    def link(self, address: str, count: int = 1) -> str:
        """The first link in the ``count``-th message to ``address``."""
        body = self.wait_for(address, count).get_content()
        found = re.search(r"https?://\S+", body)
        assert found, body
        return found.group(0)


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port
    yield box
    controller.stop()


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def server(
    database: DatabaseUnderTest, tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox
) -> Iterator[Server]:
    srv = start_server(
        database,
        tmp_path_factory.mktemp("var"),
        DONGNE_SMTP_URL=f"smtp://127.0.0.1:{mailbox.port}",
    )
    yield srv
    stop_server(srv)


def unique(prefix: str = "u") -> str:
    return f"{prefix}{secrets.token_hex(4)}"


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    """An API client from its own address, so rate limits never leak between tests."""
    ip = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    with httpx.Client(
        base_url=server.url, headers={"X-Forwarded-For": ip, "Accept-Language": "ko"}, timeout=30
    ) as c:
        yield c


@dataclass
class Account:
    id: int
    email: str
    nickname: str
    password: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def signup(client: httpx.Client, **overrides: str) -> Account:
    nickname = overrides.get("nickname", unique("이웃"))
    email = overrides.get("email", f"{unique()}@example.com")
    password = overrides.get("password", "correct horse battery")
    response = client.post(
        "/api/v1/auth/signup", json={"email": email, "nickname": nickname, "password": password}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(body["user"]["id"], email, nickname, password, body["token"]["access_token"])


@pytest.fixture
def account(client: httpx.Client) -> Account:
    return signup(client)


YEOKSAM = ("1168010100", 37.50007841, 127.0385488)


def query(database: DatabaseUnderTest, sql: str, **params: object) -> list[tuple[object, ...]]:
    """Read (or, to set up a case such as a day-old listing, change) the
    database directly: what a response cannot show or a client cannot do."""
    from sqlalchemy import text

    from dongne.db import make_engine

    async def run() -> list[tuple[object, ...]]:
        engine = make_engine(database.url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(text(sql), params)
                return [tuple(r) for r in result.fetchall()] if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(run())


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis of this run's own on a free port (tests/redis_server.py), which the
    fault tests may stop and restart; the machine's Redis is left alone."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[str]:
    """The run's own Redis, answering before the test and left running after it."""
    redis_server.start()
    yield redis_server.url
    redis_server.start()
