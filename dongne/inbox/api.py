"""JSON endpoints of the inbox (/api/v1): customers' inquiries, agents' inbox,
and the live streams (Server-Sent Events: a doorbell after each change; the
client then reads what changed by version or sequence, so nothing is lost
across a reconnect)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.sse import EventSourceResponse, ServerSentEvent

from dongne.accounts.models import User
from dongne.business.service import access_managed_business_by_id
from dongne.context import Ctx
from dongne.inbox import queries, reports, service
from dongne.inbox.models import Inbox, InboxConversation
from dongne.inbox.schemas import (
    AgentMessageIn,
    AssignIn,
    ChangesOut,
    ConversationDetail,
    ConversationOut,
    ConversationPage,
    CsatIn,
    InboxOut,
    LabelsIn,
    MessageIn,
    MessageOut,
    SavedReplyIn,
    SavedReplyOut,
    SettingsIn,
    SettingsOut,
    Status,
    StatusIn,
    SupportInquiryIn,
)
from dongne.kit.hub import Notice
from dongne.kit.ids import MAX_ID, MAX_SEQ, Id
from dongne.kit.sse import doorbell_stream
from dongne.web import CtxDep, authenticated_user_id, services

router = APIRouter(prefix="/api/v1", tags=["inbox"])


async def _one(
    ctx: Ctx, inbox: Inbox, c: InboxConversation, *, customer: bool = False
) -> ConversationOut:
    return (await queries.conversation_outs(ctx.db, inbox, [c], for_customer=customer))[0]


async def _inbox_of(ctx: Ctx, c: InboxConversation) -> Inbox:
    inbox = await ctx.db.get(Inbox, c.inbox_id)
    assert inbox is not None
    return inbox


# ---- customers ---------------------------------------------------------------------


@router.post("/businesses/{business_id}/inquiries", status_code=status.HTTP_201_CREATED)
async def start_business_inquiry(business_id: Id, ctx: CtxDep) -> ConversationOut:
    c = await service.start_business_inquiry(ctx, business_id)
    return await _one(ctx, await _inbox_of(ctx, c), c, customer=True)


@router.post("/support/inquiries", status_code=status.HTTP_201_CREATED)
async def start_support_inquiry(data: SupportInquiryIn, ctx: CtxDep) -> ConversationOut:
    c = await service.start_support_inquiry(ctx, data.origin)
    return await _one(ctx, await _inbox_of(ctx, c), c, customer=True)


@router.get("/me/inquiries")
async def my_inquiries(ctx: CtxDep) -> list[ConversationOut]:
    user = ctx.require_user()
    out = []
    for inbox, c in await queries.my_inquiries(ctx.db, user.id):
        out.append(await _one(ctx, inbox, c, customer=True))
    return out


@router.get("/inquiries/{conversation_id}")
async def inquiry(conversation_id: Id, ctx: CtxDep) -> ConversationOut:
    c = await service.access_inquiry_by_id(ctx, conversation_id)
    return await _one(ctx, await _inbox_of(ctx, c), c, customer=True)


@router.get("/inquiries/{conversation_id}/messages")
async def inquiry_messages(
    conversation_id: Id, ctx: CtxDep, after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0
) -> list[MessageOut]:
    c = await service.access_inquiry_by_id(ctx, conversation_id)
    rows = await queries.messages_after(ctx.db, c.id, after, for_customer=True)
    return await queries.message_outs(ctx.db, await _inbox_of(ctx, c), rows)


@router.post("/inquiries/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
async def send_inquiry_message(
    conversation_id: Id, data: MessageIn, ctx: CtxDep, response: Response
) -> MessageOut:
    message, new = await service.send_as_customer(ctx, conversation_id, data.client_id, data.body)
    if not new:
        response.status_code = status.HTTP_200_OK
    c = await service.access_inquiry_by_id(ctx, conversation_id)
    return (await queries.message_outs(ctx.db, await _inbox_of(ctx, c), [message]))[0]


@router.post("/inquiries/{conversation_id}/csat")
async def rate(conversation_id: Id, data: CsatIn, ctx: CtxDep) -> ConversationOut:
    c = await service.rate(ctx, conversation_id, data.score, data.comment)
    return await _one(ctx, await _inbox_of(ctx, c), c, customer=True)


# ---- agents --------------------------------------------------------------------------


@router.get("/inboxes")
async def inboxes(ctx: CtxDep) -> list[InboxOut]:
    user = ctx.require_user()
    if user.is_operator:
        await service.support_inbox(ctx)
    return [
        InboxOut(id=i.id, name=name, business_id=i.business_id, version=i.version)
        for i, name in await queries.my_inboxes(ctx.db, user)
    ]


@router.get("/businesses/{business_id}/inbox")
async def business_inbox(business_id: Id, ctx: CtxDep) -> InboxOut:
    """The business's inbox (created on first use), for its owner and staff."""
    business, _role = await access_managed_business_by_id(ctx, business_id, owner_only=False)
    inbox = await service.business_inbox(ctx, business.id)
    return InboxOut(id=inbox.id, name=business.name, business_id=business.id, version=inbox.version)


