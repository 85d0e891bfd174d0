"""JSON in and out of the inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dongne.kit.ids import Id

Status = Literal["open", "pending", "resolved", "snoozed"]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1, max_length=64)
    body: str = Field(default="", max_length=4000)


class AgentMessageIn(MessageIn):
    note: bool = False
    saved_reply_id: Id | None = None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee_id: Id | None


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status
    snoozed_until: datetime | None = None


class LabelsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    labels: list[str] = Field(max_length=20)


class CsatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)


class SavedReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shortcut: str = Field(min_length=1, max_length=25)
    body: str = Field(min_length=1, max_length=1000)


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    away_message: str = Field(default="", max_length=500)
    greeting: str = Field(default="", max_length=500)
    csat_enabled: bool = True
    csat_question: str = Field(default="", max_length=100)
    agent_limit: int = Field(default=20, ge=1, le=500)
    auto_assign: bool = True


class SupportInquiryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    origin: str = Field(default="", max_length=200)


class SettingsOut(SettingsIn):
    id: int
    business_id: int | None
    name: str


class MessageOut(BaseModel):
    id: int
    seq: int
    kind: str
    sender_id: int | None
    sender_name: str | None
    client_id: str | None
    body: str
    text: str  # what to show: the body, or the rendered automatic / system line
    data: dict[str, Any]
    created_at: datetime


class ConversationOut(BaseModel):
    id: int
    inbox_id: int
    inbox_name: str
    customer_id: int
    customer_name: str
    status: str
    snoozed_until: datetime | None
    assignee_id: int | None
    assignee_name: str | None
    labels: list[str]
    last_seq: int
    version: int
    created_at: datetime
    last_message_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    preview: str
    csat_requested: bool
    csat_score: int | None
    csat_comment: str


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class ChangesOut(BaseModel):
    version: int  # the newest version included: ask for changes after it next
    items: list[ConversationOut]


class SavedReplyOut(BaseModel):
    id: int
    shortcut: str
    body: str


class AgentOut(BaseModel):
    id: int
    nickname: str
    open_count: int


class InboxOut(BaseModel):
    id: int
    name: str
    business_id: int | None
    version: int


class UserContext(BaseModel):
    neighbourhoods: list[str]
    recent_listings: list[dict[str, Any]]
    reports_filed: int
    reports_received: int
    sanctions: list[dict[str, Any]]
    joined_at: datetime


class ConversationDetail(BaseModel):
    conversation: ConversationOut
    messages: list[MessageOut]
    history: list[ConversationOut]
    agents: list[AgentOut]
    saved_replies: list[SavedReplyOut]
    context: UserContext | None
