"""trust: deals, reviews, manner temperature

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deals",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("listing_id", ID, nullable=False),
        sa.Column("seller_id", ID, nullable=False),
        sa.Column("buyer_id", ID, nullable=True),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("completed_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], name=op.f("fk_deals_buyer_id_users")),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_deals_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["listings.id"], name=op.f("fk_deals_listing_id_listings")
        ),
        sa.ForeignKeyConstraint(["seller_id"], ["users.id"], name=op.f("fk_deals_seller_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
        sa.UniqueConstraint("listing_id", name=op.f("uq_deals_listing_id")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deals_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deals_seller_id"), ["seller_id"], unique=False)

    op.create_table(
        "reviews",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("deal_id", ID, nullable=False),
        sa.Column("reviewer_id", ID, nullable=False),
        sa.Column("reviewee_id", ID, nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("rating", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name=op.f("fk_reviews_deal_id_deals"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reviewee_id"], ["users.id"], name=op.f("fk_reviews_reviewee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_reviews_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("deal_id", "reviewer_id", name=op.f("uq_reviews_deal_id")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reviews_reviewee_created", ["reviewee_id", "created_at"], unique=False
        )

    op.create_table(
        "review_items",
        sa.Column("review_id", ID, nullable=False),
        sa.Column("item", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["reviews.id"],
            name=op.f("fk_review_items_review_id_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", "item", name=op.f("pk_review_items")),
    )

    op.create_table(
        "manner_temperatures",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("computed_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_manner_temperatures_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_manner_temperatures")),
    )


def downgrade() -> None:
    op.drop_table("manner_temperatures")
    op.drop_table("review_items")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_reviews_reviewee_created")
    op.drop_table("reviews")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deals_seller_id"))
        batch_op.drop_index(batch_op.f("ix_deals_buyer_id"))
    op.drop_table("deals")
