"""Citizen service contacts, outreach figures, media notes, press items, report activities.

Revision ID: service_0001
Revises: core_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "service_0001"
down_revision = "core_0002"
branch_labels = ("service",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(20), nullable=False),
        sa.Column("agent", sa.String(80), nullable=False),
        sa.Column("registration_folio", sa.String(40), index=True),
        sa.Column("card_request", sa.String(40), index=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("resolution", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "service_social_figures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account", sa.String(20), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("publications", sa.Integer),
        sa.Column("impressions", sa.Integer),
        sa.Column("reach", sa.Integer),
        sa.Column("interactions", sa.Integer),
        sa.Column("reactions", sa.Integer),
        sa.Column("shares", sa.Integer),
        sa.Column("comments", sa.Integer),
        sa.Column("reproductions", sa.Integer),
        sa.UniqueConstraint("account", "platform", "period_start", "period_end",
                            name="uq_service_social_figures_account"),
    )
    op.create_table(
        "service_media_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("published_on", sa.Date, nullable=False, index=True),
        sa.Column("outlet", sa.String(200), nullable=False),
        sa.Column("medium", sa.String(20), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
    )
    op.create_table(
        "service_press_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("published_on", sa.Date, nullable=False, index=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("links", sa.Text, nullable=False),
    )
    op.create_table(
        "service_activities",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("section", sa.String(40), nullable=False, index=True),
        sa.Column("happened_on", sa.Date, nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("service_activities", "service_press_items", "service_media_notes",
                  "service_social_figures", "service_contacts"):
        op.drop_table(table)
