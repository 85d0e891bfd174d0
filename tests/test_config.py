"""Configuration: the embedded default needs nothing; production demands a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dongne.config import ConfigurationError, Settings


def test_default_settings_use_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert str(tmp_path.resolve()) in settings.resolved_database_url
    first = settings.resolved_secret_key()
    assert len(first) >= 32
    assert Settings(data_dir=tmp_path).resolved_secret_key() == first  # kept, not regenerated


@pytest.mark.parametrize("secret", [None, "", "change-me", "short-but-not-default"])
def test_production_refuses_a_missing_default_or_weak_secret(
    tmp_path: Path, secret: str | None
) -> None:
    settings = Settings(env="production", data_dir=tmp_path, secret_key=secret)
    with pytest.raises(ConfigurationError):
        settings.resolved_secret_key()
    assert not (tmp_path / "secret_key").exists()


def test_production_server_will_not_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DONGNE_")}
    env.update({"DONGNE_ENV": "production", "DONGNE_DATA_DIR": str(tmp_path)})
    run = subprocess.run(
        [sys.executable, "-m", "dongne.cli", "serve", "--port", "1", "--no-prepare"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "DONGNE_SECRET_KEY" in run.stdout + run.stderr


def test_production_accepts_a_strong_secret(tmp_path: Path) -> None:
    settings = Settings(env="production", data_dir=tmp_path, secret_key="x" * 48)
    assert settings.resolved_secret_key() == "x" * 48
