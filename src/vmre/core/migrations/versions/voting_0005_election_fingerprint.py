"""Elections carry their fingerprint, the pinned credential authority key and the entities
counted with postal tables (docs/record.md §2.4).

An election that already holds a credential list gets its fingerprint now, as if that list had
been the first one loaded (its signer is pinned; no postal modality is assumed).

Revision ID: voting_0005
Revises: voting_0004
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "voting_0005"
down_revision = "voting_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("voting_elections") as batch:
        batch.add_column(sa.Column("issuer_key", sa.String(64), nullable=False,
                                   server_default=""))
        batch.add_column(sa.Column("postal", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=False,
                                   server_default=""))
    from vmre.crypto.group import base_mul, scalar_from_hex
    from vmre.voting import fingerprint as fingerprints

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, context, credentials, receipt_key, revote_policy "
                                "FROM voting_elections")).all()
    for election_id, context, credentials, receipt_key, policy in rows:
        if not credentials:
            continue
        issuer = json.loads(credentials)["issuer"]
        inputs = fingerprints.inputs(election_id, json.loads(context)["base_hash"], issuer,
                                     base_mul(scalar_from_hex(receipt_key)).hex(), policy)
        bind.execute(sa.text("UPDATE voting_elections SET issuer_key = :k, fingerprint = :f "
                             "WHERE id = :i"),
                     {"k": issuer, "f": fingerprints.fingerprint(inputs), "i": election_id})


def downgrade() -> None:
    with op.batch_alter_table("voting_elections") as batch:
        batch.drop_column("fingerprint")
        batch.drop_column("postal")
        batch.drop_column("issuer_key")
