"""Every write about chat. Persist first: a message is stored with the next
per-conversation sequence number in the request's transaction; only after
commit does the hub ring the participants' doorbells."""

from __future__ import annotations

from dongne.chat.service.access import (
    Blocked,
    access_conversation_by_id,
    chat_channel,
    other_side,
    ring,
)
from dongne.chat.service.appointments import (
    REMINDER_BEFORE,
    cancel_appointment,
    send_reminder,
    set_appointment,
)
from dongne.chat.service.conversations import (
    post_system,
    rejoin,
    start_conversation,
)
from dongne.chat.service.participants import (
    block_in_conversation,
    leave,
    mark_read,
    set_muted,
)
from dongne.chat.service.sending import (
    CheckedSend,
    SendAccess,
    check_send,
    limit_send,
    send_message,
    store_send,
)

__all__ = [
    "REMINDER_BEFORE",
    "Blocked",
    "CheckedSend",
    "SendAccess",
    "access_conversation_by_id",
    "block_in_conversation",
    "cancel_appointment",
    "chat_channel",
    "check_send",
    "leave",
    "limit_send",
    "mark_read",
    "other_side",
    "post_system",
    "rejoin",
    "ring",
    "send_message",
    "send_reminder",
    "set_appointment",
    "set_muted",
    "start_conversation",
    "store_send",
]
