"""which key-encryption key wrapped each person key, for its rotation (issue 18)

person_keys.kek_id names the key-encryption key that wrapped a row (the first 8 bytes of SHA-256 of it, hex), so goals
can hold the current key and retired ones, unwrap each row with its own and re-wrap the rows of retired keys with the
current one. The rows from before stay NULL here: the migration does not know the key; goals, starting, stamps them
with the id of the configured key that opens them (there was one key-encryption key before this revision), and
unwraps a NULL row with whichever configured key opens it meanwhile.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 02:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person_keys') as batch:
        batch.add_column(sa.Column('kek_id', sa.String(length=16), nullable=True))
    op.create_index('ix_person_keys_kek_id', 'person_keys', ['kek_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_person_keys_kek_id', table_name='person_keys')
    with op.batch_alter_table('person_keys') as batch:
        batch.drop_column('kek_id')
