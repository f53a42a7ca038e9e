"""Registry: the process rule saying which requests a person must review (all, a sample, or
only findings), and the fields and note of a correction request (docs/registry.md §3).

Processes that exist before this revision keep what they did (only findings); new ones
default to every request (the model's default).

Revision ID: registry_0006
Revises: registry_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0006"
down_revision = "registry_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registry_processes") as batch:
        batch.add_column(sa.Column("review_rule", sa.String(10), nullable=False,
                                   server_default="findings"))
        batch.add_column(sa.Column("review_sample_percent", sa.Integer, nullable=False,
                                   server_default="10"))
    with op.batch_alter_table("registry_requests") as batch:
        batch.add_column(sa.Column("correction_fields", sa.String(300), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("correction_note", sa.String(500), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("registry_requests") as batch:
        batch.drop_column("correction_note")
        batch.drop_column("correction_fields")
    with op.batch_alter_table("registry_processes") as batch:
        batch.drop_column("review_sample_percent")
        batch.drop_column("review_rule")
