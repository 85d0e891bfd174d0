"""What chat endpoints accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dongne.kit.ids import MAX_SEQ, Id


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1, max_length=64)
    body: str = Field(default="", max_length=4000)
    photo_id: Id | None = None


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=0, le=MAX_SEQ)


class MuteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    muted: bool


class AppointmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    meet_at: datetime
    place: str = Field(max_length=300)
    reserve: bool = False


class MessageOut(BaseModel):
    id: int
    conversation_id: int
    seq: int
    sender_id: int | None
    client_id: str | None
    kind: str
    body: str
    photo_url: str | None
    photo_thumb_url: str | None
    data: dict[str, Any]
    created_at: datetime


class PersonOut(BaseModel):
    id: int
    nickname: str
    neighbourhood: str | None
    manner_temperature: float


class AppointmentOut(BaseModel):
    meet_at: datetime
    place: str
    set_by: int


class ConversationOut(BaseModel):
    id: int
    listing_id: int
    listing_title: str
    listing_thumb_url: str | None
    listing_status: str
    listing_price: int
    listing_is_free: bool
    role: str
    other: PersonOut
    last_seq: int
    last_read_seq: int
    other_read_seq: int
    unread: int
    last_message: MessageOut | None
    last_message_at: datetime
    muted: bool
    left: bool
    other_left: bool  # the other side left: no more messages can be sent
    blocked: bool
    appointment: AppointmentOut | None


class SendResult(BaseModel):
    message: MessageOut
    created: bool
