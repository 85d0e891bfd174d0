"""A staff invitation's mail leaves only once its token is stored for good: a
quick reader who opens the link the moment it arrives must find the invitation,
not a 404."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller

from dongne.kit.security import token_digest
from tests.business.test_business_api import verified_shop
from tests.conftest import (
    DatabaseUnderTest,
    Server,
    free_port,
    query,
    signup,
    start_server,
    stop_server,
)
from tests.listings.conftest import make_resident


class CheckingMailbox:
    """An SMTP server that, the moment a mail arrives, asks the database (from
    another connection) whether the token its link carries is committed."""

    def __init__(self, database: DatabaseUnderTest) -> None:
        self.database = database
        self.committed_on_arrival: list[bool] = []
        self.lock = threading.Lock()

    def _token_committed(self, token: str) -> bool:
        rows = query(
            self.database,
            "SELECT count(*) FROM business_invitations WHERE token_digest = :d",
            d=token_digest(token),
        )
        return bool(rows[0][0])

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        body = message_from_bytes(envelope.content, policy=policy.default).get_body()
        found = re.search(r"https?://\S+", body.get_content() if body else "")
        token = parse_qs(urlsplit(found.group(0)).query)["token"][0] if found else ""
        committed = await asyncio.get_running_loop().run_in_executor(
            None, self._token_committed, token
        )
        with self.lock:
            self.committed_on_arrival.append(committed)
        return "250 Message accepted for delivery"


@pytest.fixture
def checked(
    database: DatabaseUnderTest, tmp_path: Path
) -> Iterator[tuple[Server, CheckingMailbox]]:
    box = CheckingMailbox(database)
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    srv = start_server(database, tmp_path, DONGNE_SMTP_URL=f"smtp://127.0.0.1:{controller.port}")
    try:
        yield srv, box
    finally:
        stop_server(srv)
        controller.stop()


def test_the_token_is_committed_before_its_mail_leaves(
    checked: tuple[Server, CheckingMailbox],
) -> None:
    srv, box = checked
    with httpx.Client(base_url=srv.url, headers={"X-Forwarded-For": "10.9.8.7"}) as client:
        owner = make_resident(client, "역삼동")
        shop = verified_shop(client, owner)
        staff = signup(client)
        url = f"/api/v1/businesses/{shop['id']}/invitations"
        for sent in range(1, 4):  # each sending mails a fresh token
            r = client.post(url, json={"email": staff.email}, headers=owner.auth)
            assert r.status_code == 201, r.text
            deadline = time.monotonic() + 60
            while len(box.committed_on_arrival) < sent and time.monotonic() < deadline:
                time.sleep(0.05)
    assert box.committed_on_arrival == [True, True, True]
