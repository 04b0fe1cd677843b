"""the language of a person's prompts, e-mails and chat texts: preferences.language

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:45:00

"""
from typing import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Empty for everyone stored so far: they chose nothing, so they read the organisation's default.
    op.add_column('preferences', sa.Column('language', sa.String(length=8), nullable=False, server_default=''))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('preferences') as batch:
        batch.drop_column('language')
