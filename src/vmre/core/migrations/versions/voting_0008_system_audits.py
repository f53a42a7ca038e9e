"""Audits of the internet voting system (LGIPE, thirteenth transitory article) and the
exemption an election's window was opened under, if any (docs/ceremony.md).

Revision ID: voting_0008
Revises: voting_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "voting_0008"
down_revision = "voting_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_system_audits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  nullable=False),
        sa.Column("firm", sa.String(200), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=False),
        sa.Column("opinion_sha256", sa.String(64), nullable=False),
        sa.Column("public_link", sa.String(500), nullable=False, server_default=""),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_voting_system_audits_election_id", "voting_system_audits",
                    ["election_id"])
    with op.batch_alter_table("voting_elections") as batch:
        batch.add_column(sa.Column("audit_exemption", sa.String(16), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("voting_elections") as batch:
        batch.drop_column("audit_exemption")
    op.drop_index("ix_voting_system_audits_election_id", "voting_system_audits")
    op.drop_table("voting_system_audits")
