"""goals proposed for someone else name the proposer as the other party

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:40:00

Before this revision a goal proposed for its owner by someone else (a manager) stored the owner as
its own counterpart, so a counter-proposal by the owner kept awaiting the owner (issue 11, item 18).
The proposer is the other party: where the latest proposal is still theirs, it is `proposed_by`;
where the owner has counter-proposed since, the original proposer is no longer on the row, and the
owner's manager (the person a manager's proposal comes from) takes that place. Proposed goals then
await whoever of the pair did not make the latest proposal.
"""
from typing import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROPOSED = 1  # paars.goals.v1.AGREEMENT_STATE_PROPOSED


def upgrade() -> None:
    op.execute("UPDATE goals SET counterpart_id = proposed_by WHERE counterpart_id = owner_id AND proposed_by <> owner_id")
    op.execute(
        "UPDATE goals SET counterpart_id = (SELECT e.manager_id FROM employees e WHERE e.id = goals.owner_id) "
        "WHERE counterpart_id = owner_id AND EXISTS "
        "(SELECT 1 FROM employees e WHERE e.id = goals.owner_id AND e.manager_id IS NOT NULL AND e.manager_id <> goals.owner_id)"
    )
    op.execute(
        "UPDATE goals SET awaiting_from = CASE WHEN proposed_by = owner_id THEN counterpart_id ELSE owner_id END "
        f"WHERE agreement = {PROPOSED} AND counterpart_id <> owner_id"
    )


def downgrade() -> None:
    """Nothing to undo: the corrected counterparts are valid under the old rules too."""
