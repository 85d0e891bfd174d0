"""A resilient chat client for fault-injection tests: what the browser's chat
script does, on a thread, over ``websockets.sync``.

- It keeps a cursor (the last seq it holds) per conversation and says
  ``hello`` with all of them on every (re)connect.
- Every send carries a client-generated ``client_id`` and stays in the outbox
  until its ``ack`` arrives; after a reconnect the whole outbox is sent again,
  same ids, same order. An ack that does not come within ``ack_timeout``
  counts as a dead line: the client reconnects (and so re-sends).
- It reconnects with exponential backoff whenever the socket drops or the
  server cannot be reached.
- It accepts a message only when its seq is exactly cursor + 1. An older seq is
  a duplicate (dropped; recorded as a problem unless the client itself asked
  for a re-sync). A newer one is a gap: recorded as a problem, dropped, and a
  ``sync`` from the cursor is requested. If the re-sync shows the hole is in
  the database itself, the next message is accepted and the hole recorded.

Everything it saw is kept for the test to check: what it tried to send, what
was acknowledged (with seq), what it received, and every protocol problem.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect


@dataclass(frozen=True)
class Received:
    seq: int
    client_id: str | None
    sender_id: int | None
    body: str


@dataclass(frozen=True)
class Attempt:
    conversation_id: int
    client_id: str
    body: str


class Reconnect(Exception):
    """Drop this connection and open another."""


class ResilientChat:
    def __init__(
        self,
        name: str,
        url: str,
        user_id: int,
        conversations: list[int],
        *,
        token: str,
        ack_timeout: float = 10.0,
        open_timeout: float = 5.0,
        max_backoff: float = 1.0,
    ) -> None:
        self.name = name
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.user_id = user_id
        self.ack_timeout = ack_timeout
        self.open_timeout = open_timeout
        self.max_backoff = max_backoff
        # Everything below is guarded by _cond.
        self._cond = threading.Condition()
        self.cursors: dict[int, int] = dict.fromkeys(conversations, 0)
        self.outbox: dict[str, dict[str, Any]] = {}  # client_id → frame, in send order
        self.attempted: list[Attempt] = []
        self.acked: dict[str, int] = {}  # client_id → seq
        self.resent: set[str] = set()  # sent again after a reconnect
        self.received: dict[int, list[Received]] = {c: [] for c in conversations}
        self.problems: list[str] = []  # protocol violations seen by this side
        self.errors: list[dict[str, Any]] = []  # error frames
        self.rejected: dict[str, dict[str, Any]] = {}  # sends refused for good (4xx)
        self.drops: list[str] = []  # why connections ended or failed to open
        self.welcomes: list[dict[int, int]] = []  # one per successful (re)connect
        self._ws: ClientConnection | None = None  # set once hello/welcome are through
        self._sent_at: dict[str, float] = {}  # on the current connection
        self._ever_sent: set[str] = set()
        self._syncing: set[int] = set()  # conversations re-synced on this connection
        self._gaps: dict[int, tuple[str, int]] = {}  # conversation → (state, cursor)
        self._n = 0
        self._stop = threading.Event()
        self._online = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"chat-{name}", daemon=True)

    # ---- control (test thread) -------------------------------------------------

    def start(self) -> None:
        self._online.set()
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._online.set()  # wake the thread if it is parked offline
        self._thread.join(timeout)
        if self._thread.is_alive():
            with self._cond:
                self.problems.append(f"client thread did not stop within {timeout} s")

    def go_offline(self, timeout: float = 10.0) -> None:
        """Close the socket and stay away (a laptop lid closed), keeping all state."""
        self._online.clear()
        with self._cond:
            self._cond.notify_all()
        if not self.wait_for(lambda c: c._ws is None, timeout):
            raise AssertionError(f"{self.name} did not go offline")

    def go_online(self) -> None:
        self._online.set()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def wait_for(self, predicate: Callable[[ResilientChat], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.5))
        return True

    def send(self, conversation_id: int, body: str) -> str:
        with self._cond:
            self._n += 1
            client_id = f"{self.name}-{self._n}-{secrets.token_hex(4)}"
            frame = {
                "type": "send",
                "conversation_id": conversation_id,
                "client_id": client_id,
                "body": body,
            }
            self.outbox[client_id] = frame
            self.attempted.append(Attempt(conversation_id, client_id, body))
            if self._ws is not None:
                try:
                    self._ws.send(json.dumps(frame, ensure_ascii=False))
                    self._sent_at[client_id] = time.monotonic()
                    self._ever_sent.add(client_id)
                except (OSError, WebSocketException):
                    pass  # the reader sees the drop and reconnects; the outbox keeps it
            self._cond.notify_all()
        return client_id

    def progress(self) -> tuple[int, int, int]:
        with self._cond:
            return (
                len(self.attempted),
                len(self.acked),
                sum(len(r) for r in self.received.values()),
            )

    def summary(self) -> str:
        with self._cond:
            return (
                f"{self.name}: cursors={self.cursors} attempted={len(self.attempted)} "
                f"acked={len(self.acked)} outbox={len(self.outbox)} resent={len(self.resent)} "
                f"connections={len(self.welcomes)} problems={self.problems[:5]} "
                f"errors={self.errors[:3]} rejected={list(self.rejected.values())[:3]} "
                f"last drops={self.drops[-3:]}"
            )

    # ---- the connection loop (client thread) ------------------------------------

    def _run(self) -> None:
        backoff = 0.05
        while not self._stop.is_set():
            if not self._online.is_set():
                self._online.wait(0.2)
                continue
            welcomed = False
            try:
                with connect(
                    self.url,
                    additional_headers=self.headers,
                    open_timeout=self.open_timeout,
                    close_timeout=1,
                    ping_interval=5,
                    ping_timeout=5,
                ) as ws:
                    welcomed = self._session(ws)
            except Reconnect as exc:
                self._dropped(f"reconnect: {exc}")
                welcomed = True
            except (OSError, WebSocketException) as exc:  # TimeoutError is an OSError
                self._dropped(repr(exc))
            except Exception as exc:  # a bug here: fail the test, keep the line alive
                with self._cond:
                    self.problems.append(f"client error: {exc!r}")
                self._dropped(repr(exc))
            finally:
                with self._cond:
                    self._ws = None
                    self._cond.notify_all()
            if self._stop.is_set():
                break
            backoff = 0.05 if welcomed else min(backoff * 2, self.max_backoff)
            self._stop.wait(backoff)

    def _dropped(self, why: str) -> None:
        with self._cond:
            self.drops.append(why[:200])

    def _session(self, ws: ClientConnection) -> bool:
        with self._cond:
            hello = {str(c): seq for c, seq in self.cursors.items()}
        ws.send(json.dumps({"type": "hello", "cursors": hello}))
        welcome = json.loads(ws.recv(timeout=15))
        if welcome.get("type") != "welcome":
            raise Reconnect(f"first frame was not welcome: {welcome}")
        latest = {int(k): int(v) for k, v in welcome["conversations"].items()}
        with self._cond:
            self.welcomes.append(latest)
            self._syncing.clear()
            self._gaps.clear()
            for conversation, last in latest.items():
                held = self.cursors.get(conversation)
                if held is None:  # begun while we were away: fetch it from the start
                    self.cursors[conversation] = 0
                    self.received[conversation] = []
                    ws.send(json.dumps({"type": "sync", "conversation_id": conversation}))
                elif last < held:
                    self.problems.append(
                        f"welcome says conversation {conversation} ends at {last}, "
                        f"but {held} messages were delivered before"
                    )
            # Re-send everything unacknowledged, in order, with the same ids.
            self._sent_at = {}
            now = time.monotonic()
            for client_id, frame in self.outbox.items():
                if client_id in self._ever_sent:
                    self.resent.add(client_id)
                ws.send(json.dumps(frame, ensure_ascii=False))
                self._sent_at[client_id] = now
                self._ever_sent.add(client_id)
            self._ws = ws
            self._cond.notify_all()
        while not self._stop.is_set() and self._online.is_set():
            with self._cond:
                waiting = [t for c, t in self._sent_at.items() if c in self.outbox]
            if waiting and time.monotonic() - min(waiting) > self.ack_timeout:
                raise Reconnect(f"no ack within {self.ack_timeout} s")
            try:
                raw = ws.recv(timeout=0.25)
            except TimeoutError:
                continue
            self._on_frame(ws, json.loads(raw))
        return True

    def _on_frame(self, ws: ClientConnection, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "message":
            self._on_message(ws, frame)
        elif kind == "ack":
            with self._cond:
                client_id, seq = str(frame["client_id"]), int(frame["seq"])
                if client_id not in {a.client_id for a in self.attempted}:
                    self.problems.append(f"ack for a send never made: {frame}")
                earlier = self.acked.get(client_id)
                if earlier is not None and earlier != seq:
                    self.problems.append(f"{client_id} acked as seq {earlier}, then {seq}")
                self.acked[client_id] = seq
                self.outbox.pop(client_id, None)
                self._sent_at.pop(client_id, None)
                self._cond.notify_all()
        elif kind == "error":
            failed = frame.get("client_id")
            status = int(frame.get("status", 0))
            with self._cond:
                self.errors.append(frame)
                if failed not in self.outbox:
                    return
                if status < 500 and status != 429:
                    self.rejected[failed] = frame  # refused for good: do not retry
                    self.outbox.pop(failed)
                    self._cond.notify_all()
                    return
            time.sleep(0.2)  # a passing failure: retry (the whole outbox) on a fresh line
            raise Reconnect(f"send failed: {frame}")
        elif kind == "pong":
            self._on_pong(ws)
        elif kind == "read":
            pass
        else:
            with self._cond:
                self.problems.append(f"unexpected frame: {frame}")

    def _on_message(self, ws: ClientConnection, frame: dict[str, Any]) -> None:
        conversation, seq = int(frame["conversation_id"]), int(frame["seq"])
        with self._cond:
            cursor = self.cursors.get(conversation)
            if cursor is None:
                self.problems.append(f"message for a conversation never announced: {frame}")
                return
            if seq <= cursor:
                if conversation not in self._syncing:
                    self.problems.append(
                        f"duplicate: seq {seq} again (cursor {cursor}) on connection "
                        f"{len(self.welcomes)}"
                    )
                return
            if seq > cursor + 1:
                state = self._gaps.get(conversation)
                if state is None or state[1] != cursor:
                    self.problems.append(f"gap: seq {seq} after {cursor}")
                    self._resync(ws, conversation, cursor, "syncing")
                    return
                if state[0] == "syncing":
                    return  # in flight before the re-sync's answer: it comes again
                self.problems.append(f"hole in the stored sequence: seq {seq} after {cursor}")
            self._gaps.pop(conversation, None)
            self.received[conversation].append(
                Received(seq, frame.get("client_id"), frame.get("sender_id"), frame["body"])
            )
            self.cursors[conversation] = seq
            self._cond.notify_all()

    def _resync(self, ws: ClientConnection, conversation: int, cursor: int, state: str) -> None:
        """Ask for everything after ``cursor``; the ping's pong marks the end of
        the answer (the server handles one frame at a time)."""
        self._gaps[conversation] = (state, cursor)
        self._syncing.add(conversation)
        ws.send(json.dumps({"type": "sync", "conversation_id": conversation, "after": cursor}))
        ws.send(json.dumps({"type": "ping"}))

    def _on_pong(self, ws: ClientConnection) -> None:
        with self._cond:
            for conversation, (state, cursor) in list(self._gaps.items()):
                if state == "syncing" and self.cursors[conversation] == cursor:
                    # The re-sync did not fill it: the hole is stored. Fetch again and
                    # accept what follows it, so the test can report it and go on.
                    self._resync(ws, conversation, cursor, "accept")
