"""erasure (issue 18 item 4): when an employee was erased, and HR's legal holds that keep a kind of their data

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paars_platform.db

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('employees') as batch:
        batch.add_column(sa.Column('erased_at', paars_platform.db.UtcDateTime(timezone=True), nullable=True))
    op.create_table(
        'legal_holds',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.String(length=100), nullable=False),
        sa.Column('service', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('placed_by', sa.String(length=100), nullable=False),
        sa.Column('placed_at', paars_platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('released_at', paars_platform.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('released_by', sa.String(length=100), nullable=False),
        sa.Column('release_reason', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_legal_holds_person_id', 'legal_holds', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_legal_holds_person_id', table_name='legal_holds')
    op.drop_table('legal_holds')
    with op.batch_alter_table('employees') as batch:
        batch.drop_column('erased_at')
