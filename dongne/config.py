"""Settings, read from the environment (prefix ``DONGNE_``).

The embedded default needs none of them: a SQLite file, media and a generated
secret under ``DONGNE_DATA_DIR`` (``./var``).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

INSECURE_SECRETS = frozenset({"", "change-me", "changeme", "secret", "dev", "development"})


class ConfigurationError(RuntimeError):
    """The configuration cannot be used to start the service."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DONGNE_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./var")
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    # Outgoing mail (staff invitations): without an SMTP URL each message is written
    # to DATA_DIR/mail/ as an .eml file (see dongne/kit/mail.py).
    smtp_url: str | None = None
    mail_from: str = "동네 <no-reply@dongne.localhost>"

    # Neighbourhood verification: a fix counts for a neighbourhood when it lies
    # within the neighbourhood's radius plus this tolerance (GPS error and
    # the fact that a 법정동 is not a circle).
    verification_tolerance_km: float = 0.5
    verification_days: int = 30
    # Reverse geocoding answers only for points within this distance of a
    # neighbourhood's circle; anything further is "outside the covered area".
    coverage_tolerance_km: float = 1.0

    # Proxies whose X-Forwarded-For is trusted for the client address (rate limits).
    forwarded_allow_ips: str = "127.0.0.1"

    max_body_bytes: int = 12 * 1024 * 1024
    session_days: int = 30

    # Rate limits, in the `limits` library's notation.
    login_limit_per_ip: str = "20/minute"
    login_limit_per_account: str = "5/minute"
    signup_limit_per_ip: str = "10/hour"
    photo_limit_per_user: str = "120/hour"
    listing_limit_per_user: str = "30/hour"
    search_limit_per_ip: str = "120/minute"
    message_limit_per_user: str = "600/minute"
    chat_start_limit_per_user: str = "60/hour"

    # Trust and safety. Accounts younger than new_account_days post and start chats
    # under the lower limits; chat_fraud_scan=False skips the fraud scan on sending
    # (so the chat benchmark can measure its cost).
    report_limit_per_user: str = "20/hour"
    new_account_days: int = 7
    new_account_listing_limit_per_user: str = "10/hour"
    new_account_chat_start_limit_per_user: str = "20/hour"
    chat_fraud_scan: bool = True

    # Password hashing (argon2id). "recommended": argon2-cffi's recommended parameters
    # (RFC 9106, low memory: 64 MiB, 3 passes, 4 lanes), the default and the only
    # choice outside test runs. "cheapest": argon2-cffi's CHEAPEST profile, a hash in
    # well under a millisecond, for the test suite's servers only (DONGNE_ENV=test);
    # any other environment refuses to start with it.
    password_hash_profile: Literal["recommended", "cheapest"] = "recommended"  # noqa: S105

    default_locale: Literal["ko", "en"] = "ko"
    demo_on_first_start: bool = Field(default=True)

    @model_validator(mode="after")
    def _cheap_hashes_only_in_tests(self) -> Settings:
        if self.password_hash_profile != "recommended" and self.env != "test":  # noqa: S105
            raise ValueError(
                "DONGNE_PASSWORD_HASH_PROFILE=cheapest is for test runs only (DONGNE_ENV=test)"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'dongne.sqlite3').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    def resolved_secret_key(self) -> str:
        """The signing secret. In production it must be given and strong; elsewhere
        one is generated once and kept in the data directory."""
        if self.secret_key and self.secret_key.strip().lower() not in INSECURE_SECRETS:
            if self.is_production and len(self.secret_key) < 32:
                raise ConfigurationError(
                    "DONGNE_SECRET_KEY must be at least 32 characters in production."
                )
            return self.secret_key
        if self.is_production:
            raise ConfigurationError(
                "DONGNE_SECRET_KEY is missing or a well-known default; production refuses "
                "to start without a strong secret (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)."
            )
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
