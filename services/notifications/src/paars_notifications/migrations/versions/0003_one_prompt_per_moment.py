"""one prompt per moment and person: prompts.moment_id, unique with the recipient

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 11:40:00

"""
from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('prompts', sa.Column('moment_id', sa.String(length=80), nullable=True))
    # NULL (a prompt about no particular moment) never conflicts, on SQLite and PostgreSQL alike.
    op.create_index('uq_prompts_recipient_moment', 'prompts', ['recipient_id', 'moment_id'], unique=True)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('uq_prompts_recipient_moment', table_name='prompts')
    op.drop_column('prompts', 'moment_id')
