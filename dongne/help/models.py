"""The help centre (고객센터): FAQ articles written by operators, and their
search terms (the same Korean search as listings, listings/text.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dongne.db import Base, BigId, UTCDateTime, utcnow
from dongne.kit.i18n import N_

FAQ_CATEGORIES: dict[str, str] = {
    "account": N_("계정/인증"),
    "trade": N_("중고거래"),
    "chat": N_("채팅/알림"),
    "safety": N_("안전/신고"),
    "business": N_("비즈프로필"),
    "other": N_("기타"),
}


class FaqArticle(Base):
    __tablename__ = "faq_articles"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text, default="")
    # Drafts are seen only by operators.
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_faq_articles_category", "category", "is_published"),)


class FaqTerm(Base):
    """The inverted index of articles, built by listings/text.py's document_terms."""

    __tablename__ = "faq_terms"

    term: Mapped[str] = mapped_column(
        String(32).with_variant(String(32, collation="C"), "postgresql"), primary_key=True
    )
    article_id: Mapped[int] = mapped_column(
        ForeignKey("faq_articles.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    weight: Mapped[int] = mapped_column(SmallInteger, default=1)

    __table_args__ = ({"sqlite_with_rowid": False},)
