"""Elections carry their fingerprint, the pinned credential authority key and the entities
counted with postal tables (docs/record.md §2.4).

Revision ID: voting_0006
Revises: voting_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "voting_0006"
down_revision = "voting_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voting_elections") as batch:
        batch.add_column(sa.Column("issuer_key", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("postal", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("voting_elections") as batch:
        batch.drop_column("fingerprint")
        batch.drop_column("postal")
        batch.drop_column("issuer_key")
