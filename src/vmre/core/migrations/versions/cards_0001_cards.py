"""Voter cards abroad: requests, production batches, shipments, courier events, campaigns.

Revision ID: cards_0001
Revises: core_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "cards_0001"
down_revision = "core_0002"
branch_labels = ("cards",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cards_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("produced_on", sa.Date, nullable=False),
        sa.UniqueConstraint("code", name="uq_cards_batches_code"),
    )
    op.create_table(
        "cards_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.String(40), nullable=False),
        sa.Column("elector_key", sa.String(18), index=True),
        sa.Column("consulate", sa.String(80), nullable=False, index=True),
        sa.Column("country", sa.String(2), nullable=False, index=True),
        sa.Column("appointment_date", sa.Date, nullable=False, index=True),
        sa.Column("entity", sa.String(6), nullable=False, index=True),
        sa.Column("mechanism", sa.String(20), nullable=False),
        sa.Column("third_party_consent", sa.Boolean, nullable=False),
        sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("cards_batches.id")),
        sa.Column("activated_at", sa.DateTime(timezone=True)),
        sa.Column("activation_channel", sa.String(20)),
        sa.UniqueConstraint("request_id", name="uq_cards_requests_request_id"),
    )
    op.create_table(
        "cards_shipments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("cards_requests.id"), nullable=False,
                  index=True),
        sa.Column("tracking", sa.String(60), nullable=False),
        sa.Column("mechanism", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("shipped_on", sa.Date, nullable=False),
        sa.Column("ocurre_since", sa.Date),
        sa.Column("closed_on", sa.Date),
        sa.UniqueConstraint("tracking", name="uq_cards_shipments_tracking"),
    )
    op.create_table(
        "cards_courier_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("shipment_id", sa.Integer, sa.ForeignKey("cards_shipments.id"), nullable=False,
                  index=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.UniqueConstraint("shipment_id", "kind", "occurred_at",
                            name="uq_cards_courier_events_shipment_id"),
    )
    op.create_table(
        "cards_campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("requested_until", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", name="uq_cards_campaigns_code"),
    )
    op.create_table(
        "cards_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("cards_campaigns.id"), nullable=False,
                  index=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("cards_requests.id"), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.UniqueConstraint("campaign_id", "request_id", name="uq_cards_notices_campaign_id"),
    )


def downgrade() -> None:
    for table in ("cards_notices", "cards_campaigns", "cards_courier_events", "cards_shipments",
                  "cards_requests", "cards_batches"):
        op.drop_table(table)
