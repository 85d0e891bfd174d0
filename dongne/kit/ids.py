"""The one type for every object id a client sends (path, query, form or body).

Ids are 64-bit signed integers in both databases, so anything outside
``1 ≤ id ≤ 2**63 − 1`` names no object. Refusing it at the edge keeps the
value out of the driver, which otherwise fails with an overflow (a 500).

A path id out of range answers 404, like any other id that names nothing
(see :mod:`dongne.kit.errors`); a body, form or query id out of range is
invalid input (422).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def parse_id(raw: str) -> int | None:
    """An id typed into a form field by hand-parsed pages: ASCII digits within
    range, else None (``"²".isdigit()`` is true but ``int("²")`` fails)."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_ID else None


# Message sequence numbers (chat, inbox) are 32-bit columns: a cursor beyond them
# is refused (422) rather than sent to PostgreSQL, which cannot bind it (500).
MAX_SEQ = 2**31 - 1
