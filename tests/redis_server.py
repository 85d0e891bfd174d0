"""A Redis of the tests' own: Debian's ``redis-server`` on a free port, in a
temporary directory, without persistence (``--save "" --appendonly no``), so a
restart loses every key and every subscription, as a restart of CI's Redis does.

The fault tests stop and restart it (:meth:`RedisServer.down`); the machine's
Redis on 127.0.0.1:6379, which other checkouts and services use, is never
touched. One is started per test run, on first use, by the ``redis_server``
fixture in tests/conftest.py, and stopped at the end of the run.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``redis-server`` on 127.0.0.1:``port`` (a free one by default), its files
    and log in ``directory``. It keeps its port across restarts, so clients and
    servers configured with :attr:`url` find it again."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.directory = directory
        self.port = port or _free_port()
        self.log = directory / "redis.log"
        self.command = [
            executable,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--logfile",
            str(self.log),
            "--daemonize",
            "no",
        ]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        """Whether it answers PING (over a plain socket: no client, no pool)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None and self.answers():
            return
        self.process = subprocess.Popen(
            self.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 15
        while not self.answers():
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
                raise RuntimeError(f"redis-server exited ({self.process.returncode}): {tail}")
            assert time.monotonic() < deadline, "Redis did not answer within 15 s"
            time.sleep(0.02)

    def stop(self) -> None:
        """Shut it down without saving (SIGTERM: every key and subscription is gone)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    @contextmanager
    def down(self) -> Iterator[None]:
        """Redis away for the block, and back (same port) after it."""
        self.stop()
        try:
            yield
        finally:
            self.start()
