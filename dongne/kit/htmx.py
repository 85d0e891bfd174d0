"""What htmx sends, and the one header a page that answers htmx must vary on."""

from __future__ import annotations

from fastapi import Request

# The same URL answers a whole page or, to htmx, just a part: caches must tell them apart.
FRAGMENT_VARY = "HX-Request, HX-Target, HX-History-Restore-Request"


def is_fragment(request: Request, target: str) -> bool:
    """An htmx request that replaces only ``#target`` (not a history restore)."""
    h = request.headers
    return (
        h.get("hx-request") == "true"
        and h.get("hx-target") == target
        and h.get("hx-history-restore-request") != "true"
    )


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
