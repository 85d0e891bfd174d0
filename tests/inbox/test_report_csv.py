"""The inbox report's CSV carries agents' nicknames, which may start with
``-`` (a formula to a spreadsheet): they are written with a ``'`` first."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable

import httpx

from tests.conftest import DatabaseUnderTest, query, signup
from tests.inbox.conftest import Shop, answer, ask, say


def test_a_nickname_that_looks_like_a_formula_is_written_as_text(
    client: httpx.Client, shop: Callable[..., Shop], database: DatabaseUnderTest
) -> None:
    s = shop()
    # A nickname sign-up accepts (``[0-9A-Za-z가-힣_.-]{2,12}``); set directly, as
    # the owner (made by the fixture) could have chosen it.
    nickname = f"-{secrets.token_hex(4)}"
    query(database, "UPDATE users SET nickname = :n WHERE id = :id", n=nickname, id=s.owner.id)
    customer = signup(client)
    c = ask(client, s, customer)
    say(client, customer, c["id"], "주차 되나요?")
    answer(client, s.owner, s.inbox_id, c["id"], "네, 건물 뒤에 있어요.")

    r = client.get(f"/api/v1/inboxes/{s.inbox_id}/report.csv", headers=s.owner.auth)

    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    agents = {row[1] for row in rows[1:]}
    assert "'" + nickname in agents and nickname not in agents, rows
