"""Users, their sessions and their neighbourhoods."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, UTCDateTime, utcnow

ROLES = ("user", "operator", "admin")
MAX_NEIGHBOURHOODS = 2


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # Personal data; all three are cleared when the account is deleted.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    nickname: Mapped[str | None] = mapped_column(String(30), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="user")
    locale: Mapped[str] = mapped_column(String(8), default="ko")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_operator(self) -> bool:
        return self.role in ("operator", "admin")


class AuthSession(Base):
    """A browser session (cookie) or an API client's bearer token."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # A non-secret id written into events so one visit's actions can be grouped.
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "cookie" | "bearer"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserNeighbourhood(Base):
    """One of a user's (at most two) neighbourhoods. Coordinates are never
    stored: only which neighbourhood, and when it was last proven."""

    __tablename__ = "user_neighbourhoods"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    neighbourhood_id: Mapped[str] = mapped_column(ForeignKey("neighbourhoods.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    range_level: Mapped[int] = mapped_column(SmallInteger, default=2)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "neighbourhood_id"),)

    def verified_until(self, days: int) -> datetime | None:
        return self.verified_at + timedelta(days=days) if self.verified_at else None

    def is_verified(self, days: int, now: datetime | None = None) -> bool:
        until = self.verified_until(days)
        return until is not None and until > (now or utcnow())
