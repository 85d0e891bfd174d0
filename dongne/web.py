"""Request plumbing shared by every router: the unit of work, who is asking,
and CSRF protection.

A request is one transaction: :func:`get_db` commits after the endpoint returns
(before the response is sent) and rolls back on any error; after-commit hooks
then run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from dongne.context import Asker, Ctx, Services, who_is_asking
from dongne.db import discard_after_commit, run_after_commit
from dongne.kit.errors import AuthenticationRequired, PermissionDenied
from dongne.kit.i18n import N_
from dongne.kit.security import CSRF_COOKIE as CSRF_COOKIE  # re-exported for the routes
from dongne.kit.security import CSRF_FIELD as CSRF_FIELD
from dongne.kit.security import CSRF_HEADER, CsrfTokens, session_binding

SESSION_COOKIE = "dongne_session"
# The neighbourhood a visitor without one of their own browses (Ctx.browsing).
BROWSE_COOKIE = "dongne_browse"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def services(connection: HTTPConnection) -> Services:
    svc: Services = connection.app.state.services
    return svc


def csrf_tokens(connection: HTTPConnection) -> CsrfTokens:
    tokens: CsrfTokens = connection.app.state.csrf
    return tokens


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    async with services(request).db.sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            discard_after_commit(session)
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


def bearer_token(connection: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer …`` header (apps), if any."""
    header = connection.headers.get("authorization", "")
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
    if not csrf_tokens(request).matches(request.cookies.get(CSRF_COOKIE), submitted, binding):
        raise PermissionDenied(
            N_(
                "보안 토큰이 만료되었거나 올바르지 않습니다. 페이지를 새로고침한 뒤 다시 시도해 주세요."
            )
        )


async def _resolve(request: Request, db: AsyncSession) -> Asker:
    """Who is asking (context.who_is_asking); a bearer token that is no
    longer valid is refused, where a stale cookie only signs the visitor out."""
    asker = await who_is_asking(
        db, bearer=bearer_token(request), cookie=request.cookies.get(SESSION_COOKIE)
    )
    if asker.user is None and asker.via_bearer:
        raise AuthenticationRequired(N_("인증 토큰이 만료되었거나 올바르지 않습니다."))
    return asker


async def authenticated_user_id(request: Request) -> int:
    """For long-lived streams: who is asking, without keeping a database
    session (and its connection) open for the life of the stream."""
    async with services(request).db.sessions() as db:
        user = (await _resolve(request, db)).user
    if user is None:
        raise AuthenticationRequired()
    return user.id


async def get_ctx(request: Request, db: Db) -> Ctx:
    asker = await _resolve(request, db)
    user = asker.user
    if user is not None:
        request.state.user = Viewer(user.id, user.nickname or "", user.is_operator)
    return Ctx(
        svc=services(request),
        db=db,
        user=user,
        session_id=asker.session.public_id if asker.session else None,
        via_bearer=asker.via_bearer,
        client_ip=request_ip(request),
        browsing=request.cookies.get(BROWSE_COOKIE),
    )


CtxDep = Annotated[Ctx, Depends(get_ctx)]
