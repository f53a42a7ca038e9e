"""One channel per reminder campaign, its audience and those it could not reach
(docs/cards.md, "Reminder campaigns").

Revision ID: cards_0003
Revises: cards_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "cards_0003"
down_revision = "cards_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cards_campaigns") as batch:
        batch.add_column(sa.Column("channel", sa.String(10), nullable=False, server_default=""))
        batch.add_column(sa.Column("audience", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("unreachable", sa.Integer, nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("cards_campaigns") as batch:
        batch.drop_column("unreachable")
        batch.drop_column("audience")
        batch.drop_column("channel")
