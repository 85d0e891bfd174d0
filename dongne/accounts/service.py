"""Every write about accounts: sign-up, sessions, passwords, deletion and
neighbourhood verification. Services flush; the request commits."""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from dongne.accounts.models import (
    MAX_NEIGHBOURHOODS,
    ROLES,
    AuthSession,
    User,
    UserNeighbourhood,
)
from dongne.accounts.schemas import LoginIn, SignupIn
from dongne.db import utcnow
from dongne.events import anonymise_user_events
from dongne.geo.models import Neighbourhood
from dongne.geo.queries import get_neighbourhood_or_raise
from dongne.kit.errors import Conflict, DomainError, InvalidInput, NotFound, RateLimited
from dongne.kit.i18n import N_
from dongne.kit.security import (
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_password,
)
from dongne.web import Ctx


class InvalidCredentials(DomainError):
    status = 401
    code = "invalid_credentials"
    message = N_("이메일 또는 비밀번호가 올바르지 않습니다.")


class NotThere(DomainError):
    status = 422
    code = "not_in_neighbourhood"
    message = N_("현재 위치가 %(wanted)s이(가) 아니에요. 지금 계신 곳은 %(here)s 근처예요.")


async def signup(ctx: Ctx, data: SignupIn) -> User:
    await ctx.limit(ctx.svc.settings.signup_limit_per_ip, "signup", ctx.ip, exact=True)
    db = ctx.db
    if await db.scalar(select(User.id).where(User.email == data.email)):
        raise Conflict(N_("이미 가입된 이메일입니다."), field="email")
    if await db.scalar(select(User.id).where(func.lower(User.nickname) == data.nickname.lower())):
        raise Conflict(N_("이미 사용 중인 닉네임입니다."), field="nickname")
    user = User(
        email=data.email,
        nickname=data.nickname,
        password_hash=await hash_password(data.password),
        locale=ctx.locale,
    )
    db.add(user)
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError:  # a concurrent sign-up took the email or nickname first
        raise Conflict(N_("이미 가입된 이메일 또는 닉네임입니다.")) from None
    ctx.record("user_signed_up", user_id=user.id, locale=ctx.locale)
    return user


async def authenticate(ctx: Ctx, data: LoginIn) -> User:
    """Check a password, within the login limits (exact moving windows):

    - one address: ``login_limit_per_ip`` attempts, whatever the accounts;
    - one address at one account: ``login_limit_per_account`` attempts;
    - one account from all addresses: ``login_limit_per_account`` attempts, but
      when that is spent an address with no failed attempt at this account in the
      window still gets through. Guessing from many addresses cannot lock the owner
      out, and each address that has guessed wrong stays refused (docs/security.md).
    """
    settings = ctx.svc.settings
    limit = settings.login_limit_per_account
    await ctx.limit(settings.login_limit_per_ip, "login-ip", ctx.ip, exact=True)
    await ctx.limit(limit, "login-account-ip", data.email, ctx.ip, exact=True)
    try:
        await ctx.limit(limit, "login-account", data.email, exact=True)
    except RateLimited:
        if not await ctx.svc.limits.is_untouched(
            limit, "login-failed", data.email, ctx.ip, exact=True
        ):
            raise
    user = await ctx.db.scalar(
        select(User).where(User.email == data.email, User.deleted_at.is_(None))
    )
    ok = await verify_password(user.password_hash if user else None, data.password)
    if user is None or not ok:
        if ctx.client_ip is not None:  # remembered: this address has failed here
            with contextlib.suppress(RateLimited):
                await ctx.svc.limits.hit(limit, "login-failed", data.email, ctx.ip, exact=True)
        raise InvalidCredentials()
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = await hash_password(data.password)
    return user


async def start_session(ctx: Ctx, user: User, kind: str) -> tuple[str, AuthSession]:
    """Open a session; returns the token, which is shown once and never stored."""
    token = new_token()
    auth = AuthSession(
        token_hash=token_digest(token),
        public_id=secrets.token_hex(8),
        user_id=user.id,
        kind=kind,
        expires_at=utcnow() + timedelta(days=ctx.svc.settings.session_days),
    )
    ctx.db.add(auth)
    await ctx.db.flush()
    ctx.session_id = auth.public_id
    ctx.user = user
    ctx.record("user_logged_in", user_id=user.id, kind=kind)
    return token, auth


async def end_session(ctx: Ctx, token: str | None) -> None:
    if ctx.user is None or token is None:
        return
    ctx.record("user_logged_out", kind="bearer" if ctx.via_bearer else "cookie")
    await ctx.db.execute(delete(AuthSession).where(AuthSession.token_hash == token_digest(token)))


async def change_password(ctx: Ctx, current: str, new: str, keep_token: str | None) -> None:
    user = ctx.require_user()
    if not await verify_password(user.password_hash, current):
        raise InvalidCredentials(N_("현재 비밀번호가 올바르지 않습니다."), field="current_password")
    user.password_hash = await hash_password(new)
    # Every other session ends: a changed password must lock out whoever had the old one.
    stmt = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep_token:
        stmt = stmt.where(AuthSession.token_hash != token_digest(keep_token))
    await ctx.db.execute(stmt)
    ctx.record("password_changed")


