"""the audit of privileged actions (issue 18 item 6): HR's exports of a person's data, later erasures and overrides

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 18:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paars_platform.db

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'privileged_actions',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('actor_id', sa.String(length=100), nullable=False),
        sa.Column('subject_id', sa.String(length=100), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('at', paars_platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_privileged_actions_subject', 'privileged_actions', ['subject_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_privileged_actions_subject', table_name='privileged_actions')
    op.drop_table('privileged_actions')
