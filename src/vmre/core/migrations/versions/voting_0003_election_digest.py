"""Elections carry the digest of their context and credential list (the parse cache key).

Revision ID: voting_0003
Revises: voting_0002
"""

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "voting_0003"
down_revision = "voting_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voting_elections") as batch:
        batch.add_column(sa.Column("digest", sa.String(64), nullable=False, server_default=""))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, context, credentials FROM voting_elections")).all()
    for election_id, context, credentials in rows:
        digest = hashlib.sha256(f"{context}\0{credentials or ''}".encode()).hexdigest()
        bind.execute(sa.text("UPDATE voting_elections SET digest = :d WHERE id = :i"),
                     {"d": digest, "i": election_id})


def downgrade() -> None:
    with op.batch_alter_table("voting_elections") as batch:
        batch.drop_column("digest")
