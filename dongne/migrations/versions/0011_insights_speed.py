"""insights: what makes the export and the dashboard fast

An index on the few events of deleted accounts (their stand-in and id), so
that every export finds the stand-ins to apply without reading the whole log.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONLY_ANONYMISED = sa.text("anonymous_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_events_anonymous_id_id",
        "events",
        ["anonymous_id", "id"],
        unique=False,
        sqlite_where=ONLY_ANONYMISED,
        postgresql_where=ONLY_ANONYMISED,
    )


def downgrade() -> None:
    op.drop_index("ix_events_anonymous_id_id", table_name="events")
