"""Count: every scan of a returned envelope, accepted or refused (docs/count.md §2.5).

Revision ID: count_0002
Revises: count_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "count_0002"
down_revision = "count_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "count_envelope_returns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), nullable=False, index=True),
        sa.Column("envelope", sa.String(40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("package_id", sa.Integer, sa.ForeignKey("count_packages.id")),
        sa.Column("operator", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("count_envelope_returns")
