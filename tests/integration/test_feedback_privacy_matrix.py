"""Every reader role x every visibility x every read path (get, lists, summary, events, 360 and gap reports),
and every path that could link an anonymous answer to its giver (requests, events, the read audit): zero leaks."""
from __future__ import annotations

import asyncio
import datetime as dt

import grpc
import pytest

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars.org.v1 import org_pb2
from paars_feedback.adapters import directory
from tests.helpers import auth, decoded, plaintext, read_topic
from tests.integration.test_feedback_service import TODAY, Feedback, a_cycle, feedback, ratings  # noqa: F401  (fixture)

PRIVATE = event_pb2.VISIBILITY_PRIVATE
RAM = event_pb2.VISIBILITY_RECEIVER_AND_MANAGER
PUBLIC = event_pb2.VISIBILITY_PUBLIC
ANON = event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE
VISIBILITIES = (PRIVATE, RAM, PUBLIC, ANON)

# Who reads, as (employee id, token roles); None is an external caller without a bearer token.
READERS: dict[str, tuple[str, ...] | None] = {
    "author": ("bob",),
    "receiver": ("ann",),
    "manager": ("mgr", "manager"),
    "skip-level manager": ("boss", "manager", "leader"),
    "hr": ("hr1", "hr"),
    "hr of another team": ("hr2", "hr"),
    "coach": ("cas", "coach"),
    "admin": ("adm", "admin"),
    "colleague": ("zoe",),
    "subscribing system": ("crm-sync", "system"),
    "external": None,
}

# Written out by hand, not derived from the policy: full = text and giver, item = listed without text,
# count = only in counts, none = not even counted. The coach was shared the private item only.
EXPECTED: dict[str, dict[int, str]] = {
    "author": {PRIVATE: "full", RAM: "full", PUBLIC: "full", ANON: "full"},
    "receiver": {PRIVATE: "full", RAM: "full", PUBLIC: "full", ANON: "count"},
    "manager": {PRIVATE: "none", RAM: "full", PUBLIC: "full", ANON: "count"},
    "skip-level manager": {PRIVATE: "none", RAM: "full", PUBLIC: "full", ANON: "count"},
    "hr": {PRIVATE: "none", RAM: "count", PUBLIC: "full", ANON: "count"},
    # HR reads within the subtree of their own team only: outside it, HR is a colleague.
    "hr of another team": {PRIVATE: "none", RAM: "none", PUBLIC: "full", ANON: "none"},
    "coach": {PRIVATE: "full", RAM: "none", PUBLIC: "full", ANON: "none"},
    "admin": {PRIVATE: "none", RAM: "none", PUBLIC: "full", ANON: "none"},
    "colleague": {PRIVATE: "none", RAM: "none", PUBLIC: "full", ANON: "none"},
    "subscribing system": {PRIVATE: "item", RAM: "item", PUBLIC: "full", ANON: "item"},
    "external": {PRIVATE: "none", RAM: "none", PUBLIC: "none", ANON: "none"},
}
# The 360 report (and gap report): the person, their managers, HR, a coach it was shared with;
# a subscriber gets aggregates without comments; raters and everyone else nothing.
REPORT_READERS = {"receiver": "comments", "manager": "comments", "skip-level manager": "comments", "hr": "comments", "coach": "comments", "subscribing system": "aggregates"}
# Giver ids a reader may see per visibility: anonymous items show their giver to their author only.
MARKER = {PRIVATE: "PRIVE-tekst-7731", RAM: "MANAGER-tekst-8842", PUBLIC: "PUBLIEK-tekst-9953", ANON: "ANONIEM-tekst-1064"}
PEER_SECRET = "PEER-commentaar-5521"


def md(reader: str) -> list[tuple[str, str]]:
    who = READERS[reader]
    return auth(*who) if who else []


async def add_people(feedback: Feedback, *people: tuple[str, str, str, int]) -> None:  # noqa: F811
    """People beyond the demo directory, as their org.employee-changed.v1 events would project them: (id, manager, team, role)."""
    assert feedback.runtime.db is not None
    async with feedback.runtime.db.transaction() as conn:
        for person_id, manager, team, role in people:
            employee = org_pb2.Employee(id=person_id, name=person_id, email=f"{person_id}@paars.example", manager_id=manager, team_id=team, roles=[role], active=True, version=1)
            await directory.apply_employee_changed(conn, org_pb2.EmployeeChanged(employee=employee))


