"""Control characters are refused in everything a client sends, once, for every
route: the path, the query string, form fields and JSON bodies.

PostgreSQL cannot store NUL in text (the driver raises: a 500), and no field of
ours has a use for the other C0 characters or DEL. Tab, line feed and carriage
return stay allowed: multi-line texts (descriptions, messages) need them, and a
single-line field's own validation trims or refuses them.

This runs as an app-wide dependency rather than a validator on each schema, so
a new route or a new field cannot forget it. The answer is the usual 422
(``application/problem+json`` for the API, the error page for pages), naming
the field.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import HTTPConnection, Request

from dongne.kit.errors import InvalidInput
from dongne.kit.i18n import N_

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REFUSED = N_("입력값에 사용할 수 없는 제어 문자가 있어요.")


def find_control_character(value: Any, where: str = "") -> str | None:
    """Where in ``value`` (str, or JSON-like lists and dicts, keys included) the
    first control character is, as a dotted field name; None if there is none."""
    if isinstance(value, str):
        return where if CONTROL_CHARACTERS.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and CONTROL_CHARACTERS.search(key):
                return name
            found = find_control_character(item, name)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = find_control_character(item, f"{where}.{i}" if where else str(i))
            if found is not None:
                return found
    return None


def _refuse(field: str) -> InvalidInput:
    return InvalidInput(REFUSED, field=field or None)


async def refuse_control_characters(connection: HTTPConnection) -> None:
    """An app-wide dependency (HTTP and WebSocket routes)."""
    if CONTROL_CHARACTERS.search(connection.url.path):
        raise _refuse("path")
    for key, value in connection.query_params.multi_items():
        if CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value):
            raise _refuse(key)
    if not isinstance(connection, Request) or connection.method in ("GET", "HEAD", "OPTIONS"):
        return
    request = connection
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        body = await request.body()
        # JSON carries a control character only escaped (\u0000, \b, \f: raw ones are
        # invalid inside strings) or, for DEL, as itself: most bodies skip the parse.
        if b"\\" not in body and b"\x7f" not in body:
            return
        try:
            parsed = json.loads(body)
        except ValueError:
            return  # the route's own parsing reports malformed JSON
        found = find_control_character(parsed)
        if found is not None:
            raise _refuse(found)
    elif "form" in content_type:
        form = await request.form()
        for key, item in form.multi_items():
            if isinstance(item, str) and (
                CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(item)
            ):
                raise _refuse(key)
