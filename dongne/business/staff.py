"""Staff: the owner invites people by e-mail to answer for the business; staff
act in its inbox under their own name, and may leave. Services flush; the
request commits."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dongne import events
from dongne.accounts.models import User
from dongne.business.models import (
    MAX_STAFF,
    OWNER,
    STAFF,
    Business,
    BusinessInvitation,
    BusinessMember,
)
from dongne.business.service import access_managed_business_by_id, member_role
from dongne.config import Settings
from dongne.context import Ctx
from dongne.db import AfterCommit, Database, on_commit, utcnow
from dongne.kit.errors import Conflict, NotFound
from dongne.kit.i18n import N_
from dongne.kit.mail import Mailer, compose
from dongne.kit.security import new_token, token_digest
from dongne.scheduler import enqueue

INVITATION_DAYS = 14
INVITATION_MAIL = "staff_invitation_mail"  # the scheduled job's kind
MAIL_RETRY = timedelta(minutes=1)

log = logging.getLogger(__name__)


async def invite_staff(ctx: Ctx, business_id: int, email: str) -> BusinessInvitation:
    """The owner invites someone by email to act for the business as staff. The
    mail (a persistent job, sent after the commit) carries the link that accepts
    it; inviting a pending address again sends a new link."""
    business, _role = await access_managed_business_by_id(ctx, business_id)
    member = await ctx.db.scalar(
        select(BusinessMember.user_id)
        .join(User, User.id == BusinessMember.user_id)
        .where(BusinessMember.business_id == business.id, User.email == email)
    )
    if member is not None:
        raise Conflict(N_("이미 이 가게에서 함께 일하는 사람이에요."), field="email")
    now = utcnow()
    invitation = await ctx.db.scalar(
        select(BusinessInvitation).where(
            BusinessInvitation.business_id == business.id,
            BusinessInvitation.email == email,
            BusinessInvitation.accepted_at.is_(None),
            BusinessInvitation.revoked_at.is_(None),
            BusinessInvitation.expires_at > now,
        )
    )
    if invitation is None:
        people = await ctx.db.scalar(
            select(func.count())
            .select_from(BusinessMember)
            .where(BusinessMember.business_id == business.id)
        )
        if (people or 0) >= MAX_STAFF:
            raise Conflict(N_("한 가게에는 50명까지 함께할 수 있어요."), field="email")
        invitation = BusinessInvitation(
            business_id=business.id,
            email=email,
            invited_by=ctx.require_user().id,
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        ctx.db.add(invitation)
        await ctx.db.flush()
        ctx.record("staff_invited", business_id=business.id, invitation_id=invitation.id)
    else:
        ctx.record("staff_invitation_resent", business_id=business.id, invitation_id=invitation.id)
    # One job per mail: a resend while the previous mail is being sent must not be
    # absorbed by it. The last mail's link is the valid one.
    await enqueue(ctx.db, INVITATION_MAIL, now, invitation_id=invitation.id)
    on_commit(ctx.db, _wake_scheduler(ctx))
    return invitation


def _wake_scheduler(ctx: Ctx) -> AfterCommit:
    scheduler = ctx.svc.scheduler

    async def wake() -> None:
        scheduler.wake()

    return wake


async def send_invitation_mail(
    db: AsyncSession,
    database: Database,
    mailer: Mailer,
    settings: Settings,
    payload: dict[str, Any],
) -> None:
    """The scheduled job: a fresh token (only its digest is kept, so a link from an
    earlier mail stops working) and the mail that carries it.

    The mail leaves only after the token is committed: sent earlier, a quick
    reader could follow the link before the token exists and get a 404. A failed
    delivery queues the job again (in ``database``, a transaction of its own),
    which mails a fresh token."""
    invitation = await db.get(BusinessInvitation, payload["invitation_id"])
    now = utcnow()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
        or invitation.expires_at <= now
    ):
        return
    business = await db.get(Business, invitation.business_id)
    inviter = await db.get(User, invitation.invited_by)
    if business is None:
        return
    token = new_token()
    invitation.token_digest, invitation.mailed_at = token_digest(token), now
    link = f"{settings.base_url.rstrip('/')}/business-invitations?{urlencode({'token': token})}"
    who = inviter.nickname if inviter is not None else "대표"
    days = (invitation.expires_at - now).days
    body = (
        f"{who}님이 동네 비즈프로필 '{business.name}'에 직원으로 초대했어요.\n"
        f"아래 링크를 열어 로그인한 계정으로 수락하면 가게의 문의함에서 함께 답할 수 있어요.\n\n"
        f"{link}\n\n"
        f"링크는 {days}일 뒤에 만료돼요. 모르는 초대라면 이 메일을 지워 주세요.\n\n"
        f"---\n"
        f"{who} invited you to join '{business.name}' on dongne as staff. Open the link above\n"
        f"and accept with the account you are signed in with. It expires in {days} days.\n"
    )
    subject = f"[동네] '{business.name}' 직원 초대 / staff invitation"
    message = compose(settings.mail_from, invitation.email, subject, body)
    invitation_id = invitation.id

    async def deliver() -> None:
        try:
            await mailer.send(message)
        except Exception:
            log.warning("invitation %s: mail not delivered; trying again", invitation_id)
            async with database.transaction() as again:
                await enqueue(again, INVITATION_MAIL, utcnow() + MAIL_RETRY, **payload)

    on_commit(db, deliver)
    events.record(
        db,
        "staff_invitation_mailed",
        business_id=invitation.business_id,
        invitation_id=invitation.id,
    )


async def access_invitation_by_token(ctx: Ctx, token: str) -> BusinessInvitation:
    """The pending invitation whose mail carried ``token``; anything else is 404."""
    ctx.require_user()
    invitation = (
        await ctx.db.scalar(
            select(BusinessInvitation).where(BusinessInvitation.token_digest == token_digest(token))
        )
        if token
        else None
    )
    if (
        invitation is None
        or invitation.revoked_at is not None
        or invitation.accepted_at is not None
    ):
        raise NotFound(
            N_(
                "초대를 찾을 수 없어요. 취소되었거나, 이미 수락했거나, 더 새로운 초대 메일이 있어요."
            )
        )
    if invitation.expires_at <= utcnow():
        raise Conflict(N_("초대가 만료되었어요. 가게 대표에게 다시 초대해 달라고 해 주세요."))
    return invitation


async def accept_invitation(ctx: Ctx, token: str) -> BusinessMember:
    user = ctx.require_user()
    invitation = await access_invitation_by_token(ctx, token)
    if await member_role(ctx.db, invitation.business_id, user.id) is not None:
        raise Conflict(N_("이미 이 가게에서 함께 일하고 있어요."))
    invitation.accepted_at = utcnow()
    member = BusinessMember(business_id=invitation.business_id, user_id=user.id, role=STAFF)
    try:
        async with ctx.db.begin_nested():
            ctx.db.add(member)
            await ctx.db.flush()
    except IntegrityError:  # the same invitation accepted twice at once
        raise Conflict(N_("이미 이 가게에서 함께 일하고 있어요.")) from None
    ctx.record("staff_joined", business_id=invitation.business_id, invitation_id=invitation.id)
    return member


async def revoke_invitation(ctx: Ctx, business_id: int, invitation_id: int) -> None:
    business, _role = await access_managed_business_by_id(ctx, business_id)
    invitation = await ctx.db.get(BusinessInvitation, invitation_id)
    if (
        invitation is None
        or invitation.business_id != business.id
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
    ):
        raise NotFound(N_("초대를 찾을 수 없어요. 취소되었거나 이미 수락했을 수 있어요."))
    invitation.revoked_at = utcnow()
    ctx.record("staff_invitation_revoked", business_id=business.id, invitation_id=invitation.id)


async def remove_member(ctx: Ctx, business_id: int, user_id: int) -> None:
    """The owner removes staff; staff may leave. The owner stays."""
    user = ctx.require_user()
    leaving = user_id == user.id
    business, role = await access_managed_business_by_id(ctx, business_id, owner_only=not leaving)
    target = await ctx.db.get(BusinessMember, (business.id, user_id))
    if target is None:
        raise NotFound(N_("이 가게에서 함께 일하는 사람이 아니에요."))
    if target.role == OWNER:
        raise Conflict(N_("가게 대표는 나갈 수 없어요."))
    await ctx.db.delete(target)
    await ctx.db.flush()
    ctx.record(
        "staff_removed", business_id=business.id, member_id=user_id, by_self=leaving, by=role
    )
