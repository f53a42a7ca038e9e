"""The institution's identity saved by an administrator (/admin/identidad/): one row that
overrides the identity file (docs/identity.md §1.1).

Revision ID: core_0006
Revises: core_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institution_identity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("emblem", sa.LargeBinary, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String(120), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("institution_identity")
