"""Count: voting modality per voter, postal packages, courier events, counting tables,
captures, actas and entity counts.

Revision ID: count_0001
Revises: core_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "count_0001"
down_revision = "core_0002"
branch_labels = ("count",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "count_voter_modalities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), nullable=False, index=True),
        sa.Column("voter_ref", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(8), nullable=False),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.UniqueConstraint("election_id", "voter_ref", name="uq_count_voter_modalities_voter"),
    )
    op.create_table(
        "count_postal_settings",
        sa.Column("election_id", sa.String(48), primary_key=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "count_tables",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), nullable=False, index=True),
        sa.Column("entity", sa.String(8), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="postal"),
        sa.UniqueConstraint("election_id", "entity", "number", name="uq_count_tables_number"),
    )
    op.create_table(
        "count_packages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), nullable=False, index=True),
        sa.Column("voter_ref", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(8), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("country", sa.String(80), nullable=False),
        sa.Column("outbound_tracking", sa.String(40), nullable=False, unique=True),
        sa.Column("return_tracking", sa.String(40), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="prepared"),
        sa.Column("received_at", sa.DateTime(timezone=True)),
        sa.Column("late", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("table_id", sa.Integer, sa.ForeignKey("count_tables.id")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "count_courier_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tracking", sa.String(40), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("location", sa.String(120), nullable=False, server_default=""),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("package_id", sa.Integer, sa.ForeignKey("count_packages.id")),
        sa.UniqueConstraint("tracking", "at", "status", name="uq_count_courier_events_tracking"),
    )
    op.create_table(
        "count_captures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("table_id", sa.Integer, sa.ForeignKey("count_tables.id"), nullable=False,
                  index=True),
        sa.Column("contest_id", sa.String(48), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("slot", sa.Integer, nullable=False),
        sa.Column("operator", sa.String(120), nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("table_id", "contest_id", "version", "slot",
                            name="uq_count_captures_slot"),
    )
    op.create_table(
        "count_actas",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("table_id", sa.Integer, sa.ForeignKey("count_tables.id"), nullable=False,
                  index=True),
        sa.Column("contest_id", sa.String(48), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("figures", sa.Text, nullable=False, server_default=""),
        sa.Column("reason", sa.String(80), nullable=False, server_default=""),
        sa.Column("reason_params", sa.Text, nullable=False, server_default="{}"),
        sa.Column("recapture_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("decided_by", sa.String(120), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("table_id", "contest_id", "version", name="uq_count_actas_version"),
    )
    op.create_table(
        "count_entity_counts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(48), nullable=False, index=True),
        sa.Column("entity", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
        sa.Column("figures_sha256", sa.String(64), nullable=False),
        sa.Column("pdf", sa.LargeBinary),
        sa.Column("pdf_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("election_id", "entity", "version",
                            name="uq_count_entity_counts_version"),
    )


def downgrade() -> None:
    for name in ("count_entity_counts", "count_actas", "count_captures", "count_courier_events",
                 "count_packages", "count_tables", "count_postal_settings",
                 "count_voter_modalities"):
        op.drop_table(name)
