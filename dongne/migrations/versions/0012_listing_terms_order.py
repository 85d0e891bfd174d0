"""listings: search terms carry the feed order

Each posting of ``listing_terms`` gets copies of its listing's ``sort_at`` and
``is_listed``, so a search filters and orders by recency from the postings alone. On
PostgreSQL the primary key INCLUDEs weight, sort_at and is_listed (index-only scans); on
SQLite the table already is its primary key (WITHOUT ROWID).

The table is rebuilt rather than altered: the same statements on both engines (SQLite
cannot make an added column NOT NULL in place), existing postings are copied over in key
order with the listing's values, and the new B-tree is written densely, left to right.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("term", "neighbourhood_id", "listing_id")


def _term_columns() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "term",
            sa.String(length=32).with_variant(sa.String(length=32, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("neighbourhood_id", sa.String(length=32), nullable=False),
        sa.Column(
            "listing_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("weight", sa.SmallInteger(), nullable=False),
    ]


def _set_aside() -> None:
    """Rename the current table out of the way, freeing the names of its key and index
    (PostgreSQL names a primary key's index after the constraint, schema-wide)."""
    op.drop_index("ix_listing_terms_listing_id", table_name="listing_terms")
    op.rename_table("listing_terms", "listing_terms_old")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            'ALTER TABLE listing_terms_old RENAME CONSTRAINT "pk_listing_terms" TO "pk_listing_terms_old"'
        )


def _finish() -> None:
    op.drop_table("listing_terms_old")
    op.create_index("ix_listing_terms_listing_id", "listing_terms", ["listing_id"], unique=False)


def _foreign_key() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["listing_id"],
        ["listings.id"],
        name="fk_listing_terms_listing_id_listings",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    _set_aside()
    op.create_table(
        "listing_terms",
        *_term_columns(),
        sa.Column("sort_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_listed", sa.Boolean(), nullable=False),
        _foreign_key(),
        sa.PrimaryKeyConstraint(
            *KEY, name="pk_listing_terms", postgresql_include=["weight", "sort_at", "is_listed"]
        ),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO listing_terms (term, neighbourhood_id, listing_id, weight, sort_at, "
        "is_listed) SELECT t.term, t.neighbourhood_id, t.listing_id, t.weight, l.sort_at, "
        "l.is_listed FROM listing_terms_old t JOIN listings l ON l.id = t.listing_id "
        "ORDER BY t.term, t.neighbourhood_id, t.listing_id"
    )
    _finish()


def downgrade() -> None:
    _set_aside()
    op.create_table(
        "listing_terms",
        *_term_columns(),
        _foreign_key(),
        sa.PrimaryKeyConstraint(*KEY, name="pk_listing_terms"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO listing_terms (term, neighbourhood_id, listing_id, weight) "
        "SELECT term, neighbourhood_id, listing_id, weight FROM listing_terms_old "
        "ORDER BY term, neighbourhood_id, listing_id"
    )
    _finish()
