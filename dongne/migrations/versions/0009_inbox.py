"""inbox: the shared live inbox for businesses and the platform support team

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A 64-bit id on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = (  # children first: the order downgrade drops them in
    "inbox_messages",
    "inbox_labels",
    "inbox_saved_replies",
    "inbox_conversations",
    "inbox_agents",
    "inboxes",
)


def upgrade() -> None:
    op.create_table(
        "inboxes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=24), nullable=False),
        sa.Column("business_id", ID, nullable=True),
        sa.Column("version", ID, nullable=False),
        sa.Column("away_message", sa.Text(), nullable=False),
        sa.Column("greeting", sa.Text(), nullable=False),
        sa.Column("csat_enabled", sa.Boolean(), nullable=False),
        sa.Column("csat_question", sa.String(length=100), nullable=False),
        sa.Column("agent_limit", sa.SmallInteger(), nullable=False),
        sa.Column("auto_assign", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_inboxes_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inboxes")),
        sa.UniqueConstraint("business_id", name=op.f("uq_inboxes_business_id")),
        sa.UniqueConstraint("key", name=op.f("uq_inboxes_key")),
    )
    op.create_table(
        "inbox_agents",
        sa.Column("inbox_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("last_assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_inbox_agents_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_inbox_agents_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inbox_id", "user_id", name=op.f("pk_inbox_agents")),
    )
    op.create_table(
        "inbox_conversations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("inbox_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", ID, nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("version", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_responder_id", ID, nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("auto_replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("csat_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("csat_score", sa.SmallInteger(), nullable=True),
        sa.Column("csat_comment", sa.Text(), nullable=False),
        sa.Column("csat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_inbox_conversations_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["users.id"],
            name=op.f("fk_inbox_conversations_customer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["first_responder_id"],
            ["users.id"],
            name=op.f("fk_inbox_conversations_first_responder_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_inbox_conversations_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_conversations")),
    )
    op.create_index(
        "ix_inbox_conversations_assignee",
        "inbox_conversations",
        ["inbox_id", "assignee_id", "status", "last_message_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_inbox_conversations_changes",
        "inbox_conversations",
        ["inbox_id", "version"],
        unique=False,
    )
    op.create_index(
        "ix_inbox_conversations_customer",
        "inbox_conversations",
        ["customer_id", "inbox_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_inbox_conversations_recent",
        "inbox_conversations",
        ["inbox_id", "last_message_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_inbox_conversations_list",
        "inbox_conversations",
        ["inbox_id", "status", "last_message_at", "id"],
        unique=False,
    )
    op.create_table(
        "inbox_saved_replies",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("inbox_id", ID, nullable=False),
        sa.Column("shortcut", sa.String(length=24), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_inbox_saved_replies_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_inbox_saved_replies_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_saved_replies")),
        sa.UniqueConstraint("inbox_id", "shortcut", name=op.f("uq_inbox_saved_replies_inbox_id")),
    )
    op.create_table(
        "inbox_labels",
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("label", sa.String(length=24), nullable=False),
        sa.Column("inbox_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_labels_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_inbox_labels_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "label", name=op.f("pk_inbox_labels")),
    )
    op.create_index(
        "ix_inbox_labels_inbox_label", "inbox_labels", ["inbox_id", "label"], unique=False
    )
    op.create_table(
        "inbox_messages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender_id", ID, nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["inbox_conversations.id"],
            name=op.f("fk_inbox_messages_conversation_id_inbox_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_inbox_messages_sender_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_messages")),
        sa.UniqueConstraint(
            "conversation_id", "seq", name=op.f("uq_inbox_messages_conversation_id")
        ),
        sa.UniqueConstraint("sender_id", "client_id", name=op.f("uq_inbox_messages_sender_id")),
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
