"""HTML pages of the inbox: the agent's inbox (list, conversation with notes
and saved replies, assignment, status, labels), its settings and report; the
customer's inquiry (with the CSAT question); 문의하기 and 1:1 문의.

Forms post to these routes and work without JavaScript; static/js/inbox.js
adds the live updates (a Server-Sent Events doorbell, then a read by version or
sequence) and sends without reloading."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from dongne.business.hours import SEOUL
from dongne.business.service import access_business_by_id, member_role
from dongne.context import Ctx
from dongne.inbox import queries, reports, service
from dongne.inbox.models import STATUSES, Inbox, InboxConversation
from dongne.inbox.schemas import SettingsIn
from dongne.kit.errors import InvalidInput
from dongne.kit.forms import parse_form, refusal, safe_next
from dongne.kit.i18n import N_, gettext
from dongne.kit.ids import Id, parse_id
from dongne.kit.templating import render, render_page
from dongne.web import CtxDep

router = APIRouter(include_in_schema=False)
WEEKDAYS = [N_("월"), N_("화"), N_("수"), N_("목"), N_("금"), N_("토"), N_("일")]


def duration(seconds: float | int | None) -> str:
    """A wait as people say it: 45초, 12분, 3시간 5분, 2일."""
    if seconds is None:
        return "–"
    s = int(seconds)
    if s < 60:
        return gettext("%(n)s초", n=s)
    if s < 3600:
        return gettext("%(n)s분", n=s // 60)
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return gettext("%(h)s시간 %(m)s분", h=h, m=m) if m else gettext("%(h)s시간", h=h)
    return gettext("%(n)s일", n=s // 86400)


def response_hint(seconds: int | None) -> str:
    """The profile's "보통 10분 이내 응답", rounded up to a friendly bound."""
    if seconds is None:
        return ""
    for bound, text in (
        (600, N_("보통 10분 이내 응답")),
        (1800, N_("보통 30분 이내 응답")),
        (3600, N_("보통 1시간 이내 응답")),
        (86400, N_("보통 하루 이내 응답")),
    ):
        if seconds <= bound:
            return gettext(text)
    return gettext("응답까지 하루 이상 걸려요")


def _status_names() -> dict[str, str]:
    return {k: gettext(v) for k, v in STATUSES.items()}


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---- the entry points: 문의하기 and 1:1 문의 ------------------------------------------


@router.get("/businesses/{business_id}/inquire-button")
async def inquire_button(request: Request, ctx: CtxDep, business_id: Id) -> HTMLResponse:
    """The profile's 문의하기 (loaded by htmx into the business engineer's page)."""
    business = await access_business_by_id(ctx, business_id)
    viewer = ctx.user
    is_team = viewer is not None and await member_role(ctx.db, business.id, viewer.id) is not None
    hint = response_hint(await queries.typical_first_response(ctx.db, business.id))
    return render(
        request,
        "inbox/_inquire.html",
        {"business_id": business.id, "is_team": is_team, "hint": hint},
    )


@router.post("/businesses/{business_id}/inquire")
async def inquire(ctx: CtxDep, business_id: Id) -> Response:
    if ctx.user is None:
        return _back(f"/login?next=/businesses/{business_id}")
    conversation = await service.start_business_inquiry(ctx, business_id)
    return _back(f"/inquiries/{conversation.id}")


@router.get("/support/inquiry")
async def support_page(
    request: Request, ctx: CtxDep, origin: Annotated[str, Query(alias="from", max_length=200)] = ""
) -> Response:
    if ctx.user is None:
        return _back("/login?next=/support/inquiry")
    return await render_page(request, ctx, "inbox/support.html", {"origin": safe_next(origin, "")})


@router.post("/support/inquiry")
async def support_start(ctx: CtxDep, origin: Annotated[str, Form(max_length=200)] = "") -> Response:
    conversation = await service.start_support_inquiry(ctx, safe_next(origin, ""))
    return _back(f"/inquiries/{conversation.id}")


# ---- the customer's side ---------------------------------------------------------------


async def _customer_context(ctx: Ctx, conversation: InboxConversation) -> dict[str, Any]:
    inbox = await ctx.db.get(Inbox, conversation.inbox_id)
    assert inbox is not None
    rows = await queries.messages_after(ctx.db, conversation.id, 0, for_customer=True)
    return {
        "c": (await queries.conversation_outs(ctx.db, inbox, [conversation], for_customer=True))[0],
        "messages": await queries.message_outs(ctx.db, inbox, rows),
        "client_id": uuid.uuid4().hex,
        "status_names": _status_names(),
    }


