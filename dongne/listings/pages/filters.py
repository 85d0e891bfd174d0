"""The feed's and search's filter bar, and where the infinite scroll loads more."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query

from dongne.listings.schemas import Page

Category = Annotated[str | None, Query(max_length=32)]


@dataclass(frozen=True)
class Filters:
    """The filter bar, as query parameters."""

    category: str | None = None
    free: bool = False
    hide_sold: bool = False

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.category:
            out["category"] = self.category
        if self.free:
            out["free"] = "1"
        if self.hide_sold:
            out["hide_sold"] = "1"
        return out


def more_url(base: str, page: Page, filters: Filters, **extra: str) -> str | None:
    """Where the infinite scroll's loader fetches the next cards, if any."""
    if page.next_cursor is None:
        return None
    return f"{base}?{urlencode({**extra, 'cursor': page.next_cursor, **filters.params()})}"