async def delete_account(ctx: Ctx, password: str) -> None:
    """Remove personal data; keep the events, detached from the person."""
    user = ctx.require_user()
    if not await verify_password(user.password_hash, password):
        raise InvalidCredentials(N_("비밀번호가 올바르지 않습니다."), field="password")
    ctx.record("account_deleted")
    await ctx.db.flush()
    await anonymise_user_events(ctx.db, user.id)
    await ctx.db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    await ctx.db.execute(delete(UserNeighbourhood).where(UserNeighbourhood.user_id == user.id))
    user.email = None
    user.nickname = None
    user.password_hash = None
    user.deleted_at = utcnow()
    await ctx.db.flush()


async def set_role(ctx: Ctx, email: str, role: str) -> User:
    if role not in ROLES:
        raise InvalidInput(N_("알 수 없는 역할입니다."), field="role")
    user = await ctx.db.scalar(
        select(User).where(User.email == email.strip().lower(), User.deleted_at.is_(None))
    )
    if user is None:
        raise NotFound(N_("그 이메일로 가입한 사용자가 없습니다."), field="email")
    old, user.role = user.role, role
    ctx.record("user_role_changed", user_id=user.id, old=old, new=role)
    return user


# ---- neighbourhoods -------------------------------------------------------


async def my_neighbourhoods(ctx: Ctx) -> list[tuple[UserNeighbourhood, Neighbourhood]]:
    user = ctx.require_user()
    rows = await ctx.db.execute(
        select(UserNeighbourhood, Neighbourhood)
        .join(Neighbourhood, Neighbourhood.id == UserNeighbourhood.neighbourhood_id)
        .where(UserNeighbourhood.user_id == user.id)
        .order_by(UserNeighbourhood.created_at, UserNeighbourhood.id)
    )
    return [row.tuple() for row in rows]


async def access_my_neighbourhood_by_id(ctx: Ctx, neighbourhood_id: str) -> UserNeighbourhood:
    """The caller's own link to a neighbourhood, or 404."""
    user = ctx.require_user()
    mine = await ctx.db.scalar(
        select(UserNeighbourhood).where(
            UserNeighbourhood.user_id == user.id,
            UserNeighbourhood.neighbourhood_id == neighbourhood_id,
        )
    )
    if mine is None:
        raise NotFound(N_("내 동네로 설정되지 않은 동네입니다."), field="neighbourhood_id")
    return mine


async def add_neighbourhood(ctx: Ctx, neighbourhood_id: str) -> UserNeighbourhood:
    user = ctx.require_user()
    place = await get_neighbourhood_or_raise(ctx.db, neighbourhood_id)
    mine = await my_neighbourhoods(ctx)
    for link, _ in mine:
        if link.neighbourhood_id == place.id:
            return link
    if len(mine) >= MAX_NEIGHBOURHOODS:
        raise Conflict(
            N_("동네는 최대 2개까지 설정할 수 있어요. 먼저 다른 동네를 삭제해 주세요."),
            field="neighbourhood_id",
        )
    # The newest neighbourhood becomes the active one, as people expect.
    for other, _ in mine:
        other.is_active = False
    link = UserNeighbourhood(user_id=user.id, neighbourhood_id=place.id, is_active=True)
    ctx.db.add(link)
    await ctx.db.flush()
    ctx.record("neighbourhood_added", neighbourhood_id=place.id)
    return link


async def verify_neighbourhood(
    ctx: Ctx, neighbourhood_id: str, latitude: float, longitude: float
) -> UserNeighbourhood:
    """Prove by location that the user is in the neighbourhood. The position is
    used for this check only: it is neither stored nor logged."""
    settings = ctx.svc.settings
    place = await get_neighbourhood_or_raise(ctx.db, neighbourhood_id)
    index = ctx.svc.geo_index
    if not index.contains(place.id, latitude, longitude, settings.verification_tolerance_km):
        here_id = index.reverse(latitude, longitude)
        here = await ctx.db.get(Neighbourhood, here_id) if here_id else None
        raise NotThere(
            wanted=place.name,
            here=here.name if here else N_("서비스 지역 밖"),
            field="neighbourhood_id",
        )
    link = await add_neighbourhood(ctx, place.id)
    link.verified_at = utcnow()
    ctx.record(
        "neighbourhood_verified",
        neighbourhood_id=place.id,
        valid_days=settings.verification_days,
    )
    return link


async def activate_neighbourhood(ctx: Ctx, neighbourhood_id: str) -> UserNeighbourhood:
    target = await access_my_neighbourhood_by_id(ctx, neighbourhood_id)
    for link, _ in await my_neighbourhoods(ctx):
        link.is_active = link.id == target.id
    ctx.record("neighbourhood_activated", neighbourhood_id=neighbourhood_id)
    return target


async def set_range(ctx: Ctx, neighbourhood_id: str, level: int) -> UserNeighbourhood:
    link = await access_my_neighbourhood_by_id(ctx, neighbourhood_id)
    if level not in (0, 1, 2, 3):
        raise InvalidInput(N_("동네 범위는 0에서 3 사이여야 해요."), field="level")
    old, link.range_level = link.range_level, level
    ctx.record("range_changed", neighbourhood_id=neighbourhood_id, old=old, new=level)
    return link


async def remove_neighbourhood(ctx: Ctx, neighbourhood_id: str) -> None:
    link = await access_my_neighbourhood_by_id(ctx, neighbourhood_id)
    was_active = link.is_active
    await ctx.db.delete(link)
    await ctx.db.flush()
    if was_active:
        for other, _ in await my_neighbourhoods(ctx):
            other.is_active = True
    ctx.record("neighbourhood_removed", neighbourhood_id=neighbourhood_id)
