"""The privacy policy as a SQL filter selects exactly the items the pure policy grants, for every reader and case."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
import sqlalchemy as sa

from paars_feedback.adapters import tables as t
from paars_feedback.adapters.policy_query import visible_clause
from paars_feedback.domain import privacy as p
from tests.unit.test_feedback_privacy import CASES

READER_ID = "x"
GRANTS = {"listed": lambda v: v.listed, "counted": lambda v: v.counted, "listed with giver": lambda v: v.listed and v.giver}


@pytest.fixture(scope="module")
def items() -> sa.Engine:
    """One item per per-item case: 4 visibilities x written by the reader or not x shared with the coach or not."""
    engine = sa.create_engine("sqlite://")
    t.metadata.create_all(engine, tables=[t.feedback, t.coach_shares])
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for visibility in p.FEEDBACK_VISIBILITIES:
            for author in (False, True):
                for shared in (False, True):
                    item_id = f"{visibility}-{int(author)}-{int(shared)}"
                    conn.execute(t.feedback.insert().values(
                        id=item_id, giver_id=READER_ID if author else "someone", receiver_id="ann", kind=1, relation=3, setting=1, text="",
                        examples=[], visibility=visibility, goal_ids=[], tags=[], moment_at=now, given_at=now, request_id=None,
                        acknowledged_at=None, acknowledgement_note="", action_item_id=None,
                    ))
                    if shared:
                        conn.execute(t.coach_shares.insert().values(employee_id="ann", kind="feedback", item_id=item_id, shared_at=now))
    return engine


@pytest.mark.parametrize("grant", sorted(GRANTS))
@pytest.mark.parametrize("who", sorted(CASES))
def test_the_query_selects_exactly_what_the_policy_grants(items: sa.Engine, who: str, grant: str) -> None:
    reader, ties, _ = CASES[who]
    if reader.employee_id:
        reader = replace(reader, employee_id=READER_ID)
    ties = replace(ties, is_author=False, shared_with_coach=False)
    with items.connect() as conn:
        selected = set(conn.execute(sa.select(t.feedback.c.id).where(visible_clause(reader, ties, GRANTS[grant]))).scalars())
    expected = {
        f"{v}-{int(a)}-{int(s)}"
        for v in p.FEEDBACK_VISIBILITIES for a in (False, True) for s in (False, True)
        if GRANTS[grant](p.feedback_view(reader, replace(ties, is_author=a, shared_with_coach=s), v))
    }
    assert selected == expected
