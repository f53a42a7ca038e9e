"""Voter accounts are bound to the public credential the registry issued for them, and a
recovery link has its own slot so that it never voids the link that carries the code.

Revision ID: voting_0004
Revises: voting_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "voting_0004"
down_revision = "voting_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voting_voters") as batch:
        batch.add_column(sa.Column("credential_public", sa.String(64)))
        batch.add_column(sa.Column("recovery_hash", sa.String(64)))
        batch.add_column(sa.Column("recovery_expires", sa.DateTime(timezone=True)))
        batch.create_index("ix_voting_voters_recovery_hash", ["recovery_hash"])


def downgrade() -> None:
    with op.batch_alter_table("voting_voters") as batch:
        batch.drop_index("ix_voting_voters_recovery_hash")
        batch.drop_column("recovery_expires")
        batch.drop_column("recovery_hash")
        batch.drop_column("credential_public")
