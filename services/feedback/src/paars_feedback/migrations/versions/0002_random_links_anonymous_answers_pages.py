"""random expiring link tokens, anonymous answers unlinked from their request, keyset page indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 11:40:00

Links made before this revision were derived from a server secret (forgeable where that secret was the
development default): they are expired here, and the requester sees the request as expired and can ask again.
"""
import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import paars_platform.db

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN, ANSWERED, EXPIRED = 1, 2, 4
ANONYMOUS = 4  # paars.common.v1.VISIBILITY_ANONYMOUS_AGGREGATE
LINK_MAX_DAYS = 30


def _expiry(due: dt.date, created: dt.datetime) -> dt.datetime:
    return min(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(), dt.UTC), created + dt.timedelta(days=LINK_MAX_DAYS))


def upgrade() -> None:
    with op.batch_alter_table('feedback_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', paars_platform.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answered_anonymously', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('review_invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', paars_platform.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', paars_platform.db.UtcDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_receiver_page', ['receiver_id', 'given_at', 'id'], unique=False)
        batch_op.create_index('ix_feedback_giver_recent', ['giver_id', 'given_at'], unique=False)

    when = paars_platform.db.UtcDateTime(timezone=True)
    requests = sa.table(
        'feedback_requests', sa.column('id', sa.String), sa.column('due_date', sa.Date), sa.column('created_at', when),
        sa.column('expires_at', when), sa.column('state', sa.Integer), sa.column('token_hash', sa.String),
        sa.column('answered_anonymously', sa.Boolean), sa.column('answered_feedback_id', sa.String), sa.column('updated_at', when),
    )
    invitations = sa.table(
        'review_invitations', sa.column('id', sa.String), sa.column('review_id', sa.String), sa.column('created_at', when),
        sa.column('expires_at', when), sa.column('used_at', when),
    )
    reviews = sa.table('reviews', sa.column('id', sa.String), sa.column('due_date', sa.Date))
    feedback = sa.table('feedback', sa.column('id', sa.String), sa.column('visibility', sa.Integer), sa.column('request_id', sa.String))
    conn = op.get_bind()
    now = dt.datetime.now(dt.UTC)
    for row in conn.execute(sa.select(requests.c.id, requests.c.due_date, requests.c.created_at, requests.c.token_hash, requests.c.state)).all():
        values = {'expires_at': _expiry(row.due_date, row.created_at)}
        if row.token_hash is not None and row.state == OPEN:
            # A derived (forgeable) link: it must not work any more.
            values.update(expires_at=now, state=EXPIRED, token_hash=None, updated_at=now)
        conn.execute(requests.update().where(requests.c.id == row.id).values(**values))
    # Every invitation link so far was derived (forgeable): all of them expire now.
    for row in conn.execute(sa.select(invitations.c.id, invitations.c.created_at, reviews.c.due_date).join(reviews, reviews.c.id == invitations.c.review_id)).all():
        conn.execute(invitations.update().where(invitations.c.id == row.id).values(expires_at=min(now, _expiry(row.due_date, row.created_at))))
    # Anonymous answers kept their request: unlink them, so the request no longer names the giver.
    answers = conn.execute(sa.select(feedback.c.id, feedback.c.request_id).where(feedback.c.visibility == ANONYMOUS, feedback.c.request_id.is_not(None))).all()
    for row in answers:
        conn.execute(
            requests.update().where(requests.c.id == row.request_id)
            .values(state=OPEN, answered_anonymously=True, answered_feedback_id=None, updated_at=now)
        )
        conn.execute(feedback.update().where(feedback.c.id == row.id).values(request_id=None))


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_giver_recent')
        batch_op.drop_index('ix_feedback_receiver_page')
    with op.batch_alter_table('review_invitations', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('feedback_requests', schema=None) as batch_op:
        batch_op.drop_column('answered_anonymously')
        batch_op.drop_column('expires_at')
