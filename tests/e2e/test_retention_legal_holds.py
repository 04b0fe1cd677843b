"""Issue 18's "what must be kept is listed and kept, with the reason recorded" for retention, across processes (every
service a process on PostgreSQL, the embedded broker): HR places a legal hold on one person's feedback in goals; a
hold on a kind no service has is refused, naming the field. Feedback's retention job (as feedback runs it every
PAARS_RETENTION_EVERY_SECONDS, over feedback's database) asks goals' process for the holds with a service token
and keeps the held person's year-old feedback, with the hold's reason in its audit line, while the unheld person's
goes; with a token lacking the holds' scope it deletes no feedback at all; once HR releases the hold, the next run
deletes what it kept."""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import grpc
import pytest
import sqlalchemy as sa

from paars.org.v1 import org_pb2, org_pb2_grpc
from paars.privacy.v1 import privacy_pb2, privacy_pb2_grpc
from paars_feedback.adapters import person_data as feedback_data
from paars_feedback.adapters import tables as ft
from paars_platform.auth import mint_token
from paars_platform.config import DEV_JWT_SECRET, DEV_SYSTEM_CLIENT
from paars_platform.db import Database
from paars_platform.keyring import KEYS_SCOPE
from paars_platform.legal_holds import HOLDS_SCOPE, RemoteLegalHolds
from paars_platform.retention import RetentionRun
from tests.chaos.stack_under_test import RunningStack
from tests.helpers import auth, system_auth
from tests.integration.test_retention import row

pytestmark = pytest.mark.e2e

MARK = uuid.uuid4().hex[:8]
HAL, UNA = f"hal-{MARK}", f"una-{MARK}"
HOLD_REASON = f"Hal's feedback is evidence in grievance {MARK}"


def _people() -> org_pb2.ImportDirectoryRequest:
    return org_pb2.ImportDirectoryRequest(employees=[
        org_pb2.Employee(id=p, name=f"{p.title()} Peeters", email=f"{p}@paars.example", manager_id="mgr", team_id="team-a",
                         roles=[org_pb2.ROLE_EMPLOYEE], active=True, time_zone="Europe/Brussels")
        for p in (HAL, UNA)
    ])


async def _seed_old_feedback(url: str, given_at: dt.datetime, *receivers: str) -> list[str]:
    db = Database(url)
    ids = [f"old-{r}-{uuid.uuid4().hex[:6]}" for r in receivers]
    try:
        async with db.transaction() as conn:
            await conn.execute(ft.feedback.insert(), [
                row(ft.feedback, given_at, id=i, receiver_id=r, giver_id="mgr", request_id=None, acknowledged_at=None, action_item_id=None)
                for i, r in zip(ids, receivers, strict=True)
            ])
    finally:
        await db.dispose()
    return ids


async def _run_feedback_retention(url: str, goals_address: str, scopes: tuple[str, ...]) -> tuple[RetentionRun, set[str], list[dict[str, Any]]]:
    """Feedback's retention job, feedback kept a year, reading the holds from goals' process with a service token of
    `scopes`; the run, the feedback ids left, and its audit lines."""

    async def token() -> str:
        return mint_token(DEV_SYSTEM_CLIENT, ("system",), secret=DEV_JWT_SECRET, client_id=DEV_SYSTEM_CLIENT, scopes=scopes)

    holds = RemoteLegalHolds(goals_address, token)
    db = Database(url)
    try:
        run = await feedback_data.retention(db, {"feedback": 365}, holds=holds.fetch).run_once()
        async with db.read() as conn:
            left = set((await conn.execute(sa.select(ft.feedback.c.id))).scalars())
            t = ft.privileged_actions
            audit = [dict(r) for r in (await conn.execute(sa.select(t).where(t.c.action == "retention").order_by(t.c.id))).mappings()]
        return run, left, audit
    finally:
        await holds.close()
        await db.dispose()


def test_feedbacks_retention_keeps_what_a_legal_hold_in_goals_names_and_deletes_the_rest(running_stack: RunningStack) -> None:
    urls = running_stack.stack.database_urls
    goals_address = f"127.0.0.1:{running_stack.stack.grpc_port('goals')}"
    org_pb2_grpc.OrgServiceStub(running_stack.channel("goals")).ImportDirectory(_people(), metadata=system_auth(), timeout=30)
    privacy = privacy_pb2_grpc.PersonalDataStub(running_stack.channel("goals"))

    # A kind no service has would keep nothing while looking like it does: refused, naming the field and the kinds.
    with pytest.raises(grpc.RpcError) as refused:
        privacy.PlaceLegalHold(privacy_pb2.PlaceLegalHoldRequest(person_id=HAL, service="feedback", kind="review_answers", reason=HOLD_REASON),
                               metadata=auth("hr1", "hr"), timeout=10)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert "kind" in refused.value.details() and "feedback_received" in refused.value.details()  # type: ignore[attr-defined]
    hold = privacy.PlaceLegalHold(privacy_pb2.PlaceLegalHoldRequest(person_id=HAL, service="feedback", kind="feedback_received", reason=HOLD_REASON),
                                  metadata=auth("hr1", "hr"), timeout=10)

    year_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    hal_old, una_old = asyncio.run(_seed_old_feedback(urls["feedback"], year_ago, HAL, UNA))

    run, left, audit = asyncio.run(_run_feedback_retention(urls["feedback"], goals_address, (HOLDS_SCOPE,)))
    assert hal_old in left and una_old not in left
    assert run.kept["feedback"] >= 1 and run.deleted["feedback"] >= 1 and run.skipped == ()
    [line] = [a for a in audit if any(h["hold_id"] == hold.id for h in a["detail"].get("legal_holds", []))]
    assert line["detail"]["kept_by_legal_holds"] >= 1
    assert [h["reason"] for h in line["detail"]["legal_holds"] if h["hold_id"] == hold.id] == [HOLD_REASON]

    # A token goals does not let read the holds: no feedback deleted this run, held or not.
    [una_again] = asyncio.run(_seed_old_feedback(urls["feedback"], year_ago, UNA))
    run, left, _ = asyncio.run(_run_feedback_retention(urls["feedback"], goals_address, (KEYS_SCOPE,)))
    assert run.skipped == ("feedback",) and "feedback" not in run.deleted
    assert {hal_old, una_again} <= left

    # Released: the next run deletes what the hold kept.
    privacy.ReleaseLegalHold(privacy_pb2.ReleaseLegalHoldRequest(hold_id=hold.id, reason="the grievance was settled in December"),
                             metadata=auth("hr1", "hr"), timeout=10)
    run, left, _ = asyncio.run(_run_feedback_retention(urls["feedback"], goals_address, (HOLDS_SCOPE,)))
    assert hal_old not in left and una_again not in left and run.skipped == ()
