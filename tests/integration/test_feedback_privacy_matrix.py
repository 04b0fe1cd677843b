"""Every reader role x every visibility x every read path (get, lists, summary, events, 360 and gap reports): zero leaks."""
from __future__ import annotations

import asyncio

import grpc
import pytest
from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb

from tests.helpers import auth, decoded, read_topic
from tests.integration.test_feedback_service import Feedback, a_cycle, feedback, ratings  # noqa: F401  (fixture)

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


async def _world(stub: object) -> tuple[dict[int, str], str]:
    s = stub
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


async def test_every_role_sees_exactly_what_each_visibility_allows_on_every_read_path(feedback: Feedback, kafka_bootstrap: str) -> None:  # noqa: F811
    stub = feedback.stub
    items, review_id = await _world(stub)
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
    assert leaks == []

    # Events, read by an independent Kafka client: what a subscribing system may see, no more.
    ids = set(items.values())

    def given(records: list) -> list:
        return [e for e in decoded(records) if e.feedback_id in ids]

    events = given(await asyncio.to_thread(read_topic, kafka_bootstrap, "feedback.feedback-given.v1", until=lambda rs: len(given(rs)) >= 4))
    system = EXPECTED["subscribing system"]
    for event in events:
        assert (event.text == MARKER[event.visibility]) == (system[event.visibility] == "full")
        assert _leaks(str(event), {v for v, level in system.items() if level == "full"}) == []
        assert (event.giver_id == "bob") == (event.visibility != ANON)
        assert (event.metadata.actor_id == "bob") == (event.visibility != ANON)
    acks = given(await asyncio.to_thread(read_topic, kafka_bootstrap, "feedback.feedback-acknowledged.v1", until=lambda rs: len(given(rs)) >= 3))
    assert all("dank-" not in str(e) for e in acks)

    def reviewed(records: list) -> list:
        return [r for r in records if any(e.review.id == review_id for e in decoded([r]))]

    records = reviewed(await asyncio.to_thread(read_topic, kafka_bootstrap, "feedback.review-updated.v1", until=lambda rs: any(e.change == pb.ReviewUpdated.CHANGE_CLOSED for e in decoded(reviewed(rs)))))
    for record in records:
        assert PEER_SECRET.encode() not in record.value and b"manager-commentaar" not in record.value
        assert b"bob" not in record.value and b"cas" not in record.value
        assert pb.RATER_GROUP_PEERS not in {g.group for g in decoded([record])[0].results}

    # The read audit: the receiver sees who read content about them; nobody else may.
    reads = await stub.ListReads(pb.ListReadsRequest(), metadata=auth("ann"))
    readers = {r.reader_id for r in reads.reads}
    assert {"bob", "mgr", "boss", "hr1", "cas", "adm", "zoe", "crm-sync", "paars-feedback-events"} <= readers
    assert "ann" not in readers
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListReads(pb.ListReadsRequest(employee_id="ann"), metadata=auth("mgr", "manager"))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
