"""a data key per person for crypto-shredding the personal fields of events (issue 18 item 4)

Each key is stored wrapped (AES-256-GCM) with the key-encryption key from the settings
(PAARS_KEY_ENCRYPTION_KEY), never in clear. Destroying a person's key (erasure) clears wrapped_key and sets
destroyed_at: the row stays so that the key id answers "erased" rather than "unknown" and no new key is made for
the person afterwards.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:30:00
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
        'person_keys',
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.String(length=100), nullable=False),
        sa.Column('wrapped_key', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', paars_platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('destroyed_at', paars_platform.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key_id'),
        sa.UniqueConstraint('person_id', name='uq_person_keys_person'),
    )


def downgrade() -> None:
    op.drop_table('person_keys')
