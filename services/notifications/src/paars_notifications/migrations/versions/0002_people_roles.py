"""people.roles: the directory's roles, so a caller's roles come from the projection, not the token

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:40:00

"""
from typing import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roles', sa.JSON(), nullable=False, server_default='[]'))
    # Rows projected before this column knew only the HR flag; the next directory change fills the rest.
    op.execute("""UPDATE people SET roles = '["hr"]' WHERE hr""")


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('roles')
