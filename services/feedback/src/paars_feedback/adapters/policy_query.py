"""The privacy policy as a SQL filter: the per-item cases domain.privacy grants, turned into a WHERE clause."""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from paars_feedback.adapters import tables as t
from paars_feedback.domain import privacy
from paars_feedback.domain.privacy import FeedbackView, Reader, Ties

f = t.feedback
_s = t.coach_shares
# The receiver shared this very item with their coach.
SHARED = sa.exists().where(_s.c.employee_id == f.c.receiver_id, _s.c.kind == "feedback", _s.c.item_id == f.c.id)


def _both(a: ColumnElement[bool], b: ColumnElement[bool]) -> ColumnElement[bool]:
    return sa.and_(a, b)


def _cases_clause(combos: set[tuple[bool, bool]], author: ColumnElement[bool], shared: ColumnElement[bool]) -> ColumnElement[bool]:
    """The smallest OR of terms over two yes/no inputs (authorship, a coach share) that holds exactly for combos."""
    if len(combos) == 4:
        return sa.true()
    literal = {(True, "a"): author, (False, "a"): sa.not_(author), (True, "s"): shared, (False, "s"): sa.not_(shared)}
    terms: list[ColumnElement[bool]] = []
    covered: set[tuple[bool, bool]] = set()
    for value in (False, True):
        if {(value, False), (value, True)} <= combos:
            terms.append(literal[(value, "a")])
            covered |= {(value, False), (value, True)}
        if {(False, value), (True, value)} <= combos:
            terms.append(literal[(value, "s")])
            covered |= {(False, value), (True, value)}
    terms += [_both(literal[(a, "a")], literal[(s, "s")]) for a, s in sorted(combos - covered)]
    return sa.or_(*terms)


def visible_clause(reader: Reader, ties: Ties, grants: Callable[[FeedbackView], bool]) -> ColumnElement[bool]:
    """Items about one receiver (the reader's ties to them fixed) for which the policy grants what `grants` asks."""
    author = f.c.giver_id == reader.employee_id if reader.employee_id else sa.false()
    terms = []
    cases = privacy.row_cases(reader, ties, grants)
    for visibility in privacy.FEEDBACK_VISIBILITIES:
        combos = {(c.is_author, c.shared_with_coach) for c in cases if c.visibility == visibility}
        if combos:
            terms.append(sa.and_(f.c.visibility == visibility, _cases_clause(combos, author, SHARED)))
    return sa.or_(*terms) if terms else sa.false()