async def _world(feedback: Feedback) -> tuple[dict[int, str], str]:  # noqa: F811
    await add_people(
        feedback, ("adm", "boss", "org", org_pb2.ROLE_ADMIN), ("zoe", "boss", "team-b", org_pb2.ROLE_EMPLOYEE),
        ("hr2", "boss", "team-b", org_pb2.ROLE_HR),
    )
    s = feedback.stub
    items: dict[int, str] = {}
    for visibility in VISIBILITIES:
        kind = pb.FEEDBACK_KIND_PRAISE if visibility == PUBLIC else pb.FEEDBACK_KIND_CONSTRUCTIVE
        examples = [] if kind == pb.FEEDBACK_KIND_PRAISE else [pb.Example(situation="Sprintdemo", behaviour="Onderbrak klanten", impact="Klant haakte af")]
        given = await s.GiveFeedback(  # type: ignore[attr-defined]
            pb.GiveFeedbackRequest(receiver_id="ann", kind=kind, relation=pb.RELATION_PEER, text=MARKER[visibility], examples=examples, visibility=visibility, tags=["klantgericht"]),
            metadata=auth("bob"),
        )
        items[visibility] = given.id
    await s.AssignCoach(pb.AssignCoachRequest(employee_id="ann", coach_id="cas"), metadata=auth("hr1", "hr"))  # type: ignore[attr-defined]
    await s.ShareWithCoach(pb.ShareWithCoachRequest(feedback_id=items[PRIVATE]), metadata=auth("ann"))  # type: ignore[attr-defined]
    for visibility in (PRIVATE, RAM, PUBLIC):
        await s.AcknowledgeFeedback(pb.AcknowledgeFeedbackRequest(feedback_id=items[visibility], note=f"dank-{MARKER[visibility]}"), metadata=auth("ann"))  # type: ignore[attr-defined]
    review = (await s.OpenReviewCycle(a_cycle(["ann"]), metadata=auth("hr1", "hr"))).reviews[0]  # type: ignore[attr-defined]
    await s.NominateRaters(pb.NominateRatersRequest(review_id=review.id, rater_ids=["bob", "cas"]), metadata=auth("ann"))  # type: ignore[attr-defined]
    await s.ApproveRaters(pb.ApproveRatersRequest(review_id=review.id), metadata=auth("mgr", "manager"))  # type: ignore[attr-defined]
    for peer in ("bob", "cas"):
        await s.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(2, 2, f"{PEER_SECRET}-{peer}"), comment=f"{PEER_SECRET} van {peer}"), metadata=auth(peer))  # type: ignore[attr-defined]
    await s.SubmitReviewResponse(pb.SubmitReviewResponseRequest(review_id=review.id, ratings=ratings(4, 4), comment="manager-commentaar"), metadata=auth("mgr", "manager"))  # type: ignore[attr-defined]
    await s.SubmitSelfAssessment(pb.SubmitSelfAssessmentRequest(review_id=review.id, ratings=ratings(5, 3)), metadata=auth("ann"))  # type: ignore[attr-defined]
    await s.CloseReviewCycle(pb.CloseReviewCycleRequest(review_id=review.id), metadata=auth("hr1", "hr"))  # type: ignore[attr-defined]
    await s.ShareWithCoach(pb.ShareWithCoachRequest(review_id=review.id), metadata=auth("ann"))  # type: ignore[attr-defined]
    return items, review.id


def _leaks(text: str, allowed: set[int]) -> list[str]:
    return [MARKER[v] for v in VISIBILITIES if v not in allowed and MARKER[v] in text]


