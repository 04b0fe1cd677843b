"""action items agreed in a dialogue: who of its two people confirmed each

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 18:00:00

Items made before this revision confirmed nothing; an item of a dialogue then waits for both people,
so a dialogue with older items is signed once both confirmed them on its page.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_by', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.drop_column('confirmed_by')
