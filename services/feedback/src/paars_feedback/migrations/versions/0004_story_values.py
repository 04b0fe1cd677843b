"""feedback and praise may name a value of the organisation story: the catalogue's projection and the item's value

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 18:10:00

The catalogue fills from story.story-published.v1 (a compacted topic: the current story is replayed to a new
consumer group); items given before this revision name no value.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paars_platform.db

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'story_values',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('title_nl', sa.Text(), nullable=False),
        sa.Column('title_en', sa.Text(), nullable=False),
        sa.Column('story_version', sa.Integer(), nullable=False),
        sa.Column('updated_at', paars_platform.db.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_key', sa.String(length=100), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_column('value_key')
    op.drop_table('story_values')
