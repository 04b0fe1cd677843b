"""data keys per person, kind of data and period, for retention through the keys (issue 18 item 5)

A person's key becomes one per (person, kind, period): the relays encrypt an event's personal fields with the key of
its kind (paars_platform.retention.EVENT_KINDS) and the calendar month of its time, and the retention job destroys
the keys of the months past a kind's retention. The rows made before (one per person) get kind and period "" and
keep opening what they encrypted; such a row, destroyed, is also the mark that the person was erased.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 01:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person_keys') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=64), server_default='', nullable=False))
        batch.add_column(sa.Column('period', sa.String(length=16), server_default='', nullable=False))
        batch.drop_constraint('uq_person_keys_person', type_='unique')
        batch.create_unique_constraint('uq_person_keys_scope', ['person_id', 'kind', 'period'])
    op.create_index('ix_person_keys_kind_period', 'person_keys', ['kind', 'period'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_person_keys_kind_period', table_name='person_keys')
    # Only the keys from before kinds and periods fit the one-key-per-person table again.
    op.execute("DELETE FROM person_keys WHERE kind <> '' OR period <> ''")
    with op.batch_alter_table('person_keys') as batch:
        batch.drop_constraint('uq_person_keys_scope', type_='unique')
        batch.create_unique_constraint('uq_person_keys_person', ['person_id'])
        batch.drop_column('period')
        batch.drop_column('kind')
