"""약속 잡기: an appointment pinned in the conversation, and its reminder an hour
before (a persistent scheduled job)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dongne import events
from dongne.chat.models import (
    Appointment,
    Conversation,
)
from dongne.chat.service.access import (
    access_conversation_by_id,
)
from dongne.chat.service.conversations import (
    post_system,
)
from dongne.context import Ctx
from dongne.db import utcnow
from dongne.kit.errors import (
    InvalidInput,
)
from dongne.kit.hub import Hub
from dongne.kit.i18n import N_
from dongne.listings.service import reserve as reserve_listing
from dongne.notifications.service import notify
from dongne.scheduler import cancel, schedule

REMINDER_BEFORE = timedelta(hours=1)


# ---- appointments --------------------------------------------------------------


async def set_appointment(
    ctx: Ctx, conversation_id: int, meet_at: datetime, place: str, reserve: bool
) -> Appointment:
    """약속 잡기: pinned in the room; reminders to both an hour before (a
    persistent job); optionally marks the listing 예약중 for this buyer."""
    user = ctx.require_user()
    conversation, me = await access_conversation_by_id(ctx, conversation_id)
    place = " ".join(place.split())
    if not 1 <= len(place) <= 100:
        raise InvalidInput(N_("약속 장소를 1~100자로 입력해 주세요."), field="place")
    if meet_at <= utcnow():
        raise InvalidInput(N_("약속 시간은 지금 이후로 정해 주세요."), field="meet_at")
    appointment = await ctx.db.get(Appointment, conversation.id)
    changed = appointment is not None
    if appointment is None:
        appointment = Appointment(
            conversation_id=conversation.id, meet_at=meet_at, place=place, set_by=user.id
        )
        ctx.db.add(appointment)
    else:
        appointment.meet_at, appointment.place = meet_at, place
        appointment.set_by, appointment.updated_at = user.id, utcnow()
    await ctx.db.flush()
    await schedule(
        ctx.db,
        "appointment_reminder",
        f"appointment:{conversation.id}",
        meet_at - REMINDER_BEFORE,
        conversation_id=conversation.id,
        meet_at=meet_at.isoformat(),
    )
    ctx.record(
        "appointment_changed" if changed else "appointment_set",
        conversation_id=conversation.id,
        listing_id=conversation.listing_id,
        role=me.role,
    )
    await post_system(
        ctx,
        conversation,
        "appointment_changed" if changed else "appointment_set",
        meet_at=meet_at.isoformat(),
        place=place,
    )
    if (
        reserve
        and user.id == conversation.seller_id
        and await reserve_listing(ctx, conversation.listing_id, conversation.buyer_id)
    ):
        await post_system(ctx, conversation, "reserved")
    return appointment


async def cancel_appointment(ctx: Ctx, conversation_id: int) -> None:
    conversation, _me = await access_conversation_by_id(ctx, conversation_id)
    appointment = await ctx.db.get(Appointment, conversation.id)
    if appointment is None:
        return
    await ctx.db.delete(appointment)
    await cancel(ctx.db, f"appointment:{conversation.id}")
    ctx.record("appointment_cancelled", conversation_id=conversation.id)
    await post_system(ctx, conversation, "appointment_cancelled")


async def send_reminder(db: Any, hub: Hub, payload: dict[str, Any]) -> None:
    """The scheduled job: remind both sides, unless the appointment moved."""
    conversation = await db.get(Conversation, payload["conversation_id"])
    appointment = await db.get(Appointment, payload["conversation_id"])
    if conversation is None or appointment is None:
        return
    if appointment.meet_at.isoformat() != payload["meet_at"]:
        return  # changed since; the new time has its own job
    for uid in (conversation.buyer_id, conversation.seller_id):
        await notify(
            db,
            hub,
            uid,
            "appointment_reminder",
            conversation_id=conversation.id,
            meet_at=payload["meet_at"],
            place=appointment.place,
        )
    events.record(db, "appointment_reminder_sent", conversation_id=conversation.id)
