"""JSON routes: reporting (everyone), blocking, and the moderation queue and
audit log (operators)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from dongne.kit.i18n import gettext
from dongne.kit.ids import MAX_ID, Id
from dongne.trust.moderation import blocks, policy, queries, service
from dongne.trust.moderation.schemas import (
    ActionIn,
    AuditOut,
    BlockedOut,
    QueueItemOut,
    ReasonOut,
    ReportIn,
    ReportOut,
)
from dongne.web import CtxDep

router = APIRouter(prefix="/api/v1", tags=["trust"])


@router.get("/reports/reasons")
async def reasons() -> list[ReasonOut]:
    """The fixed list of report reasons, in the request's language."""
    return [ReasonOut(code=c, label=gettext(label)) for c, label in policy.REASONS.items()]


@router.post("/reports", status_code=status.HTTP_201_CREATED)
async def file_report(data: ReportIn, ctx: CtxDep) -> ReportOut:
    """신고하기: a listing, a user or a chat message, with a reason from the list."""
    report = await service.file_report(ctx, data.target, data.target_id, data.reason, data.detail)
    return ReportOut(
        id=report.id,
        target=report.target_kind,
        target_id=report.target_id,
        reason=report.reason,
        status=report.status,
        created_at=report.created_at,
    )


def _item_out(item: queries.QueueItem) -> QueueItemOut:
    r = item.report
    context: list[dict[str, object]] = [
        {"seq": line.seq, "sender": line.sender, "body": line.body, "reported": line.reported}
        for line in item.lines
    ]
    if item.listing is not None:
        context = [
            {
                "listing_id": item.listing.id,
                "title": item.listing.title,
                "description": item.listing.description,
                "is_listed": item.listing.is_listed,
            }
        ]
    return QueueItemOut(
        id=r.id,
        target=r.target_kind,
        target_id=r.target_id,
        reason=r.reason,
        detail=r.detail,
        status=r.status,
        reporter=item.reporter,
        subject_id=r.subject_id,
        subject=item.subject,
        same_target=item.same_target,
        created_at=r.created_at,
        context=context,
    )


@router.get("/moderation/reports")
async def moderation_queue(
    ctx: CtxDep, state: Annotated[Literal["open", "resolved"], Query()] = "open"
) -> list[QueueItemOut]:
    """The moderation queue (operators): open reports oldest first, with context."""
    ctx.require_operator()
    return [_item_out(i) for i in await queries.queue(ctx.db, state)]


@router.post("/moderation/reports/{report_id}/actions", status_code=status.HTTP_201_CREATED)
async def act(report_id: Id, data: ActionIn, ctx: CtxDep) -> AuditOut:
    """Work a report: dismiss, hide the listing, warn, suspend for N days or ban."""
    entry = await service.moderate(ctx, report_id, data.action, data.policy, data.note, data.days)
    operator = ctx.require_user()
    return AuditOut(
        id=entry.id,
        operator_id=entry.operator_id,
        operator=operator.nickname or "",
        action=entry.action,
        report_id=entry.report_id,
        subject_id=entry.subject_id,
        subject=None,
        listing_id=entry.listing_id,
        policy=entry.policy,
        days=entry.days,
        note=entry.note,
        created_at=entry.created_at,
    )


@router.get("/moderation/audit")
async def audit(
    ctx: CtxDep, before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> list[AuditOut]:
    """The audit log (operators): every operator action, newest first."""
    ctx.require_operator()
    return [
        AuditOut(
            id=line.entry.id,
            operator_id=line.entry.operator_id,
            operator=line.operator,
            action=line.entry.action,
            report_id=line.entry.report_id,
            subject_id=line.entry.subject_id,
            subject=line.subject,
            listing_id=line.entry.listing_id,
            policy=line.entry.policy,
            days=line.entry.days,
            note=line.entry.note,
            created_at=line.entry.created_at,
        )
        for line in await queries.audit_log(ctx.db, before_id=before)
    ]


@router.post("/users/{user_id}/block", status_code=status.HTTP_204_NO_CONTENT)
async def block(user_id: Id, ctx: CtxDep) -> Response:
    """차단하기: they no longer see your listings and cannot chat with you."""
    await blocks.block(ctx, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/blocks")
async def my_blocks(ctx: CtxDep) -> list[BlockedOut]:
    """The people I blocked, newest first (unblock: DELETE /api/v1/blocks/{id})."""
    return [
        BlockedOut(user_id=b.user_id, nickname=b.nickname, created_at=b.created_at)
        for b in await blocks.blocked_people(ctx)
    ]


@router.post("/chats/{conversation_id}/messages/{seq}/reveal")
async def reveal(conversation_id: Id, seq: Id, ctx: CtxDep) -> dict[str, str]:
    """The receiver taps a masked account number to see it (recorded as a tap on
    the warning)."""
    message = await service.reveal_message(ctx, conversation_id, seq)
    return {"body": message.body}
