"""Reviews of a business (비즈프로필 후기) and the shop's reply to each.

One review per person per business: writing again edits it, and the author's
delete removes the row (the events keep the history, without the text). The
shop answers each review once, in the same row, and may edit its answer; who
answered is kept so staff reply under their own name, as in the inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, UTCDateTime, utcnow

MIN_BODY, MAX_BODY = 10, 500
MIN_REPLY, MAX_REPLY = 1, 500


class BusinessReview(Base):
    __tablename__ = "business_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The shop's answer (사장님 답글): one per review, editable.
    reply_body: Mapped[str | None] = mapped_column(Text)
    reply_author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("business_id", "author_id"),
        # The profile and the full list: a shop's reviews, newest first (keyset on id).
        Index("ix_business_reviews_business_created", "business_id", "created_at", "id"),
    )
