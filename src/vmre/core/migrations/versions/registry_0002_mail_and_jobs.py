"""Registry: confirmation mails tracked until the mail server takes them, notices the server
refused counted, one reminder per correction deadline, and the runs of the periodic jobs.

Revision ID: registry_0002
Revises: registry_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0002"
down_revision = "registry_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registry_requests") as batch:
        batch.add_column(sa.Column("confirmation_sent_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("correction_reminded_at", sa.DateTime(timezone=True)))
    # Requests taken before this revision: their confirmation mail is taken as sent.
    op.execute("UPDATE registry_requests SET confirmation_sent_at = created_at")
    op.create_index("ix_registry_requests_unsent", "registry_requests", ["updated_at"],
                    postgresql_where=sa.text("confirmation_sent_at IS NULL "
                                             "AND email_confirmed_at IS NULL"),
                    sqlite_where=sa.text("confirmation_sent_at IS NULL "
                                         "AND email_confirmed_at IS NULL"))
    with op.batch_alter_table("registry_outbox") as batch:
        batch.add_column(sa.Column("refusals", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "registry_job_runs",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("registry_job_runs")
    with op.batch_alter_table("registry_outbox") as batch:
        batch.drop_column("refusals")
    op.drop_index("ix_registry_requests_unsent", "registry_requests")
    with op.batch_alter_table("registry_requests") as batch:
        batch.drop_column("correction_reminded_at")
        batch.drop_column("confirmation_sent_at")
