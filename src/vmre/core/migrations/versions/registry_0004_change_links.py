"""Registry: the one-time link a citizen gets by mail to change a request (only its hash and
its expiry are kept; docs/registry.md §3).

Revision ID: registry_0004
Revises: registry_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0004"
down_revision = "registry_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registry_requests") as batch:
        batch.add_column(sa.Column("change_token_hash", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("change_token_expires_at", sa.DateTime(timezone=True)))
    op.create_index("ix_registry_requests_change_token_hash", "registry_requests",
                    ["change_token_hash"])


def downgrade() -> None:
    op.drop_index("ix_registry_requests_change_token_hash", "registry_requests")
    with op.batch_alter_table("registry_requests") as batch:
        batch.drop_column("change_token_expires_at")
        batch.drop_column("change_token_hash")
