"""business profiles, followers and news; the help centre's FAQ

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A 64-bit id on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TABLES = (  # children first: the order downgrade drops them in
    "faq_terms",
    "faq_articles",
    "business_posts",
    "business_follows",
    "business_price_items",
    "business_photos",
    "business_holidays",
    "business_hours",
    "business_invitations",
    "business_members",
    "businesses",
)


def upgrade() -> None:
    op.create_table(
        "businesses",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("show_phone", sa.Boolean(), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=32), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cover_key", sa.String(length=80), nullable=True),
        sa.Column("follower_count", sa.Integer(), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_businesses_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_businesses_neighbourhood_id_neighbourhoods"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_businesses")),
    )
    with op.batch_alter_table("businesses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_businesses_neighbourhood_id"), ["neighbourhood_id"], unique=False
        )

    op.create_table(
        "faq_articles",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("is_published", sa.Boolean(), nullable=False),
        sa.Column("author_id", ID, nullable=True),
        sa.Column("view_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_faq_articles_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_articles")),
    )
    with op.batch_alter_table("faq_articles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_faq_articles_category", ["category", "is_published"], unique=False
        )

    op.create_table(
        "business_follows",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("business_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_follows_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_business_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "business_id", name=op.f("pk_business_follows")),
    )
    with op.batch_alter_table("business_follows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_business_follows_business_id"), ["business_id"], unique=False
        )

    op.create_table(
        "business_holidays",
        sa.Column("business_id", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_holidays_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("business_id", "day", name=op.f("pk_business_holidays")),
    )
    op.create_table(
        "business_hours",
        sa.Column("business_id", ID, nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("opens", sa.SmallInteger(), nullable=False),
        sa.Column("closes", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_hours_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("business_id", "weekday", "opens", name=op.f("pk_business_hours")),
    )
    op.create_table(
        "business_invitations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("business_id", ID, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("invited_by", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_invitations_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"], ["users.id"], name=op.f("fk_business_invitations_invited_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_invitations")),
    )
    with op.batch_alter_table("business_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_business_invitations_business_id"), ["business_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_business_invitations_email"), ["email"], unique=False)

    op.create_table(
        "business_members",
        sa.Column("business_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_members_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_business_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("business_id", "user_id", name=op.f("pk_business_members")),
    )
    with op.batch_alter_table("business_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_business_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "business_photos",
        sa.Column("business_id", ID, nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("photo_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_photos_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_business_photos_photo_id_photos")
        ),
        sa.PrimaryKeyConstraint("business_id", "position", name=op.f("pk_business_photos")),
    )
    with op.batch_alter_table("business_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_business_photos_photo_id"), ["photo_id"], unique=False)

    op.create_table(
        "business_posts",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("business_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_business_posts_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_posts_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_posts")),
    )
    with op.batch_alter_table("business_posts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_business_posts_business_created", ["business_id", "created_at", "id"], unique=False
        )

    op.create_table(
        "business_price_items",
        sa.Column("business_id", ID, nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["business_id"],
            ["businesses.id"],
            name=op.f("fk_business_price_items_business_id_businesses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("business_id", "position", name=op.f("pk_business_price_items")),
    )
    op.create_table(
        "faq_terms",
        sa.Column(
            "term",
            sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("article_id", ID, nullable=False),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["faq_articles.id"],
            name=op.f("fk_faq_terms_article_id_faq_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("term", "article_id", name=op.f("pk_faq_terms")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("faq_terms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_terms_article_id"), ["article_id"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
