"""business: staff invitations are accepted with the token mailed to the address

E-mail addresses are not verified at sign-up, so an invitation can no longer be
taken by whoever signs up with the invited address; the mail carries a token and
only its digest is kept. Invitations made before this have no token: they can be
sent again from the staff page.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("business_invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("token_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_business_invitations_token_digest"), ["token_digest"]
        )


def downgrade() -> None:
    with op.batch_alter_table("business_invitations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_business_invitations_token_digest"), type_="unique")
        batch_op.drop_column("mailed_at")
        batch_op.drop_column("token_digest")
