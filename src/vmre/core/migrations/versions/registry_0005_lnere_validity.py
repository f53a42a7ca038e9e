"""The LNERE as the law has it: observations of the parties and the CNV, the declaration of
validity per entity, and the files handed to the in-country list (docs/registry.md §5.1).

Revision ID: registry_0005
Revises: registry_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0005"
down_revision = "registry_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_list_observations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(60), sa.ForeignKey("registry_processes.id"),
                  nullable=False),
        sa.Column("entity_id", sa.String(8), nullable=False),
        sa.Column("filer_kind", sa.String(8), nullable=False),
        sa.Column("filer", sa.String(120), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.String(120), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("outcome", sa.String(16), nullable=False, server_default=""),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(120), nullable=False, server_default=""),
    )
    op.create_index("ix_registry_list_observations_election_id", "registry_list_observations",
                    ["election_id"])
    op.create_table(
        "registry_list_validity",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(60), sa.ForeignKey("registry_processes.id"),
                  nullable=False),
        sa.Column("entity_id", sa.String(8), nullable=False),
        sa.Column("agreement", sa.String(120), nullable=False),
        sa.Column("election_day", sa.Date, nullable=False),
        sa.Column("included", sa.Integer, nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declared_by", sa.String(120), nullable=False),
        sa.UniqueConstraint("election_id", "entity_id", name="uq_registry_list_validity"),
    )
    op.create_table(
        "registry_in_country_exports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(60), sa.ForeignKey("registry_processes.id"),
                  nullable=False),
        sa.Column("entity_id", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(120), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("registry_in_country_exports")
    op.drop_table("registry_list_validity")
    op.drop_index("ix_registry_list_observations_election_id", "registry_list_observations")
    op.drop_table("registry_list_observations")
