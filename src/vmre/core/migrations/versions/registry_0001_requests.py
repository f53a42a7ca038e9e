"""Registry (SRVE): processes, requests, list closures, mail outbox.

Revision ID: registry_0001
Revises: core_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "registry_0001"
down_revision = "core_0002"
branch_labels = ("registry",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registry_processes",
        sa.Column("id", sa.String(60), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(60), nullable=False),
        sa.Column("opens_at", sa.DateTime, nullable=False),
        sa.Column("closes_at", sa.DateTime, nullable=False),
        sa.Column("corrections_until", sa.DateTime, nullable=False),
        sa.Column("correction_days", sa.Integer, nullable=False),
        sa.Column("card_min_validity_year", sa.Integer, nullable=False),
        sa.Column("entities", sa.String(400), nullable=False),
        sa.Column("modalities", sa.String(40), nullable=False),
        sa.Column("voting_url", sa.String(300), nullable=False),
    )
    op.create_table(
        "registry_closures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_id", sa.String(60),
                  sa.ForeignKey("registry_processes.id",
                                name="fk_registry_closures_election_id_registry_processes"),
                  nullable=False),
        sa.Column("entity_id", sa.String(8), nullable=False),
        sa.Column("modality", sa.String(10), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(80), nullable=False),
        sa.Column("included", sa.Integer, nullable=False),
        sa.Column("addendum", sa.Integer, nullable=False),
        sa.UniqueConstraint("election_id", "entity_id", "modality",
                            name="uq_registry_closures_list"),
    )
    op.create_table(
        "registry_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("folio", sa.String(20), nullable=False),
        sa.Column("election_id", sa.String(60),
                  sa.ForeignKey("registry_processes.id",
                                name="fk_registry_requests_election_id_registry_processes"),
                  nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("given_names", sa.String(120), nullable=False),
        sa.Column("first_surname", sa.String(80), nullable=False),
        sa.Column("second_surname", sa.String(80), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("elector_key", sa.String(18), nullable=False),
        sa.Column("ocr", sa.String(13), nullable=False),
        sa.Column("cic", sa.String(9), nullable=False),
        sa.Column("card_issued_abroad", sa.Boolean, nullable=False),
        sa.Column("entity_id", sa.String(8), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("region", sa.String(120), nullable=False),
        sa.Column("city", sa.String(120), nullable=False),
        sa.Column("postal_code", sa.String(20), nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("modality", sa.String(10), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card_front_sha", sa.String(64), nullable=False),
        sa.Column("card_back_sha", sa.String(64), nullable=False),
        sa.Column("proof_sha", sa.String(64), nullable=False),
        sa.Column("email_token_hash", sa.String(64), nullable=False),
        sa.Column("email_confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finding", sa.String(40), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("correction_items", sa.String(200), nullable=False),
        sa.Column("correction_deadline", sa.DateTime),
        sa.Column("decided_by", sa.String(80), nullable=False),
        sa.Column("closure_id", sa.Integer,
                  sa.ForeignKey("registry_closures.id",
                                name="fk_registry_requests_closure_id_registry_closures")),
        sa.Column("addendum", sa.Boolean, nullable=False),
        sa.Column("credential_public", sa.String(64), nullable=False),
        sa.Column("credential_issued_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("folio", name="uq_registry_requests_folio"),
        sa.UniqueConstraint("election_id", "elector_key", name="uq_registry_requests_person"),
    )
    op.create_index("ix_registry_requests_queue", "registry_requests",
                    ["election_id", "status", "entity_id"])
    op.create_index("ix_registry_requests_email", "registry_requests", ["email"])
    op.create_index("ix_registry_requests_phone", "registry_requests", ["phone"])
    op.create_index("ix_registry_requests_email_token_hash", "registry_requests",
                    ["email_token_hash"])
    op.create_table(
        "registry_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer,
                  sa.ForeignKey("registry_requests.id",
                                name="fk_registry_outbox_request_id_registry_requests"),
                  nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_registry_outbox_request_id", "registry_outbox", ["request_id"])
    op.create_index("ix_registry_outbox_sent_at", "registry_outbox", ["sent_at"])


def downgrade() -> None:
    op.drop_table("registry_outbox")
    op.drop_table("registry_requests")
    op.drop_table("registry_closures")
    op.drop_table("registry_processes")
