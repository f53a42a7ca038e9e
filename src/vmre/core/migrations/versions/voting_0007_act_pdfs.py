"""The acts' PDFs, stored once their content is fixed, so that anonymous requests for
`/actas/{id}/inicio.pdf` or `cierre.pdf` are served without rendering (docs/sivei.md §5).

Revision ID: voting_0007
Revises: voting_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "voting_0007"
down_revision = "voting_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_act_pdfs",
        sa.Column("cache_key", sa.String(64), primary_key=True),
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_voting_act_pdfs_election_id", "voting_act_pdfs", ["election_id"])


def downgrade() -> None:
    op.drop_index("ix_voting_act_pdfs_election_id", "voting_act_pdfs")
    op.drop_table("voting_act_pdfs")
