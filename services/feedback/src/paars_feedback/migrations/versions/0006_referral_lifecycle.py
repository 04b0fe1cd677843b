"""a referral's lifecycle (issue 15 item 6): raised -> acknowledged -> closed, when it last changed and by which HR person

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:15:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paars_platform.db

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Referrals raised before this migration are raised (Referral.STATE_RAISED = 1), never handled.
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.Integer(), server_default=sa.text('1'), nullable=False))
        batch_op.add_column(sa.Column('updated_at', paars_platform.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by', sa.String(length=64), server_default=sa.text("''"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_column('handled_by')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('state')
