"""prompts.insight_kind and prompts.goal_id: an insight about a moment for feedback links to the give-feedback form

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # 0 and '' for the prompts stored so far: they link where they did (an insight's to the home page).
    op.add_column('prompts', sa.Column('insight_kind', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('prompts', sa.Column('goal_id', sa.String(length=64), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('prompts') as batch:
        batch.drop_column('goal_id')
        batch.drop_column('insight_kind')