@router.get("/inboxes/{inbox_id}/conversations")
async def conversations(
    inbox_id: Id,
    ctx: CtxDep,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    assignee: Annotated[str | None, Query(pattern=r"^(me|none|\d{1,18})$")] = None,
    label: Annotated[str | None, Query(max_length=24)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = queries.PAGE_SIZE,
) -> ConversationPage:
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    await service.wake_snoozed(ctx, inbox.id)
    who: int | None = None
    if assignee == "me":
        who = ctx.require_user().id
    elif assignee and assignee != "none":
        who = int(assignee)
    return await queries.conversation_page(
        ctx.db,
        inbox,
        status=status_,
        assignee=who,
        unassigned=assignee == "none",
        label=label,
        cursor=cursor,
        limit=limit,
    )


@router.get("/inboxes/{inbox_id}/changes")
async def changes(
    inbox_id: Id, ctx: CtxDep, after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0
) -> ChangesOut:
    """Conversations changed since version ``after``, oldest change first."""
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    rows = await queries.changes_after(ctx.db, inbox, after)
    version = rows[-1].version if rows else max(after, 0)
    return ChangesOut(version=version, items=await queries.conversation_outs(ctx.db, inbox, rows))


@router.get("/inboxes/{inbox_id}/conversations/{conversation_id}")
async def conversation(inbox_id: Id, conversation_id: Id, ctx: CtxDep) -> ConversationDetail:
    inbox, c = await service.access_agent_conversation_by_id(ctx, inbox_id, conversation_id)
    messages = await queries.messages_after(ctx.db, c.id, 0, for_customer=False)
    history = await queries.customer_history(ctx.db, inbox, c.customer_id, exclude=c.id)
    return ConversationDetail(
        conversation=await _one(ctx, inbox, c),
        messages=await queries.message_outs(ctx.db, inbox, messages),
        history=await queries.conversation_outs(ctx.db, inbox, history),
        agents=await queries.agents(ctx.db, inbox, await service.agent_ids(ctx, inbox)),
        saved_replies=await queries.saved_replies(ctx.db, inbox.id),
        context=await queries.user_context(ctx.db, c.customer_id)
        if inbox.business_id is None
        else None,
    )


@router.get("/inboxes/{inbox_id}/conversations/{conversation_id}/messages")
async def agent_messages(
    inbox_id: Id,
    conversation_id: Id,
    ctx: CtxDep,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
) -> list[MessageOut]:
    inbox, c = await service.access_agent_conversation_by_id(ctx, inbox_id, conversation_id)
    rows = await queries.messages_after(ctx.db, c.id, after, for_customer=False)
    return await queries.message_outs(ctx.db, inbox, rows)


@router.post(
    "/inboxes/{inbox_id}/conversations/{conversation_id}/messages",
    status_code=status.HTTP_201_CREATED,
)
async def send_agent_message(
    inbox_id: Id, conversation_id: Id, data: AgentMessageIn, ctx: CtxDep, response: Response
) -> MessageOut:
    message, new = await service.send_as_agent(
        ctx,
        inbox_id,
        conversation_id,
        data.client_id,
        data.body,
        note=data.note,
        saved_reply_id=data.saved_reply_id,
    )
    if not new:
        response.status_code = status.HTTP_200_OK
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    return (await queries.message_outs(ctx.db, inbox, [message]))[0]


@router.post("/inboxes/{inbox_id}/conversations/{conversation_id}/assign")
async def assign(inbox_id: Id, conversation_id: Id, data: AssignIn, ctx: CtxDep) -> ConversationOut:
    c = await service.assign(ctx, inbox_id, conversation_id, data.assignee_id)
    return await _one(ctx, await _inbox_of(ctx, c), c)


@router.post("/inboxes/{inbox_id}/conversations/{conversation_id}/status")
async def set_status(
    inbox_id: Id, conversation_id: Id, data: StatusIn, ctx: CtxDep
) -> ConversationOut:
    c = await service.set_status(ctx, inbox_id, conversation_id, data.status, data.snoozed_until)
    return await _one(ctx, await _inbox_of(ctx, c), c)


@router.put("/inboxes/{inbox_id}/conversations/{conversation_id}/labels")
async def set_labels(
    inbox_id: Id, conversation_id: Id, data: LabelsIn, ctx: CtxDep
) -> ConversationOut:
    c = await service.set_labels(ctx, inbox_id, conversation_id, data.labels)
    return await _one(ctx, await _inbox_of(ctx, c), c)


@router.get("/inboxes/{inbox_id}/saved-replies")
async def saved_replies(inbox_id: Id, ctx: CtxDep) -> list[SavedReplyOut]:
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    return await queries.saved_replies(ctx.db, inbox.id)


@router.post("/inboxes/{inbox_id}/saved-replies", status_code=status.HTTP_201_CREATED)
async def create_saved_reply(inbox_id: Id, data: SavedReplyIn, ctx: CtxDep) -> SavedReplyOut:
    r = await service.create_saved_reply(ctx, inbox_id, data.shortcut, data.body)
    return SavedReplyOut(id=r.id, shortcut=r.shortcut, body=r.body)


@router.delete(
    "/inboxes/{inbox_id}/saved-replies/{reply_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_saved_reply(inbox_id: Id, reply_id: Id, ctx: CtxDep) -> Response:
    await service.delete_saved_reply(ctx, inbox_id, reply_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def settings_out(ctx: Ctx, inbox: Inbox) -> SettingsOut:
    return SettingsOut(
        id=inbox.id,
        business_id=inbox.business_id,
        name=await queries.inbox_name(ctx.db, inbox),
        away_message=inbox.away_message,
        greeting=inbox.greeting,
        csat_enabled=inbox.csat_enabled,
        csat_question=inbox.csat_question,
        agent_limit=inbox.agent_limit,
        auto_assign=inbox.auto_assign,
    )


@router.get("/inboxes/{inbox_id}/settings")
async def get_settings(inbox_id: Id, ctx: CtxDep) -> SettingsOut:
    return await settings_out(ctx, await service.access_inbox_by_id(ctx, inbox_id))


@router.put("/inboxes/{inbox_id}/settings")
async def put_settings(inbox_id: Id, data: SettingsIn, ctx: CtxDep) -> SettingsOut:
    inbox = await service.update_settings(ctx, inbox_id, **data.model_dump())
    return await settings_out(ctx, inbox)


@router.get("/inboxes/{inbox_id}/report")
async def report(
    inbox_id: Id,
    ctx: CtxDep,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    business_hours: bool = False,
) -> dict[str, object]:
    inbox = await service.access_inbox_by_id(ctx, inbox_id)
    r = await reports.build_report(
        ctx.db,
        inbox.id,
        await service.schedule_for(ctx, inbox),
        days=days,
        business_hours=business_hours,
    )
    return {
        "days": r.days,
        "business_hours": r.business_hours,
        "overall": r.overall,
        "agents": r.agents,
        "by_hour": r.by_hour,
        "by_weekday": r.by_weekday,
    }


@router.get("/inboxes/{inbox_id}/report.csv")
async def report_csv(
    inbox_id: Id,
    ctx: CtxDep,
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
    return Response(
        reports.report_csv(r),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="inbox-{inbox.id}-report.csv"'},
    )


# ---- live ------------------------------------------------------------------------------


StreamUser = Annotated[int, Depends(authenticated_user_id)]


async def _agent_inbox_version(inbox_id: Id, request: Request, user_id: StreamUser) -> int:
    """The inbox's version, for one of its agents; 401/404 otherwise. A dependency,
    so the refusal is the response rather than an error inside a started stream."""
    svc = services(request)
    async with svc.db.sessions() as db:
        probe = Ctx(svc=svc, db=db, user=await db.get(User, user_id))
        inbox = await service.access_inbox_by_id(probe, inbox_id)
        return inbox.version


@router.get("/inboxes/{inbox_id}/stream", response_class=EventSourceResponse)
async def inbox_stream(
    inbox_id: Id,
    request: Request,
    version: Annotated[int, Depends(_agent_inbox_version)],
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_ID)] = None,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """An agent's live inbox. Each event is one changed conversation; its id is
    the inbox version, so after a reconnect (``Last-Event-ID``) every change
    missed meanwhile arrives, in order."""
    svc = services(request)
    cursor = last_event_id if last_event_id is not None else after
    if cursor is None:
        cursor = version

    async def pending(_notice: Notice | None) -> list[ServerSentEvent]:
        nonlocal cursor
        async with svc.db.sessions() as db:
            box = await db.get(Inbox, inbox_id)
            assert box is not None
            rows = await queries.changes_after(db, box, cursor or 0)
            outs = await queries.conversation_outs(db, box, rows)
        events = []
        for out in outs:
            cursor = out.version
            events.append(
                ServerSentEvent(
                    id=str(out.version), event="conversation", data=out.model_dump(mode="json")
                )
            )
        return events

    async for event in doorbell_stream(
        request, svc.hub, service.agents_channel(inbox_id), pending, lambda: {"after": cursor}, 2000
    ):
        yield event


@router.get("/me/inquiries/stream", response_class=EventSourceResponse)
async def customer_stream(request: Request, user_id: StreamUser) -> AsyncIterator[ServerSentEvent]:
    """The customer's doorbell: a conversation of theirs changed; the page
    then reads messages after the last sequence it has."""
    svc = services(request)

    async def pending(notice: Notice | None) -> list[ServerSentEvent]:
        return [] if notice is None else [ServerSentEvent(event="change", data=notice)]

    async for event in doorbell_stream(
        request, svc.hub, service.customer_channel(user_id), pending, dict, 2000
    ):
        yield event
