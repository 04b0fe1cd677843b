"""parked_events: events that name someone the directory does not know yet wait here for the person's record

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:00:00
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
    op.create_table(
        'parked_events',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('event_id', sa.String(length=80), nullable=False),
        sa.Column('topic', sa.String(length=200), nullable=False),
        sa.Column('event_type', sa.String(length=200), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('people', sa.JSON(), nullable=False),
        sa.Column('awaited', sa.JSON(), nullable=False),
        sa.Column('parked_at', paars_platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
    )


def downgrade() -> None:
    op.drop_table('parked_events')
