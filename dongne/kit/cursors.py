"""Keyset-pagination cursors: the last row's sort values, opaque to clients.

A cursor is the values joined by ``|`` in URL-safe base64. Anything a client
sends that does not decode to the expected values is a 422 with a message
saying to reload, never a 500.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_
from dongne.kit.ids import MAX_ID

BAD_CURSOR = N_("잘못된 페이지 정보예요. 처음부터 다시 불러와 주세요.")


def encode_cursor(*parts: object) -> str:
    raw = "|".join(p.isoformat() if isinstance(p, datetime) else str(p) for p in parts)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput(BAD_CURSOR, field="cursor") from None
    parts = raw.split("|")
    if len(parts) != arity:
        raise InvalidInput(BAD_CURSOR, field="cursor")
    return parts


def cursor_int(raw: str) -> int:
    """A whole number from a cursor, within 64 bits (a forged one beyond that
    would overflow the database driver); ValueError otherwise."""
    value = int(raw)
    if not -MAX_ID <= value <= MAX_ID:
        raise ValueError(raw)
    return value


def time_and_id(cursor: str | None) -> tuple[datetime, int] | None:
    """A (moment, id) cursor, as most pages use: newest first, ties by id."""
    if cursor is None:
        return None
    when, ident = decode_cursor(cursor, 2)
    try:
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None:  # every stored time is aware; a naive one is forged
            raise ValueError
        return moment, cursor_int(ident)
    except ValueError:
        raise InvalidInput(BAD_CURSOR, field="cursor") from None
