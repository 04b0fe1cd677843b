"""SCIM 2.0 provisioning: the resources the enterprise's identity provider wrote (issue 18, item 2)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 18:00:00
"""
from typing import Sequence

import sqlalchemy as sa
from alembic import op

import paars_platform.db

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'scim_resources',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('name_key', sa.String(length=256), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('created_at', paars_platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', paars_platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'id'),
        sa.UniqueConstraint('kind', 'name_key', name='uq_scim_resources_name'),
    )


def downgrade() -> None:
    op.drop_table('scim_resources')