async def test_every_role_sees_exactly_what_each_visibility_allows_on_every_read_path(feedback: Feedback) -> None:  # noqa: F811
    stub = feedback.stub
    items, review_id = await _world(feedback)
    leaks: list[str] = []
    for reader, expected in EXPECTED.items():
        with_text = {v for v, level in expected.items() if level == "full"}
        listed = {v for v, level in expected.items() if level in ("full", "item")}
        counted = {v for v, level in expected.items() if level != "none"}
        giver_seen = {v for v in listed if v != ANON or reader == "author"}
        # GetFeedback, item by item.
        for visibility, feedback_id in items.items():
            try:
                got = await stub.GetFeedback(pb.GetFeedbackRequest(feedback_id=feedback_id), metadata=md(reader))
            except grpc.aio.AioRpcError as err:
                expected_code = grpc.StatusCode.UNAUTHENTICATED if READERS[reader] is None else grpc.StatusCode.PERMISSION_DENIED
                if visibility in listed or err.code() != expected_code:
                    leaks.append(f"{reader}/GetFeedback/{visibility}: {err.code()}")
                continue
            if visibility not in listed:
                leaks.append(f"{reader}/GetFeedback/{visibility}: readable")
            if (got.text == MARKER[visibility]) != (visibility in with_text):
                leaks.append(f"{reader}/GetFeedback/{visibility}: text {got.text!r}")
            if (got.giver_id == "bob") != (visibility in giver_seen):
                leaks.append(f"{reader}/GetFeedback/{visibility}: giver {got.giver_id!r}")
            leaks += [f"{reader}/GetFeedback/{m}" for m in _leaks(str(got), with_text)]
        # ListFeedback by receiver, and by giver (which must not unmask an anonymous giver).
        for path, request in (("ListFeedback(receiver)", pb.ListFeedbackRequest(receiver_id="ann")), ("ListFeedback(giver)", pb.ListFeedbackRequest(giver_id="bob"))):
            try:
                page = await stub.ListFeedback(request, metadata=md(reader))
            except grpc.aio.AioRpcError as err:
                if READERS[reader] is not None or err.code() != grpc.StatusCode.UNAUTHENTICATED:
                    leaks.append(f"{reader}/{path}: {err.code()}")
                continue
            shown = {f.visibility for f in page.feedback}
            want = listed if path == "ListFeedback(receiver)" else giver_seen
            if shown != want:
                leaks.append(f"{reader}/{path}: shows {sorted(shown)} not {sorted(want)}")
            for item in page.feedback:
                if item.giver_id and item.visibility not in giver_seen:
                    leaks.append(f"{reader}/{path}: giver of {item.visibility}")
            leaks += [f"{reader}/{path}/{m}" for m in _leaks(str(page), with_text)]
        # Counts and averages only.
        try:
            summary = await stub.GetFeedbackSummary(pb.GetFeedbackSummaryRequest(employee_id="ann"), metadata=md(reader))
            if summary.total != len(counted) or summary.anonymous != (1 if ANON in counted else 0):
                leaks.append(f"{reader}/GetFeedbackSummary: total {summary.total}, anonymous {summary.anonymous}")
        except grpc.aio.AioRpcError as err:
            if READERS[reader] is not None or err.code() != grpc.StatusCode.UNAUTHENTICATED:
                leaks.append(f"{reader}/GetFeedbackSummary: {err.code()}")
        # The 360 report and the gap report.
        for path, call in (
            ("GetReviewReport", stub.GetReviewReport(pb.GetReviewReportRequest(review_id=review_id), metadata=md(reader))),
            ("GetGapReport", stub.GetGapReport(pb.GetGapReportRequest(employee_id="ann", review_id=review_id), metadata=md(reader))),
        ):
            try:
                report = await call
            except grpc.aio.AioRpcError as err:
                gap_allowed = REPORT_READERS.get(reader) == "comments"
                if (reader in REPORT_READERS and (path == "GetReviewReport" or gap_allowed)) or err.code() not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
                    leaks.append(f"{reader}/{path}: {err.code()}")
                continue
            if reader not in REPORT_READERS:
                leaks.append(f"{reader}/{path}: readable")
            text = str(report)
            if PEER_SECRET in text or "bob" in text or "cas" in text:
                leaks.append(f"{reader}/{path}: peer answers or rater identity")
            if path == "GetReviewReport":
                groups = {g.group for g in report.groups}
                if pb.RATER_GROUP_PEERS in groups or pb.RATER_GROUP_OTHERS in groups:
                    leaks.append(f"{reader}/{path}: peer group shown")
                if ("manager-commentaar" in text) != (REPORT_READERS.get(reader) == "comments"):
                    leaks.append(f"{reader}/{path}: comments")
    assert leaks == [], "\n".join(leaks)

    # Events, read by an independent Kafka client: what a subscribing system may see, no more.
    ids = set(items.values())

    def given(records: list) -> list:
        return [e for e in decoded(records) if e.feedback_id in ids]

    # Decrypted as a subscribing system with the services' key access reads them (the personal fields travel
    # encrypted per person: docs/events.md); what it sees must still follow each visibility.
    events = await plaintext(given(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-given.v1", until=lambda rs: len(given(rs)) >= 4)))
    system = EXPECTED["subscribing system"]
    for event in events:
        assert (event.text == MARKER[event.visibility]) == (system[event.visibility] == "full")
        assert _leaks(str(event), {v for v, level in system.items() if level == "full"}) == []
        assert (event.giver_id == "bob") == (event.visibility != ANON)
        assert (event.metadata.actor_id == "bob") == (event.visibility != ANON)
    acks = await plaintext(given(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-acknowledged.v1", until=lambda rs: len(given(rs)) >= 3)))
    assert all("dank-" not in str(e) for e in acks)

    def reviewed(records: list) -> list:
        return [r for r in records if any(e.review.id == review_id for e in decoded([r]))]

    records = reviewed(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.review-updated.v1", until=lambda rs: any(e.change == pb.ReviewUpdated.CHANGE_CLOSED for e in decoded(reviewed(rs)))))
    for record in records:
        assert PEER_SECRET.encode() not in record.value and b"manager-commentaar" not in record.value
        assert b"bob" not in record.value and b"cas" not in record.value
        assert pb.RATER_GROUP_PEERS not in {g.group for g in decoded([record])[0].results}

    # The read audit: the receiver sees who read content about them; nobody else may.
    reads = await stub.ListReads(pb.ListReadsRequest(), metadata=auth("ann"))
    readers = {r.reader_id for r in reads.reads}
    assert {"bob", "mgr", "boss", "hr1", "cas", "adm", "zoe", "crm-sync", "paars-feedback-events"} <= readers
    assert "ann" not in readers
    # The author read their anonymous item back on every path above: no record says so (it would name the giver).
    assert items[ANON] not in {r.feedback_id for r in reads.reads}
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListReads(pb.ListReadsRequest(employee_id="ann"), metadata=auth("mgr", "manager"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_an_anonymous_answer_to_a_request_cannot_be_linked_to_its_giver_on_any_path(feedback: Feedback) -> None:  # noqa: F811
    """Ann asks Bob and Cas; Bob answers anonymously, Cas does not answer. To everyone but Bob, Bob's request
    looks exactly like Cas's, in the API and on the broker; the answer carries no request, relation or giver."""
    stub = feedback.stub
    due = (TODAY + dt.timedelta(days=7)).isoformat()
    asked = {
        person: (await stub.RequestFeedback(pb.RequestFeedbackRequest(recipient_id=person, question="Hoe was mijn demo?", due_date=due, relation=pb.RELATION_PEER), metadata=auth("ann"))).request
        for person in ("bob", "cas")
    }
    answer = await stub.GiveFeedback(
        pb.GiveFeedbackRequest(request_id=asked["bob"].id, kind=pb.FEEDBACK_KIND_SUGGESTION, relation=pb.RELATION_PEER, text=MARKER[ANON], visibility=ANON),
        metadata=auth("bob"),
    )
    assert answer.receiver_id == "ann" and answer.request_id == ""
    leaks: list[str] = []

    def comparable(request: pb.FeedbackRequest) -> tuple:
        return (request.state, request.answered_feedback_id, request.decline_reason, request.relation, request.expires_at.seconds)

    # (a) The requests, as the subject and requester and as HR see them: Bob's is as open as Cas's.
    for reader, listing in (("ann", pb.ListFeedbackRequestsRequest()), ("ann", pb.ListFeedbackRequestsRequest(requester_id="ann")), ("hr1", pb.ListFeedbackRequestsRequest(requester_id="ann"))):
        shown = {r.id: r for r in (await stub.ListFeedbackRequests(listing, metadata=auth(reader))).requests}
        if comparable(shown[asked["bob"].id]) != comparable(shown[asked["cas"].id]):
            leaks.append(f"{reader}/ListFeedbackRequests: {shown[asked['bob'].id]}")
        if answer.id in str(shown):
            leaks.append(f"{reader}/ListFeedbackRequests: names the answer")
    # Only Bob learns that he answered it, and he cannot answer it twice.
    mine = {r.id: r for r in (await stub.ListFeedbackRequests(pb.ListFeedbackRequestsRequest(recipient_id="bob"), metadata=auth("bob"))).requests}
    assert mine[asked["bob"].id].state == pb.FeedbackRequest.STATE_ANSWERED and mine[asked["bob"].id].answered_feedback_id == ""
    with pytest.raises(grpc.aio.AioRpcError) as again:
        await stub.GiveFeedback(pb.GiveFeedbackRequest(request_id=asked["bob"].id, kind=pb.FEEDBACK_KIND_PRAISE, relation=pb.RELATION_PEER, text="nog eens"), metadata=auth("bob"))
    assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    # Withdrawing it works for Ann exactly as it would for an unanswered request.
    revoked = await stub.RevokeLink(pb.RevokeLinkRequest(request_id=asked["bob"].id), metadata=auth("ann"))
    assert revoked.state == pb.LINK_STATE_REVOKED
    # The subscribing system's listing of the anonymous item: no giver, relation or request.
    listed = {f.id: f for f in (await stub.ListFeedback(pb.ListFeedbackRequest(receiver_id="ann"), metadata=auth("crm-sync", "system"))).feedback}
    item = listed[answer.id]
    if item.giver_id or item.relation != pb.RELATION_UNSPECIFIED or item.request_id:
        leaks.append(f"system/ListFeedback: {item}")
    # The read audit names no one who read the anonymous answer (its author read it back when giving it).
    await stub.GetFeedback(pb.GetFeedbackRequest(feedback_id=answer.id), metadata=auth("bob"))
    if answer.id in {r.feedback_id for r in (await stub.ListReads(pb.ListReadsRequest(), metadata=auth("ann"))).reads}:
        leaks.append("ListReads: a read of the anonymous answer")
    assert leaks == [], "\n".join(leaks)

    # (b) The broker: the answer's event names no request, relation, giver or actor ...
    given = [e for e in decoded(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-given.v1", until=lambda rs: any(e.feedback_id == answer.id for e in decoded(rs)))) if e.feedback_id == answer.id]
    assert len(given) == 1
    event = given[0]
    assert (event.request_id, event.giver_id, event.metadata.actor_id, event.relation) == ("", "", "", pb.RELATION_UNSPECIFIED)
    assert b"bob" not in event.SerializeToString()

    # ... and no request event pairs with it: Bob's request has the same history as Cas's (opened, then Ann's
    # withdrawal only for Bob's), none is ANSWERED, none carries the answer's moment or names Bob as actor.
    def about(records: list) -> list:
        return [e for e in decoded(records) if e.request_id in {asked["bob"].id, asked["cas"].id}]

    requested = about(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.feedback-requested.v1", until=lambda rs: len(about(rs)) >= 3))
    history = {key: [e.state for e in requested if e.request_id == asked[key].id] for key in ("bob", "cas")}
    assert history == {"bob": [pb.FeedbackRequest.STATE_OPEN, pb.FeedbackRequest.STATE_REVOKED], "cas": [pb.FeedbackRequest.STATE_OPEN]}
    assert all(e.metadata.actor_id != "bob" for e in requested)
    assert all(e.metadata.occurred_at != event.metadata.occurred_at for e in requested)


# Referrals: who reads them (ListReferrals) and who moves them on (AcknowledgeReferral, CloseReferral), written out by hand.
REFERRAL_READERS = {"receiver", "hr"}
REFERRAL_HANDLERS = {"hr"}
REFERRAL_NOTE = "DOORVERWIJZING-notitie-4417"


async def test_referrals_are_read_by_hr_and_the_person_and_moved_on_by_hr_only_on_every_path(feedback: Feedback) -> None:  # noqa: F811
    await add_people(feedback, ("adm", "boss", "org", org_pb2.ROLE_ADMIN), ("zoe", "boss", "team-b", org_pb2.ROLE_EMPLOYEE), ("hr2", "boss", "team-b", org_pb2.ROLE_HR))
    stub = feedback.stub
    await stub.AssignCoach(pb.AssignCoachRequest(employee_id="ann", coach_id="cas"), metadata=auth("hr1", "hr"))
    raised = await stub.RaiseReferral(pb.RaiseReferralRequest(employee_id="ann", note=REFERRAL_NOTE), metadata=auth("mgr", "manager"))
    leaks: list[str] = []

    def refused(reader: str, path: str, err: grpc.aio.AioRpcError) -> None:
        expected = grpc.StatusCode.UNAUTHENTICATED if READERS[reader] is None else grpc.StatusCode.PERMISSION_DENIED
        if err.code() != expected:
            leaks.append(f"{reader}/{path}: {err.code()}")

    async def list_as(reader: str, state: int) -> None:
        try:
            listed = await stub.ListReferrals(pb.ListReferralsRequest(employee_id="ann"), metadata=md(reader))
        except grpc.aio.AioRpcError as err:
            if reader in REFERRAL_READERS:
                leaks.append(f"{reader}/ListReferrals: {err.code()}")
            refused(reader, "ListReferrals", err)
            return
        if reader not in REFERRAL_READERS:
            leaks.append(f"{reader}/ListReferrals: readable")
        if [(r.id, r.note, r.state) for r in listed.referrals] != [(raised.referral_id, REFERRAL_NOTE, state)]:
            leaks.append(f"{reader}/ListReferrals: {listed}")

    for step, state in (("AcknowledgeReferral", pb.Referral.STATE_ACKNOWLEDGED), ("CloseReferral", pb.Referral.STATE_CLOSED)):
        before = pb.Referral.STATE_RAISED if step == "AcknowledgeReferral" else pb.Referral.STATE_ACKNOWLEDGED
        for reader in READERS:
            await list_as(reader, before)
        # Everyone but HR first (each refused, nothing moves), then HR.
        for reader in sorted(READERS, key=lambda r: r in REFERRAL_HANDLERS):
            call = stub.AcknowledgeReferral if step == "AcknowledgeReferral" else stub.CloseReferral
            request = (pb.AcknowledgeReferralRequest if step == "AcknowledgeReferral" else pb.CloseReferralRequest)(referral_id=raised.referral_id)
            try:
                moved = await call(request, metadata=md(reader))
            except grpc.aio.AioRpcError as err:
                if reader in REFERRAL_HANDLERS:
                    leaks.append(f"{reader}/{step}: {err.code()}")
                refused(reader, step, err)
                continue
            if reader not in REFERRAL_HANDLERS:
                leaks.append(f"{reader}/{step}: allowed")
            if (moved.state, moved.handled_by, moved.note) != (state, "hr1", ""):
                leaks.append(f"{reader}/{step}: answered {moved}")
    for reader in READERS:
        await list_as(reader, pb.Referral.STATE_CLOSED)
    assert leaks == [], "\n".join(leaks)

    # The events: the id and the state, the person as subject, no note, no actor, no raiser.
    def ours(records: list) -> list:
        return [r for r in records if any(e.referral_id == raised.referral_id for e in decoded([r]))]

    records = ours(await asyncio.to_thread(read_topic, feedback.bootstrap, "feedback.referral-updated.v1", until=lambda rs: len(ours(rs)) >= 2))
    assert [e.state for e in decoded(records)] == [pb.Referral.STATE_ACKNOWLEDGED, pb.Referral.STATE_CLOSED]
    for record, event in zip(records, decoded(records), strict=True):
        assert (event.metadata.subject_id, event.metadata.actor_id, event.metadata.visibility) == ("ann", "", event_pb2.VISIBILITY_HR_ONLY)
        assert REFERRAL_NOTE.encode() not in record.value and b"mgr" not in record.value and b"hr1" not in record.value
    # The read audit: HR's reads of the note are written down, for the person to see; the moves read no note.
    reads = await stub.ListReads(pb.ListReadsRequest(), metadata=auth("ann"))
    assert {(r.reader_id, r.path) for r in reads.reads} == {("hr1", "ListReferrals")}
