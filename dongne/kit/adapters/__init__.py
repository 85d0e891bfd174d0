"""The only places dongne relies on a library's private parts.

One module per library, each kept because a benchmark showed a large gain over the
library's public API (the figures are in docs/internals.md), each with a contract
test in tests/kit/ that fails when an upgrade of the library breaks what it relies
on. Everything outside this package uses public APIs only.

``DONGNE_INTERNALS_OFF`` (a comma-separated list of these modules' names, or
``all``) makes the application take the public-API path instead, so
``bench/internals.py`` can measure both side by side in one run.
"""

from __future__ import annotations

import os

_OFF = frozenset(
    name.strip() for name in os.environ.get("DONGNE_INTERNALS_OFF", "").split(",") if name.strip()
)


def enabled(name: str) -> bool:
    """Whether the adapter ``name`` (its module's name) is in use in this process."""
    return "all" not in _OFF and name not in _OFF
