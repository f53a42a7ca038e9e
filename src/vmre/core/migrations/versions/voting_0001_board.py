"""Voting server: elections, the hash-chained ballot board, spoiled ballots.

Revision ID: voting_0001
Revises: core_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "voting_0001"
down_revision = "core_0002"
branch_labels = ("voting",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_elections",
        sa.Column("id", sa.String(48), primary_key=True),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("context", sa.Text, nullable=False),
        sa.Column("transcript", sa.Text, nullable=False),
        sa.Column("credentials", sa.Text, nullable=False, server_default=""),
        sa.Column("revote_policy", sa.String(16), nullable=False, server_default="single"),
        sa.Column("receipt_key", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="setup"),
        sa.Column("opens_at", sa.DateTime(timezone=True)),
        sa.Column("closes_at", sa.DateTime(timezone=True)),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("ballot_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "voting_board",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("tracking_code", sa.String(64), nullable=False, unique=True),
        sa.Column("credential", sa.String(64), nullable=False, index=True),
        sa.Column("ballot", sa.Text, nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("election_id", "position", name="uq_voting_board_election_id"),
    )
    op.create_table(
        "voting_spoiled",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  nullable=False, index=True),
        sa.Column("tracking_code", sa.String(64), nullable=False, unique=True),
        sa.Column("ballot", sa.Text, nullable=False),
        sa.Column("disclosure", sa.Text, nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("voting_spoiled")
    op.drop_table("voting_board")
    op.drop_table("voting_elections")
