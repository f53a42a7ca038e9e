"""One table of taken tracking codes (cast or audited): a ballot is counted or spoiled, never
both, whichever server process or path wrote first.

Revision ID: voting_0006
Revises: voting_0005
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "voting_0006"
down_revision = "voting_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voting_taken_codes",
        sa.Column("tracking_code", sa.String(64), primary_key=True),
        sa.Column("election_id", sa.String(48), sa.ForeignKey("voting_elections.id"),
                  nullable=False),
        sa.Column("credential", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
    )
    op.create_index("ix_voting_taken_codes_credential", "voting_taken_codes", ["credential"])
    bind = op.get_bind()
    bind.execute(sa.text(
        "INSERT INTO voting_taken_codes (tracking_code, election_id, credential, kind) "
        "SELECT tracking_code, election_id, credential, 'cast' FROM voting_board"))
    rows = bind.execute(sa.text(
        "SELECT tracking_code, election_id, ballot FROM voting_spoiled")).all()
    for tracking, election_id, ballot in rows:
        credential = str(json.loads(ballot).get("credential", ""))[:64]
        bind.execute(sa.text(
            "INSERT INTO voting_taken_codes (tracking_code, election_id, credential, kind) "
            "VALUES (:t, :e, :c, 'audit')"), {"t": tracking, "e": election_id, "c": credential})


def downgrade() -> None:
    op.drop_index("ix_voting_taken_codes_credential", "voting_taken_codes")
    op.drop_table("voting_taken_codes")
