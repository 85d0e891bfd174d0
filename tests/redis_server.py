"""The machine's Redis for tests: started with exactly CI's command, stopped and
restarted by the fault tests, and held by one test at a time (the ``redis``
fixture in tests/conftest.py)."""

from __future__ import annotations

import fcntl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REDIS_URL = "redis://127.0.0.1:6379/0"
REDIS_LOCK = Path(tempfile.gettempdir()) / "dongne-tests-redis.lock"
# Exactly the command CI starts Redis with: no persistence, so a restart loses
# every key and every subscription.
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def redis_answers() -> bool:
    try:
        done = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True, timeout=3
        )
    except subprocess.TimeoutExpired:
        return False
    return done.stdout.strip() == "PONG"


def start_redis() -> None:
    if redis_answers():
        return
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(REDIS_START, check=True, capture_output=True, timeout=15)
    deadline = time.monotonic() + 15
    while not redis_answers():
        assert time.monotonic() < deadline, "Redis did not come back within 15 s"
        time.sleep(0.05)


def stop_redis() -> None:
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], capture_output=True, timeout=10
    )
    deadline = time.monotonic() + 10
    while redis_answers():
        assert time.monotonic() < deadline, "Redis did not shut down within 10 s"
        time.sleep(0.05)


@contextmanager
def redis_down() -> Iterator[None]:
    stop_redis()
    try:
        yield
    finally:
        start_redis()


@contextmanager
def held() -> Iterator[str]:
    """The machine's Redis, answering before the test and left running after it.
    An exclusive lock keeps another run of these tests (the other database's
    pass, another checkout) from restarting Redis in the middle of this one."""
    with REDIS_LOCK.open("a") as lock:
        deadline = time.monotonic() + 200
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                assert time.monotonic() < deadline, "another test run held Redis for 200 s"
                time.sleep(0.2)
        start_redis()
        try:
            yield REDIS_URL
        finally:
            start_redis()
