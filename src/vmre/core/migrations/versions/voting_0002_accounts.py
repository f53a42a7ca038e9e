"""Voter accounts for internet voting (activation, second factor, password, lockout),
practice elections (flag, usability questionnaire answers) and the electronic count
(aggregate, custodians' partial decryptions, results).

Revision ID: voting_0002
Revises: voting_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "voting_0002"
down_revision = "voting_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_voters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), nullable=False, index=True),
        sa.Column("entity", sa.String(8), nullable=False),
        sa.Column("username", sa.String(254), nullable=False, unique=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="invited"),
        sa.Column("activation_hash", sa.String(64), index=True),
        sa.Column("activation_expires", sa.DateTime(timezone=True)),
        sa.Column("activation_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("second_factor", sa.String(8)),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_last_step", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sms_code_hash", sa.String(64)),
        sa.Column("sms_code_expires", sa.DateTime(timezone=True)),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("voted_at", sa.DateTime(timezone=True)),
        sa.Column("surveyed_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "voting_practice",
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  primary_key=True),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "voting_sus_responses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  nullable=False, index=True),
        sa.Column("entity", sa.String(8), nullable=False),
        sa.Column("answers", sa.String(40), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("comment", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "voting_closing",
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  primary_key=True),
        sa.Column("aggregate", sa.Text, nullable=False),
        sa.Column("shares", sa.Text, nullable=False, server_default="{}"),
        sa.Column("results", sa.Text, nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("voting_closing")
    op.drop_table("voting_sus_responses")
    op.drop_table("voting_practice")
    op.drop_table("voting_voters")
