"""Every write about reports, moderation and sanctions, and the rule that a
suspended or banned user may not act.

An operator's action is one transaction: the audit entry, the sanction, the
hidden listing, the resolved reports, the notification to the affected user and
the event are written together or not at all."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dongne.accounts.models import User
from dongne.chat.models import SYSTEM, Conversation, Message
from dongne.chat.service import access_conversation_by_id, post_system
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import Conflict, InvalidInput, NotFound
from dongne.kit.i18n import N_
from dongne.listings.models import Listing
from dongne.listings.service import access_listing_by_id, browse_range, take_down, take_down_seller
from dongne.notifications.service import notify
from dongne.trust.moderation import policy
from dongne.trust.moderation.models import (
    ACTIONS,
    BAN,
    BAN_KIND,
    DISMISS,
    HIDE_LISTING,
    LISTING,
    OPEN,
    RESOLVED,
    SUSPEND,
    SUSPENSION,
    TARGETS,
    USER,
    WARN,
    WARNING,
    ModerationAction,
    Report,
    Sanction,
)
from dongne.trust.reviews.service import recompute_temperature

log = logging.getLogger(__name__)

FRAUD_BAN_LINE = "fraud_ban"  # the system line shown in a banned fraudster's conversations


# ---- reports ---------------------------------------------------------------------


async def subject_of(ctx: Ctx, kind: str, target_id: int) -> int:
    """Who the reported thing belongs to, checking the reporter may see it."""
    user = ctx.require_user()
    if kind == LISTING:
        listing = await access_listing_by_id(ctx, target_id, await browse_range(ctx))
        if listing.seller_id == user.id:
            raise InvalidInput(N_("내 글은 신고할 수 없어요."))
        return listing.seller_id
    if kind == USER:
        other = await ctx.db.get(User, target_id)
        if other is None or other.deleted_at is not None:
            raise NotFound(N_("사용자를 찾을 수 없어요."))
        if other.id == user.id:
            raise InvalidInput(N_("나 자신은 신고할 수 없어요."))
        return other.id
    message = await ctx.db.get(Message, target_id)
    if message is None:
        raise NotFound(N_("메시지를 찾을 수 없어요."))
    await access_conversation_by_id(ctx, message.conversation_id)  # 404 for outsiders
    if message.kind == SYSTEM or message.sender_id is None:
        raise InvalidInput(N_("이 메시지는 신고할 수 없어요."))
    if message.sender_id == user.id:
        raise InvalidInput(N_("내 메시지는 신고할 수 없어요."))
    return message.sender_id


async def file_report(ctx: Ctx, kind: str, target_id: int, reason: str, detail: str) -> Report:
    """신고하기: the report lands in the moderation queue."""
    user = ctx.require_user()
    if kind not in TARGETS:
        raise InvalidInput(N_("신고할 대상을 확인해 주세요."), field="target")
    if reason not in policy.REASONS:
        raise InvalidInput(N_("신고 사유를 목록에서 골라 주세요."), field="reason")
    detail = detail.strip()
    if reason == policy.OTHER and not detail:
        raise InvalidInput(N_("기타 사유를 적어 주세요."), field="detail")
    if len(detail) > policy.MAX_DETAIL:
        raise InvalidInput(N_("신고 내용은 500자 이하로 적어 주세요."), field="detail")
    subject_id = await subject_of(ctx, kind, target_id)
    await ctx.limit(ctx.svc.settings.report_limit_per_user, "report", str(user.id))
    report = Report(
        reporter_id=user.id,
        target_kind=kind,
        target_id=target_id,
        subject_id=subject_id,
        reason=reason,
        detail=detail,
    )
    ctx.db.add(report)
    try:
        async with ctx.db.begin_nested():
            await ctx.db.flush()
    except IntegrityError:
        raise Conflict(N_("이미 신고했어요. 운영자가 확인하고 있어요.")) from None
    ctx.record(
        "report_filed",
        report_id=report.id,
        target=kind,
        target_id=target_id,
        subject_id=subject_id,
        reason=reason,
    )
    return report


# ---- operator actions --------------------------------------------------------------


async def access_report_by_id(ctx: Ctx, report_id: int) -> Report:
    ctx.require_operator()
    report = await ctx.db.get(Report, report_id)
    if report is None:
        raise NotFound(N_("신고를 찾을 수 없어요."))
    return report


async def _recompute_temperature(db: AsyncSession, user_id: int) -> None:
    """The manner temperature counts sanctions: refresh it (and its event)."""
    await recompute_temperature(db, user_id)


async def _warn_fraud_partners(ctx: Ctx, user_id: int) -> int:
    """Everyone who chatted with a user banned for fraud sees a warning line there."""
    conversations = (
        await ctx.db.scalars(
            select(Conversation).where(
                (Conversation.buyer_id == user_id) | (Conversation.seller_id == user_id)
            )
        )
    ).all()
    for conversation in conversations:
        await post_system(ctx, conversation, FRAUD_BAN_LINE, user_id=user_id)
    return len(conversations)


async def moderate(
    ctx: Ctx,
    report_id: int,
    action: str,
    policy_code: str,
    note: str = "",
    days: int | None = None,
) -> ModerationAction:
    """Work one report: dismiss it, hide the listing, warn, suspend for ``days``
    or ban its subject. Every open report about the same thing is resolved too."""
    operator = ctx.require_operator()
    report = await access_report_by_id(ctx, report_id)
    if action not in ACTIONS:
        raise InvalidInput(N_("처리 방법을 목록에서 골라 주세요."), field="action")
    if policy_code not in policy.POLICIES:
        raise InvalidInput(N_("적용할 운영정책을 골라 주세요."), field="policy")
    note = note.strip()
    if len(note) > policy.MAX_NOTE:
        raise InvalidInput(N_("처리 사유는 1,000자 이하로 적어 주세요."), field="note")
    if action == SUSPEND:
        if days is None or not 1 <= days <= policy.MAX_SUSPENSION_DAYS:
            raise InvalidInput(N_("정지 기간은 1~365일로 정해 주세요."), field="days")
    else:
        days = None
    if report.status != OPEN:
        raise Conflict(N_("이미 처리된 신고예요."))
    if action == HIDE_LISTING and report.target_kind != LISTING:
        raise InvalidInput(N_("게시글 신고에서만 글을 숨길 수 있어요."), field="action")
    if report.subject_id == operator.id and action != DISMISS:
        raise InvalidInput(N_("나 자신에게 제재를 내릴 수 없어요."), field="action")

    now = utcnow()
    entry = ModerationAction(
        operator_id=operator.id,
        action=action,
        report_id=report.id,
        subject_id=report.subject_id if action != DISMISS else None,
        listing_id=report.target_id if report.target_kind == LISTING else None,
        policy=policy_code,
        days=days,
        note=note,
        data={"target": report.target_kind, "target_id": report.target_id},
        created_at=now,
    )
    ctx.db.add(entry)
    await ctx.db.flush()

    extra: dict[str, Any] = {}
    if action == HIDE_LISTING:
        await take_down(ctx, report.target_id, entry.id)
    elif action in (WARN, SUSPEND, BAN):
        kind = {WARN: WARNING, SUSPEND: SUSPENSION, BAN: BAN_KIND}[action]
        ends_at = now + timedelta(days=days) if action == SUSPEND and days else None
        ctx.db.add(
            Sanction(
                user_id=report.subject_id,
                kind=kind,
                policy=policy_code,
                days=days,
                starts_at=now,
                ends_at=ends_at,
                action_id=entry.id,
            )
        )
        if action == BAN:
            # A banned seller's listings leave the feed with them.
            await take_down_seller(ctx, report.subject_id, entry.id)
            if policy_code == policy.FRAUD:
                extra["warned_conversations"] = await _warn_fraud_partners(ctx, report.subject_id)
        await ctx.db.flush()
        await _recompute_temperature(ctx.db, report.subject_id)

    # Every open report about the same thing is settled by this one action.
    await ctx.db.execute(
        update(Report)
        .where(
            Report.target_kind == report.target_kind,
            Report.target_id == report.target_id,
            Report.status == OPEN,
        )
        .values(status=RESOLVED, resolved_at=now, action_id=entry.id)
    )
    await ctx.db.refresh(report)
    if action != DISMISS:
        payload: dict[str, Any] = {"action": action, "policy": policy_code, "days": days}
        if action == HIDE_LISTING:
            payload["listing_id"] = report.target_id
        if action == SUSPEND and days:
            payload["until"] = (now + timedelta(days=days)).isoformat()
        await notify(ctx.db, ctx.svc.hub, report.subject_id, "moderation", **payload)
    ctx.record(
        "moderation_action",
        action_id=entry.id,
        action=action,
        report_id=report.id,
        target=report.target_kind,
        target_id=report.target_id,
        subject_id=report.subject_id,
        policy=policy_code,
        days=days,
        **extra,
    )
    return entry


# ---- fraud warnings ------------------------------------------------------------------


async def reveal_message(ctx: Ctx, conversation_id: int, seq: int) -> Message:
    """The receiver tapped a masked account number: record it, return the message."""
    user = ctx.require_user()
    conversation, _me = await access_conversation_by_id(ctx, conversation_id)
    message = await ctx.db.scalar(
        select(Message).where(Message.conversation_id == conversation.id, Message.seq == seq)
    )
    if message is None or not (message.data or {}).get("fraud"):
        raise NotFound(N_("경고가 있는 메시지를 찾을 수 없어요."))
    if message.sender_id == user.id:
        raise InvalidInput(N_("내가 보낸 메시지에는 경고가 표시되지 않아요."))
    ctx.record(
        "fraud_warning_tapped",
        conversation_id=conversation.id,
        seq=seq,
        signals=message.data["fraud"].get("signals", []),
    )
    return message


async def listing_warning_seen(ctx: Ctx, listing: Listing, signals: list[str]) -> None:
    ctx.record("listing_warning_shown", listing_id=listing.id, signals=signals)
