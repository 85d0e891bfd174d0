"""An inbox's saved replies and settings (greeting, away message, CSAT
question, assignment limit)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from dongne.business.models import BusinessMember
from dongne.context import Ctx
from dongne.inbox.models import (
    Inbox,
    SavedReply,
)
from dongne.inbox.service.access import (
    access_inbox_by_id,
)
from dongne.inbox.service.sending import _clean_body
from dongne.kit.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from dongne.kit.i18n import N_

SHORTCUT = re.compile(r"^[0-9a-z가-힣_-]{1,24}$")
# ---- saved replies and settings ------------------------------------------------------


async def create_saved_reply(ctx: Ctx, inbox_id: int, shortcut: str, body: str) -> SavedReply:
    inbox = await access_inbox_by_id(ctx, inbox_id)
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise InvalidInput(
            N_("단축어는 24자 이하의 글자, 숫자, -, _ 로 만들어 주세요."), field="shortcut"
        )
    body = _clean_body(body)
    exists = await ctx.db.scalar(
        select(SavedReply.id).where(
            SavedReply.inbox_id == inbox.id, SavedReply.shortcut == shortcut
        )
    )
    if exists is not None:
        raise Conflict(N_("이미 있는 단축어예요."), field="shortcut")
    reply = SavedReply(
        inbox_id=inbox.id, shortcut=shortcut, body=body, created_by=ctx.require_user().id
    )
    ctx.db.add(reply)
    await ctx.db.flush()
    ctx.record("inbox_saved_reply_created", inbox_id=inbox.id, saved_reply_id=reply.id)
    return reply


async def delete_saved_reply(ctx: Ctx, inbox_id: int, reply_id: int) -> None:
    inbox = await access_inbox_by_id(ctx, inbox_id)
    reply = await ctx.db.get(SavedReply, reply_id)
    if reply is None or reply.inbox_id != inbox.id:
        raise NotFound(N_("저장된 답변을 찾을 수 없어요."))
    await ctx.db.delete(reply)
    ctx.record("inbox_saved_reply_deleted", inbox_id=inbox.id, saved_reply_id=reply_id)


async def update_settings(ctx: Ctx, inbox_id: int, **values: Any) -> Inbox:
    """Away message, greeting, the CSAT question (or none), the per-agent limit."""
    inbox = await access_inbox_by_id(ctx, inbox_id)
    user = ctx.require_user()
    if inbox.business_id is not None:
        role = await ctx.db.scalar(
            select(BusinessMember.role).where(
                BusinessMember.business_id == inbox.business_id, BusinessMember.user_id == user.id
            )
        )
        if role != "owner":
            raise PermissionDenied(N_("가게 대표만 할 수 있어요."))
    for name, value in values.items():
        setattr(inbox, name, value)
    await ctx.db.flush()
    ctx.record("inbox_settings_changed", inbox_id=inbox.id, fields=sorted(values))
    return inbox
