"""Core base revision: every part's migration branch starts here.

Revision ID: core_0001
"""

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
