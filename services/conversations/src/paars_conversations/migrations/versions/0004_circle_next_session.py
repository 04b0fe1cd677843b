"""a peer coaching circle's next planned session (issue 15 item 4: prompts before sessions); existing circles have none

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 19:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('circles') as batch:
        batch.add_column(sa.Column('next_session_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('circles') as batch:
        batch.drop_column('next_session_on')
