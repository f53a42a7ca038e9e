"""Registry: the return-envelope code of each postal voter, given at the first export of the
postal LNERE and kept for every later one (docs/count.md §2.1).

Revision ID: registry_0003
Revises: registry_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0003"
down_revision = "registry_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registry_requests") as batch:
        batch.add_column(sa.Column("envelope_code", sa.String(24)))
    op.create_index("ix_registry_requests_envelope_code", "registry_requests",
                    ["envelope_code"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_registry_requests_envelope_code", "registry_requests")
    with op.batch_alter_table("registry_requests") as batch:
        batch.drop_column("envelope_code")
