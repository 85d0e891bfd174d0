"""business: reviews neighbours write about a shop

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A 64-bit id on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "business_reviews",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("business_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reply_body", sa.Text(), nullable=True),
        sa.Column("reply_author_id", ID, nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_business_reviews_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_reviews_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_author_id"],
            ["users.id"],
            name=op.f("fk_business_reviews_reply_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_reviews")),
        sa.UniqueConstraint(
            "business_id", "author_id", name=op.f("uq_business_reviews_business_id")
        ),
    )
    with op.batch_alter_table("business_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_business_reviews_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            "ix_business_reviews_business_created",
            ["business_id", "created_at", "id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("business_reviews")
