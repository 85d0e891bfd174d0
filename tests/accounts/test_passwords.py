"""Password hashing: argon2id with the library's recommended parameters in every
environment but a test run, which may choose argon2-cffi's cheapest profile (the
suite's servers do: tests/conftest.py, TEST_SERVER_ENV)."""

from __future__ import annotations

import os
from pathlib import Path

import argon2
import httpx
import pytest
from pydantic import ValidationError

from dongne.config import Settings
from dongne.kit.security import hash_password, needs_rehash, verify_password
from tests.conftest import DatabaseUnderTest, query, signup


@pytest.mark.parametrize("env", ["production", "development", "test"])
def test_every_environment_hashes_with_the_recommended_profile_by_default(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DONGNE_PASSWORD_HASH_PROFILE", raising=False)
    assert Settings(env=env, data_dir=tmp_path).password_hash_profile == "recommended"  # type: ignore[arg-type]


@pytest.mark.parametrize("env", ["production", "development"])
def test_the_cheapest_profile_is_refused_outside_test_runs(
    env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match="test runs only"):
        Settings(env=env, data_dir=tmp_path, password_hash_profile="cheapest")  # type: ignore[arg-type]
    monkeypatch.setenv("DONGNE_PASSWORD_HASH_PROFILE", "cheapest")
    with pytest.raises(ValidationError, match="test runs only"):
        Settings(env=env, data_dir=tmp_path)  # type: ignore[arg-type]


async def test_the_recommended_profile_uses_the_librarys_recommended_parameters() -> None:
    stored = await hash_password("correct horse battery")
    assert argon2.extract_parameters(stored) == argon2.profiles.get_default_parameters()
    assert argon2.extract_parameters(stored) == argon2.profiles.RFC_9106_LOW_MEMORY
    assert await verify_password(stored, "correct horse battery")
    assert not await verify_password(stored, "correct horse battery!")
    assert not await verify_password(None, "correct horse battery")
    assert not needs_rehash(stored)


async def test_a_cheap_hash_is_upgraded_at_the_next_login_elsewhere() -> None:
    cheap = await hash_password("correct horse battery", "cheapest")
    assert argon2.extract_parameters(cheap) == argon2.profiles.CHEAPEST
    assert await verify_password(cheap, "correct horse battery")
    assert not await verify_password(cheap, "correct horse battery!", "cheapest")
    assert needs_rehash(cheap)  # authenticate() rehashes it under the recommended parameters
    assert not needs_rehash(cheap, "cheapest")


def test_the_test_servers_hash_with_the_profile_they_are_given(
    client: httpx.Client, database: DatabaseUnderTest
) -> None:
    who = signup(client)
    ((stored,),) = query(database, "SELECT password_hash FROM users WHERE id = :id", id=who.id)
    profile = os.environ.get("DONGNE_PASSWORD_HASH_PROFILE", "cheapest")
    expected = (
        argon2.profiles.CHEAPEST if profile == "cheapest" else argon2.profiles.RFC_9106_LOW_MEMORY
    )
    assert argon2.extract_parameters(str(stored)) == expected
