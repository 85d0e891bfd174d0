"""What the reporting and moderation endpoints accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dongne.kit.ids import Id


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Literal["listing", "user", "message"]
    target_id: Id
    reason: str = Field(max_length=16)
    detail: str = Field(default="", max_length=2000)


class ReportOut(BaseModel):
    id: int
    target: str
    target_id: int
    reason: str
    status: str
    created_at: datetime


class ReasonOut(BaseModel):
    code: str
    label: str


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["dismiss", "hide_listing", "warn", "suspend", "ban"]
    policy: str = Field(max_length=16)
    note: str = Field(default="", max_length=4000)
    days: int | None = Field(default=None, ge=1, le=365)


class QueueItemOut(BaseModel):
    id: int
    target: str
    target_id: int
    reason: str
    detail: str
    status: str
    reporter: str
    subject_id: int
    subject: str
    same_target: int
    created_at: datetime
    context: list[dict[str, Any]]


class AuditOut(BaseModel):
    id: int
    operator_id: int
    operator: str
    action: str
    report_id: int | None
    subject_id: int | None
    subject: str | None
    listing_id: int | None
    policy: str
    days: int | None
    note: str
    created_at: datetime


class BlockedOut(BaseModel):
    user_id: int
    nickname: str
    created_at: datetime
