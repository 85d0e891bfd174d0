"""chat: fixes after the first release — an index for the per-worker sweep

Each worker lists the conversations with a message in the last minute
(``Conversation.last_message_at``) instead of every socket re-reading its own
conversations; the index keeps that one query cheap however many conversations
there are.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_conversations_last_message_at", "conversations", ["last_message_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_last_message_at", table_name="conversations")
