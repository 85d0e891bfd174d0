"""Who acts, inside which transaction, with which services.

Every service takes a :class:`Ctx`. It is made by the web layer for a request
(``web.get_ctx``), by a socket for each frame, or by :func:`job_ctx` for
commands, jobs and the demo. Nothing here knows about HTTP: a service is never
handed the request, only the values the web layer read from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dongne import events
from dongne.accounts.models import AuthSession, User
from dongne.config import Settings
from dongne.db import Database, utcnow
from dongne.kit.errors import AuthenticationRequired, PermissionDenied
from dongne.kit.hub import Hub
from dongne.kit.i18n import N_, current_locale
from dongne.kit.jobs import Jobs
from dongne.kit.mail import Mailer
from dongne.kit.media import LocalMediaStorage
from dongne.kit.ratelimit import RateLimits
from dongne.kit.security import token_digest
from dongne.scheduler import Scheduler


class NeighbourhoodLookup(Protocol):
    """Which neighbourhood a point lies in (``geo.index.NeighbourhoodIndex``)."""

    def __len__(self) -> int: ...

    def reverse(self, lat: float, lon: float) -> str | None: ...

    def contains(
        self, neighbourhood_id: str, lat: float, lon: float, tolerance_km: float = 0.0
    ) -> bool: ...


class Worker(Protocol):
    """A long-lived task of the app: started with it, drained when it stops."""

    async def close(self) -> None:
        """Finish what was taken, take nothing more; a second call returns at once."""


@dataclass
class Services:
    """What services use besides the transaction, one set per process: built
    by ``app.build_services`` and closed when the app stops."""

    settings: Settings
    db: Database
    limits: RateLimits
    geo_index: NeighbourhoodLookup
    hub: Hub
    media: LocalMediaStorage
    jobs: Jobs
    scheduler: Scheduler
    mailer: Mailer
    # Long-lived tasks of the domains (the chat's group commit and sweep), made in
    # the app's lifespan; closed first, while the database and hub are still there.
    workers: list[Worker] = field(default_factory=list)

    async def drain(self) -> None:
        """Let the workers finish what they took (pending chat sends are stored
        and acknowledged, or refused). Before the server closes its connections,
        so the answers reach the clients; again (at once) by :meth:`close`."""
        for worker in self.workers:
            await worker.close()

    async def close(self) -> None:
        await self.drain()
        await self.scheduler.stop()
        await self.jobs.drain()
        await self.hub.close()
        await self.limits.close()
        await self.db.dispose()


@dataclass
class Ctx:
    """Who is asking, inside which transaction. Jobs and commands have no
    ``client_ip``: they act with the service's own authority, unlimited."""

    svc: Services
    db: AsyncSession
    user: User | None = None
    session_id: str | None = None
    via_bearer: bool = False
    # Set for anything a client sent (requests, WebSocket frames): rate limits apply.
    client_ip: str | None = None
    # The neighbourhood a visitor without one of their own picked to browse (the
    # web layer reads it from its cookie).
    browsing: str | None = None

    @property
    def locale(self) -> str:
        return current_locale()

    @property
    def ip(self) -> str:
        return self.client_ip or "local"

    async def limit(self, limit: str, *keys: str, exact: bool = False) -> None:
        """Count a hit against a rate limit; only what clients send is limited.
        ``exact`` for the few-a-minute limits against guessing (see RateLimits)."""
        if self.client_ip is not None:
            await self.svc.limits.hit(limit, *keys, exact=exact)

    def require_user(self) -> User:
        if self.user is None:
            raise AuthenticationRequired()
        return self.user

    def require_operator(self) -> User:
        user = self.require_user()
        if not user.is_operator:
            raise PermissionDenied(N_("운영자만 볼 수 있습니다."))
        return user

    def record(self, name: str, *, user_id: int | None = None, **props: Any) -> None:
        uid = user_id if user_id is not None else (self.user.id if self.user else None)
        events.record(self.db, name, user_id=uid, session=self.session_id, **props)


@asynccontextmanager
async def job_ctx(svc: Services) -> AsyncIterator[Ctx]:
    """A unit of work outside a request (commands, background jobs, the demo)."""
    async with svc.db.transaction() as db:
        yield Ctx(svc=svc, db=db)


@dataclass(frozen=True)
class Asker:
    """Who sent a request or opened a socket. ``user`` is None for a visitor,
    and for a token that is unknown, expired or of a deleted account."""

    user: User | None
    session: AuthSession | None
    via_bearer: bool


async def who_is_asking(db: AsyncSession, *, bearer: str | None, cookie: str | None) -> Asker:
    """The one way to tell who is asking, for requests and sockets alike: the
    bearer token if one was sent (apps), else the session cookie (browsers).
    The web layer reads both; what it may accept (a socket's cookie only from
    our own origin) is its business."""
    via_bearer = bearer is not None
    token = bearer if via_bearer else cookie
    if not token:
        return Asker(None, None, via_bearer)
    row = (
        await db.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(
                AuthSession.token_hash == token_digest(token),
                AuthSession.expires_at > utcnow(),
                User.deleted_at.is_(None),
            )
        )
    ).first()
    if row is None:
        return Asker(None, None, via_bearer)
    auth, user = row.tuple()
    return Asker(user, auth, via_bearer)
