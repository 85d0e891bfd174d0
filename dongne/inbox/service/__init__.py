"""Every write about the inbox. Persist first: a message takes the next
per-conversation sequence number and the conversation the inbox's next version
in the request's transaction; only after commit does the hub ring the agents'
and the customer's doorbells (clients then read what changed from the database).

Writes to one inbox are serialised on its row (the version bump comes first),
which also makes round-robin assignment and client-id retries race-free.
"""

from __future__ import annotations

from dongne.inbox.service.access import (
    NOT_FOUND,
    SUPPORT_SCHEDULE,
    access_agent_conversation_by_id,
    access_inbox_by_id,
    access_inquiry_by_id,
    agent_ids,
    agents_channel,
    business_inbox,
    customer_channel,
    is_agent,
    local_clock,
    schedule_for,
    seoul_day_start,
    support_inbox,
)
from dongne.inbox.service.assignment import (
    assign,
    next_agent,
    open_counts,
)
from dongne.inbox.service.sending import (
    saved_reply_for,
    send_as_agent,
    send_as_customer,
    start_business_inquiry,
    start_support_inquiry,
)
from dongne.inbox.service.settings import (
    SHORTCUT,
    create_saved_reply,
    delete_saved_reply,
    update_settings,
)
from dongne.inbox.service.status import (
    LABEL,
    rate,
    set_labels,
    set_status,
    wake_snoozed,
)

__all__ = [
    "LABEL",
    "NOT_FOUND",
    "SHORTCUT",
    "SUPPORT_SCHEDULE",
    "access_agent_conversation_by_id",
    "access_inbox_by_id",
    "access_inquiry_by_id",
    "agent_ids",
    "agents_channel",
    "assign",
    "business_inbox",
    "create_saved_reply",
    "customer_channel",
    "delete_saved_reply",
    "is_agent",
    "local_clock",
    "next_agent",
    "open_counts",
    "rate",
    "saved_reply_for",
    "schedule_for",
    "send_as_agent",
    "send_as_customer",
    "seoul_day_start",
    "set_labels",
    "set_status",
    "start_business_inquiry",
    "start_support_inquiry",
    "support_inbox",
    "update_settings",
    "wake_snoozed",
]