@router.get("/inquiries")
async def my_inquiries(request: Request, ctx: CtxDep) -> Response:
    user = ctx.require_user()
    items = []
    for inbox, c in await queries.my_inquiries(ctx.db, user.id):
        items += await queries.conversation_outs(ctx.db, inbox, [c], for_customer=True)
    inboxes = await queries.my_inboxes(ctx.db, user)
    return await render_page(
        request,
        ctx,
        "inbox/mine.html",
        {"items": items, "inboxes": inboxes, "status_names": _status_names()},
    )


@router.get("/inquiries/{conversation_id}")
async def inquiry_page(request: Request, ctx: CtxDep, conversation_id: Id) -> Response:
    conversation = await service.access_inquiry_by_id(ctx, conversation_id)
    context = await _customer_context(ctx, conversation)
    return await render_page(request, ctx, "inbox/inquiry.html", context)


@router.post("/inquiries/{conversation_id}/send")
async def inquiry_send(
    ctx: CtxDep,
    conversation_id: Id,
    body: Annotated[str, Form(max_length=4000)] = "",
    client_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    await service.send_as_customer(ctx, conversation_id, client_id, body)
    return _back(f"/inquiries/{conversation_id}")


@router.post("/inquiries/{conversation_id}/csat")
async def inquiry_rate(
    ctx: CtxDep,
    conversation_id: Id,
    score: Annotated[int, Form(ge=1, le=5)],
    comment: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    await service.rate(ctx, conversation_id, score, comment)
    return _back(f"/inquiries/{conversation_id}")


# ---- the agents' side --------------------------------------------------------------------


@router.get("/inbox")
async def inboxes_page(request: Request, ctx: CtxDep) -> Response:
    return await my_inquiries(request, ctx)


@router.get("/inbox/{inbox_id}")
async def inbox_page(
    request: Request,
    ctx: CtxDep,
    inbox_id: Id,
    status: Annotated[str, Query(max_length=10)] = "open",
    assignee: Annotated[str, Query(pattern=r"^(|me|none|\d{1,18})$")] = "",
    label: Annotated[str, Query(max_length=24)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    if status not in STATUSES and status != "all":
        raise InvalidInput(N_("허용되지 않는 값입니다."), field="status")
    await service.wake_snoozed(ctx, inbox.id)
    me = ctx.require_user().id
    who = me if assignee == "me" else (int(assignee) if assignee.isdigit() else None)
    page = await queries.conversation_page(
        ctx.db,
        inbox,
        status=None if status == "all" else status,
        assignee=who,
        unassigned=assignee == "none",
        label=label or None,
        cursor=cursor,
    )
    return await render_page(
        request,
        ctx,
        "inbox/inbox.html",
        {
            "inbox": inbox,
            "name": await queries.inbox_name(ctx.db, inbox),
            "page": page,
            "status": status,
            "assignee": assignee,
            "label": label,
            "status_names": _status_names(),
        },
    )


@router.get("/inbox/{inbox_id}/c/{conversation_id}")
async def conversation_page(
    request: Request, ctx: CtxDep, inbox_id: Id, conversation_id: Id
) -> Response:
    inbox, c = await service.access_agent_conversation_by_id(ctx, inbox_id, conversation_id)
    rows = await queries.messages_after(ctx.db, c.id, 0, for_customer=False)
    history = await queries.customer_history(ctx.db, inbox, c.customer_id, exclude=c.id)
    return await render_page(
        request,
        ctx,
        "inbox/conversation.html",
        {
            "inbox": inbox,
            "name": await queries.inbox_name(ctx.db, inbox),
            "c": (await queries.conversation_outs(ctx.db, inbox, [c]))[0],
            "messages": await queries.message_outs(ctx.db, inbox, rows),
            "history": await queries.conversation_outs(ctx.db, inbox, history),
            "agents": await queries.agents(ctx.db, inbox, await service.agent_ids(ctx, inbox)),
            "saved": await queries.saved_replies(ctx.db, inbox.id),
            "context": (
                await queries.user_context(ctx.db, c.customer_id)
                if inbox.business_id is None
                else None
            ),
            "client_id": uuid.uuid4().hex,
            "status_names": _status_names(),
        },
    )


@router.post("/inbox/{inbox_id}/c/{conversation_id}/send")
async def agent_send(
    ctx: CtxDep,
    inbox_id: Id,
    conversation_id: Id,
    body: Annotated[str, Form(max_length=4000)] = "",
    client_id: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    await service.send_as_agent(ctx, inbox_id, conversation_id, client_id, body, note=bool(note))
    return _back(f"/inbox/{inbox_id}/c/{conversation_id}")


@router.post("/inbox/{inbox_id}/c/{conversation_id}/assign")
async def agent_assign(
    ctx: CtxDep,
    inbox_id: Id,
    conversation_id: Id,
    assignee_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    who = parse_id(assignee_id)
    await service.assign(ctx, inbox_id, conversation_id, who)
    return _back(f"/inbox/{inbox_id}/c/{conversation_id}")


@router.post("/inbox/{inbox_id}/c/{conversation_id}/status")
async def agent_status(
    ctx: CtxDep,
    inbox_id: Id,
    conversation_id: Id,
    status: Annotated[str, Form(max_length=10)],
    snooze_hours: Annotated[int, Form(ge=1, le=24 * 90)] = 24,
) -> Response:
    until = datetime.now(UTC) + timedelta(hours=snooze_hours) if status == "snoozed" else None
    await service.set_status(ctx, inbox_id, conversation_id, status, until)
    return _back(f"/inbox/{inbox_id}/c/{conversation_id}")


@router.post("/inbox/{inbox_id}/c/{conversation_id}/labels")
async def agent_labels(
    ctx: CtxDep,
    inbox_id: Id,
    conversation_id: Id,
    labels: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    await service.set_labels(ctx, inbox_id, conversation_id, labels.split(","))
    return _back(f"/inbox/{inbox_id}/c/{conversation_id}")


# ---- settings and saved replies ---------------------------------------------------------------


async def _settings_context(ctx: Ctx, inbox: Inbox) -> dict[str, Any]:
    return {
        "inbox": inbox,
        "name": await queries.inbox_name(ctx.db, inbox),
        "saved": await queries.saved_replies(ctx.db, inbox.id),
        "errors": {},
        "values": {},
    }


async def _reloaded(ctx: Ctx, inbox_id: Id) -> Inbox:
    """The inbox again after a rolled-back form (the rollback expired it)."""
    inbox = await ctx.db.get(Inbox, inbox_id, populate_existing=True)
    assert inbox is not None
    return inbox


@router.get("/inbox/{inbox_id}/settings")
async def settings_page(request: Request, ctx: CtxDep, inbox_id: Id) -> Response:
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    return await render_page(
        request, ctx, "inbox/settings.html", await _settings_context(ctx, inbox)
    )


@router.post("/inbox/{inbox_id}/settings")
async def settings_save(request: Request, ctx: CtxDep, inbox_id: Id) -> Response:
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    data, errors, _values = await parse_form(request, SettingsIn)
    # Checkboxes send nothing when unticked.
    if data is not None:
        data.csat_enabled = values.get("csat_enabled") == "1"
        data.auto_assign = values.get("auto_assign") == "1"
        async with refusal(ctx) as refused:
            await service.update_settings(ctx, inbox.id, **data.model_dump())
            return _back(f"/inbox/{inbox_id}/settings?saved=1")
        errors = refused.errors
        inbox = await _reloaded(ctx, inbox_id)
    context = await _settings_context(ctx, inbox)
    context["errors"] = errors
    return await render_page(request, ctx, "inbox/settings.html", context, status=422)


@router.post("/inbox/{inbox_id}/saved-replies")
async def saved_reply_create(
    request: Request,
    ctx: CtxDep,
    inbox_id: Id,
    shortcut: Annotated[str, Form(max_length=25)] = "",
    body: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    # Access first: the refused form below shows the inbox's settings and replies.
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    async with refusal(ctx) as refused:
        await service.create_saved_reply(ctx, inbox.id, shortcut, body)
    if refused:
        context = await _settings_context(ctx, await _reloaded(ctx, inbox_id))
        context["errors"] = refused.errors
        context["values"] = {"shortcut": shortcut, "body": body}
        return await render_page(request, ctx, "inbox/settings.html", context, status=422)
    return _back(f"/inbox/{inbox_id}/settings")


@router.post("/inbox/{inbox_id}/saved-replies/{reply_id}/delete")
async def saved_reply_delete(ctx: CtxDep, inbox_id: Id, reply_id: Id) -> Response:
    await service.delete_saved_reply(ctx, inbox_id, reply_id)
    return _back(f"/inbox/{inbox_id}/settings")


# ---- the report ---------------------------------------------------------------------------------


@router.get("/inbox/{inbox_id}/report")
async def report_page(
    request: Request,
    ctx: CtxDep,
    inbox_id: Id,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    business_hours: bool = False,
) -> Response:
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    r = await reports.build_report(
        ctx.db,
        inbox.id,
        await service.schedule_for(ctx, inbox),
        days=days,
        business_hours=business_hours,
    )
    weekdays = [gettext(w) for w in WEEKDAYS]
    return await render_page(
        request,
        ctx,
        "inbox/report.html",
        {
            "inbox": inbox,
            "name": await queries.inbox_name(ctx.db, inbox),
            "r": r,
            "duration": duration,
            "hour_chart": reports.bar_chart(r.by_hour, [str(h) for h in range(24)]),
            "weekday_chart": reports.bar_chart(r.by_weekday, weekdays),
            "csat_chart": reports.bar_chart(
                list(r.overall["csat_distribution"] or [0] * 5),  # type: ignore[arg-type]
                [str(s) for s in range(1, 6)],
            ),
            "now": datetime.now(SEOUL),
        },
    )
