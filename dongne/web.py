"""Request plumbing shared by every router: the unit of work, who is asking,
and CSRF protection.

A request is one transaction: :func:`get_db` commits after the endpoint returns
(before the response is sent) and rolls back on any error; after-commit hooks
then run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from dongne import events
from dongne.accounts.models import AuthSession, User
from dongne.db import run_after_commit, utcnow
from dongne.kit.errors import AuthenticationRequired, PermissionDenied
from dongne.kit.i18n import N_, current_locale
from dongne.kit.security import session_binding, token_digest

if TYPE_CHECKING:
    from dongne.app import Services

SESSION_COOKIE = "dongne_session"
CSRF_COOKIE = "dongne_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    async with services(request).db.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            session.info.pop("after_commit", None)
            raise
    await run_after_commit(session)


Db = Annotated[AsyncSession, Depends(get_db, scope="function")]


def request_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Viewer:
    """What pages show of the signed-in user: a plain snapshot, safe to read
    even after the request's transaction was rolled back."""

    id: int
    nickname: str
    is_operator: bool


@dataclass
class Ctx:
    """Who is asking, inside which transaction. ``request`` is None for jobs and
    commands, which act with the service's own authority."""

    svc: Services
    db: AsyncSession
    request: Request | None = None
    user: User | None = None
    session_id: str | None = None
    via_bearer: bool = False
    # Set for anything a client sent (requests, WebSocket frames): rate limits apply.
    client_ip: str | None = None

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


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def check_csrf(connection: HTTPConnection) -> None:
    """Every state-changing request made with the browser's cookies must echo
    the CSRF cookie in the ``X-CSRF-Token`` header (htmx, fetch) or in the
    ``csrf_token`` form field (plain forms). Bearer-token clients carry no
    ambient credentials and are exempt. (WebSockets check their Origin instead.)"""
    if not isinstance(connection, Request):
        return
    request = connection
    if request.method not in UNSAFE_METHODS or bearer_token(request):
        return
    is_page = not request.url.path.startswith("/api/")
    if not is_page and SESSION_COOKIE not in request.cookies:
        return
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    binding = session_binding(request.cookies.get(SESSION_COOKIE))
    if not services(request).csrf.matches(request.cookies.get(CSRF_COOKIE), submitted, binding):
        raise PermissionDenied(
            N_(
                "보안 토큰이 만료되었거나 올바르지 않습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요."
            )
        )


async def _resolve(
    request: Request, db: AsyncSession
) -> tuple[User | None, AuthSession | None, bool]:
    token = bearer_token(request)
    via_bearer = token is not None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None, None, via_bearer
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
        if via_bearer:
            raise AuthenticationRequired(N_("인증 토큰이 만료되었거나 올바르지 않습니다."))
        return None, None, via_bearer
    auth, user = row.tuple()
    return user, auth, via_bearer


async def authenticated_user_id(request: Request) -> int:
    """For long-lived streams: who is asking, without keeping a database
    session (and its connection) open for the life of the stream."""
    async with services(request).db.sessions() as db:
        user, _auth, _ = await _resolve(request, db)
    if user is None:
        raise AuthenticationRequired()
    return user.id


async def get_ctx(request: Request, db: Db) -> Ctx:
    user, auth, via_bearer = await _resolve(request, db)
    session_id = auth.public_id if auth else None
    if user is not None:
        request.state.user = Viewer(user.id, user.nickname or "", user.is_operator)
    return Ctx(
        svc=services(request),
        db=db,
        request=request,
        user=user,
        session_id=session_id,
        via_bearer=via_bearer,
        client_ip=request_ip(request),
    )


@asynccontextmanager
async def job_ctx(svc: Services) -> AsyncIterator[Ctx]:
    """A unit of work outside a request (commands, background jobs, the demo)."""
    async with svc.db.transaction() as db:
        yield Ctx(svc=svc, db=db)


CtxDep = Annotated[Ctx, Depends(get_ctx)]
