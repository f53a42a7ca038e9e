"""Who was there at the opening and closing ceremonies: custodians present or absent, staff,
party representatives, the Oficialía Electoral officer (docs/ceremony.md, "Who was there").

Revision ID: voting_0009
Revises: voting_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "voting_0009"
down_revision = "voting_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_ceremony_attendance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  nullable=False),
        sa.Column("act", sa.String(8), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("name", sa.String(160), nullable=False),
        sa.Column("represents", sa.String(80), nullable=False, server_default=""),
        sa.Column("present", sa.Boolean, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_voting_ceremony_attendance_election_id", "voting_ceremony_attendance",
                    ["election_id"])


def downgrade() -> None:
    op.drop_index("ix_voting_ceremony_attendance_election_id", "voting_ceremony_attendance")
    op.drop_table("voting_ceremony_attendance")
