"""HTML pages: the report dialog (a listing, a user or a chat message), the
block list in settings, and for operators the moderation queue and the audit
log. Pages call the same services as the JSON API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from dongne.accounts.models import User
from dongne.chat.models import Message
from dongne.kit.errors import DomainError, NotFound, validation_errors
from dongne.kit.forms import rejected, safe_next
from dongne.kit.i18n import N_, gettext
from dongne.kit.ids import MAX_ID, Id, parse_id
from dongne.kit.templating import environment
from dongne.listings.models import Listing
from dongne.notifications.pages import render_page
from dongne.trust.fraud import WARNING_MESSAGES, Signal
from dongne.trust.moderation import blocks, policy, queries, service
from dongne.trust.moderation.models import ListingWarning
from dongne.trust.moderation.schemas import ActionIn, ReportIn
from dongne.web import CSRF_FIELD, Ctx, CtxDep

router = APIRouter(include_in_schema=False)

REVEAL = N_("계좌번호 보기")
REPORT = N_("신고")


def fraud_text(signal: str) -> str:
    """The warning card's sentence for one signal, in the viewer's language."""
    try:
        return gettext(WARNING_MESSAGES[Signal(signal)])
    except (ValueError, KeyError):
        return ""


def script_text() -> dict[str, Any]:
    """What chat.js needs to build warning cards for messages that arrive live."""
    return {
        "warnings": {s.value: gettext(m) for s, m in WARNING_MESSAGES.items()},
        "reveal": gettext(REVEAL),
        "report": gettext(REPORT),
    }


_env = environment()
_env.globals.update(
    trust_fraud_text=fraud_text,
    trust_reasons=policy.REASONS,
    trust_policies=policy.POLICIES,
    trust_policy_names=policy.POLICY_NAMES,
    trust_action_names=policy.ACTION_NAMES,
    trust_target_names=policy.TARGET_NAMES,
)


async def _form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {
        k: v.strip()
        for k, v in form.items()
        if isinstance(v, str) and k != CSRF_FIELD and v.strip() != ""
    }


# ---- what a listing page shows a viewer ------------------------------------------------


async def listing_trust(ctx: Ctx, listing: Listing) -> dict[str, Any]:
    """For the listing page: the fraud warning for viewers other than the seller
    (recorded as shown), and whether to offer 신고하기."""
    mine = ctx.user is not None and ctx.user.id == listing.seller_id
    row = await ctx.db.get(ListingWarning, listing.id)
    signals = list(row.signals) if row is not None and not mine else []
    if signals:
        await service.listing_warning_seen(ctx, listing, signals)
    return {"signals": signals, "can_report": ctx.user is not None and not mine}


# ---- the report dialog --------------------------------------------------------------


async def _describe(ctx: Ctx, target: str, target_id: Id) -> str:
    """A line that shows the reporter what they are reporting."""
    await service.subject_of(ctx, target, target_id)  # may they see it at all?
    if target == "listing":
        listing = await ctx.db.get(Listing, target_id)
        return listing.title if listing else ""
    if target == "user":
        user = await ctx.db.get(User, target_id)
        return (user.nickname if user else None) or ""
    message = await ctx.db.get(Message, target_id)
    return message.body if message else ""


def _back(target: str, target_id: Id, message: Message | None = None) -> str:
    if target == "listing":
        return f"/listings/{target_id}"
    if target == "user":
        return f"/users/{target_id}"
    return f"/chats/{message.conversation_id}" if message else "/chats"


@router.get("/reports/new")
async def report_form(
    request: Request,
    ctx: CtxDep,
    target: Annotated[Literal["listing", "user", "message"], Query()],
    id: Annotated[Id, Query()],
) -> Response:
    ctx.require_user()
    subject = await _describe(ctx, target, id)
    message = await ctx.db.get(Message, id) if target == "message" else None
    context: dict[str, Any] = {
        "target": target,
        "target_id": id,
        "subject": subject,
        "back": _back(target, id, message),
        "values": {},
        "errors": {},
    }
    return await render_page(request, ctx, "trust/moderation/report.html", context)


@router.post("/reports/new")
async def report_submit(request: Request, ctx: CtxDep) -> Response:
    ctx.require_user()
    values = await _form_values(request)
    target = values.get("target", "")
    raw_id = values.get("target_id", "")
    target_id = parse_id(raw_id) or 0
    if target not in policy.TARGET_NAMES or not target_id:
        raise NotFound(N_("신고할 대상을 찾을 수 없어요."))
    # Read what the page shows before writing: a refused report rolls back.
    subject = await _describe_safe(ctx, target, target_id)
    message = await ctx.db.get(Message, target_id) if target == "message" else None
    back = _back(target, target_id, message)
    errors: dict[str, str] = {}
    status = 422
    try:
        data = ReportIn.model_validate(values)
    except ValidationError as exc:
        for err in validation_errors(exc.errors()):
            errors.setdefault(err["field"] or "_", err["message"])
        data = None
    if data is not None:
        try:
            await service.file_report(ctx, data.target, data.target_id, data.reason, data.detail)
        except DomainError as exc:
            status = exc.status
            errors = await rejected(ctx.db, exc)
    context = {
        "target": target,
        "target_id": target_id,
        "subject": subject,
        "back": back,
        "values": values,
        "errors": errors,
        "done": not errors,
    }
    return await render_page(
        request, ctx, "trust/moderation/report.html", context, status=status if errors else 200
    )


async def _describe_safe(ctx: Ctx, target: str, target_id: Id) -> str:
    try:
        return await _describe(ctx, target, target_id)
    except DomainError:
        return ""


# ---- blocks ---------------------------------------------------------------------------


@router.post("/users/{user_id}/block")
async def block_page(request: Request, ctx: CtxDep, user_id: Id) -> Response:
    await blocks.block(ctx, user_id)
    values = await _form_values(request)
    return RedirectResponse(safe_next(values.get("next"), f"/users/{user_id}"), status_code=303)


@router.get("/settings/blocks")
async def blocks_page(request: Request, ctx: CtxDep) -> Response:
    people = await blocks.blocked_people(ctx)
    return await render_page(request, ctx, "trust/moderation/blocks.html", {"people": people})


@router.post("/settings/blocks/{user_id}/unblock")
async def unblock_page(ctx: CtxDep, user_id: Id) -> Response:
    await blocks.unblock(ctx, user_id)
    return RedirectResponse("/settings/blocks", status_code=303)


# ---- operators: the queue and the audit log ----------------------------------------------


async def _queue_page(
    request: Request,
    ctx: Ctx,
    state: str,
    errors: dict[int, dict[str, str]] | None = None,
    status: int = 200,
    done: int | None = None,
) -> Response:
    """The queue; the caller has checked the operator (a refused action rolled
    back, and the user's row with it)."""
    context = {
        "items": await queries.queue(ctx.db, state),
        "state": state,
        "open_count": await queries.open_report_count(ctx.db),
        "errors": errors or {},
        "done": done,
    }
    return await render_page(request, ctx, "trust/moderation/queue.html", context, status=status)


@router.get("/moderation")
async def queue_page(
    request: Request,
    ctx: CtxDep,
    state: Annotated[Literal["open", "resolved"], Query()] = "open",
    done: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    ctx.require_operator()
    return await _queue_page(request, ctx, state, done=done)


@router.post("/moderation/reports/{report_id}/act")
async def act_page(request: Request, ctx: CtxDep, report_id: Id) -> Response:
    ctx.require_operator()
    values = await _form_values(request)
    try:
        data = ActionIn.model_validate(values)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in validation_errors(exc.errors()):
            errors.setdefault(err["field"] or "_", err["message"])
        return await _queue_page(request, ctx, "open", {report_id: errors}, status=422)
    try:
        await service.moderate(ctx, report_id, data.action, data.policy, data.note, data.days)
    except DomainError as exc:
        status = exc.status
        errors = await rejected(ctx.db, exc)
        return await _queue_page(request, ctx, "open", {report_id: errors}, status=status)
    return RedirectResponse(f"/moderation?done={report_id}", status_code=303)


@router.get("/moderation/audit")
async def audit_page(
    request: Request, ctx: CtxDep, before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> Response:
    ctx.require_operator()
    lines = await queries.audit_log(ctx.db, before_id=before)
    older = lines[-1].entry.id if len(lines) == 50 else None
    return await render_page(
        request, ctx, "trust/moderation/audit.html", {"lines": lines, "older": older}
    )
