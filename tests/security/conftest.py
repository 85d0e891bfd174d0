"""Shared parts of the security checks: the application as built for inspection
(its routes and OpenAPI document, without serving it) and client addresses."""

from __future__ import annotations

import secrets
import tempfile
from functools import cache
from pathlib import Path

from fastapi import FastAPI

from dongne.app import create_app
from dongne.config import Settings


@cache
def inspected_app() -> FastAPI:
    """The app as ``dongne serve`` builds it, never started: for its routes and its
    OpenAPI document (which /api/v1/openapi.json serves)."""
    data_dir = Path(tempfile.mkdtemp(prefix="dongne-inspect-"))
    return create_app(Settings(env="test", data_dir=data_dir, secret_key=secrets.token_hex(16)))


def client_address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
