"""Residents at known places (see tests/listings/conftest.py)."""

from tests.listings.conftest import resident

__all__ = ["resident"]
