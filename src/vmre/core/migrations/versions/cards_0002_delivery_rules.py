"""The delivery rules of the process (attempts before Ocurre, days at Ocurre) with their
source; none stored means the MOCE's (docs/cards.md, "Delivery rules").

Revision ID: cards_0002
Revises: cards_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "cards_0002"
down_revision = "cards_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cards_delivery_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("ocurre_days", sa.Integer, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("set_by", sa.String(120), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cards_delivery_rules")
