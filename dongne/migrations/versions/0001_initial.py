"""initial schema: accounts, neighbourhoods, events

Revision ID: 0001
Revises:
Create Date: 2026-11-23

The event log is append-only at the database level: triggers refuse any
DELETE and any UPDATE except the anonymisation of a deleted account (user and
session cleared, a random stand-in set).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SQLITE_TRIGGERS = [
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    WHEN NEW.id IS NOT OLD.id OR NEW.occurred_at IS NOT OLD.occurred_at
      OR NEW.name IS NOT OLD.name OR NEW.properties IS NOT OLD.properties
      OR NEW.user_id IS NOT NULL AND NEW.user_id IS NOT OLD.user_id
      OR NEW.session IS NOT NULL AND NEW.session IS NOT OLD.session
      OR OLD.anonymous_id IS NOT NULL AND NEW.anonymous_id IS NOT OLD.anonymous_id
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END""",
]

POSTGRES_TRIGGERS = [
    """CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'events are append-only';
      END IF;
      IF NEW.id IS DISTINCT FROM OLD.id OR NEW.occurred_at IS DISTINCT FROM OLD.occurred_at
         OR NEW.name IS DISTINCT FROM OLD.name
         OR NEW.properties::text IS DISTINCT FROM OLD.properties::text
         OR (NEW.user_id IS NOT NULL AND NEW.user_id IS DISTINCT FROM OLD.user_id)
         OR (NEW.session IS NOT NULL AND NEW.session IS DISTINCT FROM OLD.session)
         OR (OLD.anonymous_id IS NOT NULL AND NEW.anonymous_id IS DISTINCT FROM OLD.anonymous_id)
      THEN
        RAISE EXCEPTION 'events are append-only';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("anonymous_id", sa.String(length=32), nullable=True),
        sa.Column("session", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_name_occurred_at", ["name", "occurred_at"], unique=False)
        batch_op.create_index("ix_events_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "neighbourhoods",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("radius_km", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhoods")),
    )
    with op.batch_alter_table("neighbourhoods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_neighbourhoods_full_name"), ["full_name"], unique=False
        )

    op.create_table(
        "users",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("nickname", sa.String(length=30), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("nickname", name=op.f("uq_users_nickname")),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_auth_sessions")),
        sa.UniqueConstraint("public_id", name=op.f("uq_auth_sessions_public_id")),
    )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "neighbourhood_aliases",
        sa.Column("alias_id", sa.String(length=32), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_neighbourhood_aliases_neighbourhood_id_neighbourhoods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alias_id", name=op.f("pk_neighbourhood_aliases")),
    )
    op.create_table(
        "neighbourhood_ranges",
        sa.Column("origin_id", sa.String(length=32), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("target_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint(
            "origin_id", "level", "target_id", name=op.f("pk_neighbourhood_ranges")
        ),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("neighbourhood_ranges", schema=None) as batch_op:
        batch_op.create_index("ix_neighbourhood_ranges_target_id", ["target_id"], unique=False)

    op.create_table(
        "user_neighbourhoods",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("neighbourhood_id", sa.String(length=32), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("range_level", sa.SmallInteger(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhoods.id"],
            name=op.f("fk_user_neighbourhoods_neighbourhood_id_neighbourhoods"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_neighbourhoods_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_neighbourhoods")),
        sa.UniqueConstraint(
            "user_id", "neighbourhood_id", name=op.f("uq_user_neighbourhoods_user_id")
        ),
    )
    with op.batch_alter_table("user_neighbourhoods", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_neighbourhoods_neighbourhood_id"),
            ["neighbourhood_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_user_neighbourhoods_user_id"), ["user_id"], unique=False
        )

    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER events_no_delete")
        op.execute("DROP TRIGGER events_no_update")
    else:
        op.execute("DROP TRIGGER events_append_only ON events")
        op.execute("DROP FUNCTION events_append_only()")
    with op.batch_alter_table("user_neighbourhoods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_neighbourhoods_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_neighbourhoods_neighbourhood_id"))

    op.drop_table("user_neighbourhoods")
    with op.batch_alter_table("neighbourhood_ranges", schema=None) as batch_op:
        batch_op.drop_index("ix_neighbourhood_ranges_target_id")

    op.drop_table("neighbourhood_ranges")
    op.drop_table("neighbourhood_aliases")
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sessions_user_id"))

    op.drop_table("auth_sessions")
    op.drop_table("users")
    with op.batch_alter_table("neighbourhoods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_neighbourhoods_full_name"))

    op.drop_table("neighbourhoods")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_user_id_id")
        batch_op.drop_index("ix_events_name_occurred_at")

    op.drop_table("events")
