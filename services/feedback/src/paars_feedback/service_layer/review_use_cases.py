"""A 360's lifecycle as handlers (command, unit of work, config) run by the message bus: open it, nominate colleagues,
approve them, invite customers, answer it, close it, and the person's self-assessment; the rules are
domain/review.py's. The reviews a person takes part in (ListReviews) and the 360 and gap reports are queries here."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.config import FeedbackConfig
from paars_feedback.domain import anonymity, gap
from paars_feedback.domain.feedback import ReadRecord
from paars_feedback.domain.links import refuse_closed
from paars_feedback.domain.privacy import Reader, ReportView, is_hr_for, report_view
from paars_feedback.domain.review import (
    CLOSED,
    ExternalRater,
    GapSeen,
    InvitationMade,
    Rating,
    ReportSeen,
    ResponseSubmitted,
    Review,
    ReviewChanged,
    ReviewEntry,
    ReviewResponse,
    ReviewsOpened,
    SelfAssessed,
    SelfAssessment,
    check_competencies,
    rater_group,
)
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer.common import Read, audited_reads, link_expiry, new_link_token, rater_hash, reader_of, token_hash
from paars_feedback.service_layer.unit_of_work import UnitOfWork
from paars_platform.auth import Identity
from paars_platform.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied

# How far down the team tree a manager's reviews are listed (organisation -> team -> individual, with room).
CHAIN_DEPTH = 10


async def _review(uow: UnitOfWork, review_id: str) -> Review:
    review = await uow.reviews.get(review_id)
    if review is None:
        raise NotFound(f"review_id: review {review_id!r} not found")
    return review


async def _leads(uow: UnitOfWork, caller: Identity, subject_id: str) -> bool:
    """One of the person's managers, or HR in scope."""
    reader = reader_of(caller)
    ties = await uow.directory.ties(reader, subject_id)
    return ties.in_manager_chain or (reader.has("hr") and is_hr_for(reader, ties))


async def _changed(uow: UnitOfWork, review: Review, change: int, actor: str) -> None:
    uow.add_events(ReviewChanged.of(review, change, actor, uow.clock(), await uow.reviews.answers(review.id)))


async def open_review_cycle(command: c.OpenReviewCycle, uow: UnitOfWork, config: FeedbackConfig) -> ReviewsOpened:
    me = command.caller.employee_id
    opened = []
    for i, subject in enumerate(command.subject_ids):
        if await uow.directory.person(subject) is None:
            raise NotFound(f"subject_ids[{i}]: employee {subject!r} not found")
        if not await _leads(uow, command.caller, subject):
            raise PermissionDenied(f"subject_ids[{i}]: HR, or one of the person's managers, opens their review")
        review = Review.open(
            uuid.uuid4().hex, cycle_name=command.cycle_name, subject_id=subject, opened_by=me, manager_id=await uow.directory.manager_of(subject),
            rater_groups=command.rater_groups, questions=command.questions, threshold=command.anonymity_threshold or config.anonymity_k,
            due=command.due, now=uow.clock(), field=f"subject_ids[{i}]",
        )
        await uow.reviews.add(review)
        if anonymity.REPORTS in review.rater_groups:
            # The person's reports rate them: they come from the directory, approved as they are.
            await uow.reviews.add_raters(review.id, await uow.directory.direct_reports(subject), anonymity.REPORTS, approved=True, nominated_by=me)
        await _changed(uow, review, pb.ReviewUpdated.CHANGE_OPENED, me)
        opened.append(review)
    return ReviewsOpened(tuple(opened))


async def nominate_raters(command: c.NominateRaters, uow: UnitOfWork, config: FeedbackConfig) -> Review:
    me = command.caller.employee_id
    review = await _review(uow, command.review_id)
    if me != review.subject_id:
        reader = reader_of(command.caller)
        if not (reader.has("hr") and is_hr_for(reader, await uow.directory.ties(reader, review.subject_id))):
            raise PermissionDenied("the person nominates their own peers")
    review.check_open()
    for i, rater in enumerate(command.rater_ids):
        if await uow.directory.person(rater) is None:
            raise NotFound(f"rater_ids[{i}]: employee {rater!r} not found")
        review.check_nominee(rater, f"rater_ids[{i}]")
    await uow.reviews.add_raters(review.id, command.rater_ids, anonymity.PEERS, approved=False, nominated_by=me)
    await _changed(uow, review, pb.ReviewUpdated.CHANGE_RATERS_NOMINATED, me)
    return review


async def approve_raters(command: c.ApproveRaters, uow: UnitOfWork, config: FeedbackConfig) -> Review:
    me = command.caller.employee_id
    review = await _review(uow, command.review_id)
    if not await _leads(uow, command.caller, review.subject_id):
        raise PermissionDenied("the person's manager approves their peers")
    review.check_open()
    nominated = await uow.reviews.nominated(review.id)
    for i, rater in enumerate(command.rater_ids):
        if rater not in nominated:
            raise InvalidArgument(f"rater_ids[{i}]", "was not nominated for this review")
    await uow.reviews.approve(review.id, list(command.rater_ids) or sorted(nominated))
    approved = review.approved(uow.clock())
    await uow.reviews.save(approved)
    await _changed(uow, approved, pb.ReviewUpdated.CHANGE_RATERS_APPROVED, me)
    return approved


async def close_review_cycle(command: c.CloseReviewCycle, uow: UnitOfWork, config: FeedbackConfig) -> Review:
    me = command.caller.employee_id
    review = await _review(uow, command.review_id)
    if me != review.opened_by and not await _leads(uow, command.caller, review.subject_id):
        raise PermissionDenied("whoever opened the review, the person's managers or HR close it")
    closed = review.closed(uow.clock())
    await uow.reviews.save(closed)
    await _changed(uow, closed, pb.ReviewUpdated.CHANGE_CLOSED, me)
    return closed


async def invite_external_rater(command: c.InviteExternalRater, uow: UnitOfWork, config: FeedbackConfig) -> InvitationMade:
    me = command.caller.employee_id
    review = await _review(uow, command.review_id)
    if me != review.subject_id and not await _leads(uow, command.caller, review.subject_id):
        raise PermissionDenied("the person, their managers or HR invite customers")
    if review.state == CLOSED:
        raise FailedPrecondition("review_id: the review is closed")
    if anonymity.CUSTOMERS not in review.rater_groups:
        raise FailedPrecondition("review_id: this review asks no customers")
    now = uow.clock()
    token = new_link_token()
    rater = ExternalRater(
        uuid.uuid4().hex, review.id, command.name.strip(), command.email.strip().lower(), token_hash(token), now,
        link_expiry(review.due_date, now, config.link_max_days),
    )
    await uow.invitations.add(rater)
    return InvitationMade(rater.id, rater.expires_at, token)


async def reissue_invitation_link(command: c.ReissueInvitationLink, uow: UnitOfWork, config: FeedbackConfig) -> InvitationMade:
    token = new_link_token()
    if await uow.invitations.reissue(command.invitation.invitation_id, token_hash(token), uow.clock()):
        return InvitationMade(command.invitation.invitation_id, command.invitation.expires_at, token)
    return command.invitation


async def submit_review_response(command: c.SubmitReviewResponse, uow: UnitOfWork, config: FeedbackConfig) -> ResponseSubmitted:
    now = uow.clock()
    group: int
    if command.external:
        invitation = await uow.invitations.by_token(command.token_hash)
        if invitation is None:
            raise PermissionDenied("external_token: this link is not valid")
        if command.review_id and command.review_id != invitation.review_id:
            raise InvalidArgument("review_id", "does not match the link")
        review = await _review(uow, invitation.review_id)
        refuse_closed(invitation.link_state(now), invitation.expires_at)  # type: ignore[arg-type]
        group, rater = anonymity.CUSTOMERS, f"invitation:{invitation.id}"
        invitation.used_at = now
        await uow.invitations.save(invitation)
    else:
        review = await _review(uow, command.review_id)
        rater = command.caller.employee_id
        group = rater_group(review, rater, await uow.reviews.nomination(review.id, rater))
    review.check_open()
    check_competencies(review, command.ratings)
    response = ReviewResponse(
        uuid.uuid4().hex, review.id, group, rater_hash(review.id, rater),
        tuple(Rating(r.competency, r.score, r.comment.strip()) for r in command.ratings), command.comment.strip(), now,
    )
    if not await uow.reviews.add_response(response):
        raise AlreadyExists("review_id: you already answered this review")
    # No actor: the time of an answer must not say whose it was.
    await _changed(uow, review, pb.ReviewUpdated.CHANGE_RESPONSE_RECEIVED, "")
    return ResponseSubmitted(response.id)


async def _below(uow: UnitOfWork, manager_id: str) -> set[str]:
    """Everyone below the manager, as far down as CHAIN_DEPTH levels (the report's own rule, the manager chain)."""
    below: set[str] = set()
    level = set(await uow.directory.direct_reports(manager_id))
    for _ in range(CHAIN_DEPTH):
        level -= below | {manager_id}
        if not level:
            break
        below |= level
        level = {r for person in sorted(level) for r in await uow.directory.direct_reports(person)}
    return below


async def list_reviews(query: c.ListReviews, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[list[ReviewEntry]]:
    me = query.caller.employee_id
    rated = await uow.reviews.rated_by(me)
    below = await _below(uow, me)
    # HR reads the reviews of the people in their scope: the teams they cover bound the search in SQL.
    hr_teams = await uow.directory.hr_teams(me) if reader_of(query.caller).has("hr") else []
    found = await uow.reviews.listed(me, sorted(rated), sorted(below), hr_teams)
    shown = []
    for listed in found:
        review = listed.review
        lead = review.manager_id == me or review.opened_by == me or review.subject_id in below or listed.in_hr_scope
        if not (lead or review.subject_id == me or review.id in rated):
            continue
        group, awaiting = 0, False
        if review.subject_id == me:
            group = anonymity.SELF if anonymity.SELF in review.rater_groups else group
        elif review.manager_id == me and anonymity.MANAGER in review.rater_groups:
            group = anonymity.MANAGER
        elif review.id in rated:
            group, approved = rated[review.id]
            awaiting = not approved
        shown.append(ReviewEntry(review, subject=review.subject_id == me, lead=lead, my_group=group, awaiting_approval=awaiting))
    overseen = [e.review.id for e in shown if e.subject or e.lead]
    nominations = await uow.reviews.nominations(overseen) if overseen else {}
    counts = await uow.reviews.answer_counts(overseen) if overseen else {}
    rating = {e.review.id: rater_hash(e.review.id, me) for e in shown if e.my_group}
    answered = await uow.reviews.answered(rating) if rating else set()
    entries = [
        replace(
            e, answered=e.review.id in answered, nominations=tuple(nominations.get(e.review.id, ())),
            responses_received=counts.get(e.review.id, 0),
        )
        for e in shown
    ]
    return c.Answered(entries)


async def submit_self_assessment(command: c.SubmitSelfAssessment, uow: UnitOfWork, config: FeedbackConfig) -> SelfAssessment:
    me = command.caller.employee_id
    if await uow.directory.person(me) is None:
        raise NotFound(f"employee_id: employee {me!r} not found")
    if command.review_id:
        review = await _review(uow, command.review_id)
        if review.subject_id != me:
            raise PermissionDenied("review_id: a self-assessment belongs to your own review")
        check_competencies(review, command.ratings)
    assessment = SelfAssessment(
        uuid.uuid4().hex, me, command.review_id or None, tuple(Rating(r.competency, r.score, r.comment.strip()) for r in command.ratings),
        command.reflection.strip(), uow.clock(),
    )
    await uow.reviews.add_self_assessment(assessment)
    uow.add_events(SelfAssessed(assessment))
    return assessment


def audit(reader: Reader, read: Read, path: str, now: dt.datetime) -> tuple[c.Command[int], ...]:
    """The read audit's line for a report shown (none for a person reading about themselves)."""
    lines = tuple(ReadRecord(r.subject_id, reader.employee_id, r.basis, r.item_id, path, now) for r in audited_reads(reader, [read]))
    return (c.RecordReads(c.SERVICE_CALLER, c.RequestKey(), lines),) if lines else ()


def _folded(review: Review, answers: list[anonymity.Answer]) -> anonymity.Folded:
    """Anonymous groups show only once the cycle is closed, so nobody can difference two snapshots."""
    return anonymity.fold(answers, review.anonymity_threshold, include_anonymous=review.state == CLOSED)


async def report_for(uow: UnitOfWork, reader: Reader, review: Review) -> tuple[ReportView, ReportSeen | None]:
    """The 360 report as the reader may see it on their own (None: not at all)."""
    view = report_view(reader, await uow.directory.ties(reader, review.subject_id, share=("review", review.id)))
    if not view.aggregates:
        return view, None
    folded = _folded(review, await uow.reviews.answers(review.id))
    return view, ReportSeen(review, folded if view.comments else anonymity.without_comments(folded))


async def gap_for(uow: UnitOfWork, employee: str, review: Review | None) -> GapSeen:
    """Self against others per competency: the latest self-assessment for the review (or any), else the person's own
    answer in the review, against every group the folded report shows."""
    answers = await uow.reviews.answers(review.id) if review is not None else []
    mine = await uow.reviews.self_ratings(employee, review.id if review is not None else None)
    if mine is None and review is not None:
        own = [a for a in answers if a.group == anonymity.SELF]
        mine = {competency: float(score) for competency, score in own[0].ratings.items()} if own else None
    competencies = [competency for competency, _ in review.questions] if review is not None else sorted(mine or {})
    folded = _folded(review, answers) if review is not None else anonymity.Folded(())
    return GapSeen(employee, tuple(gap.gap_report(competencies, mine, folded)))


async def get_review_report(query: c.GetReviewReport, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[ReportSeen]:
    review = await _review(uow, query.review_id)
    reader = reader_of(query.caller)
    view, seen = await report_for(uow, reader, review)
    if seen is None:
        raise PermissionDenied("a 360 report is for the person, their managers, HR and a coach they shared it with")
    return c.Answered(seen, audit(reader, Read(review.subject_id, review.id, view.basis), "GetReviewReport", uow.clock()))


async def get_gap_report(query: c.GetGapReport, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[GapSeen]:
    employee = query.subject
    if await uow.directory.person(employee) is None:
        raise NotFound(f"employee_id: employee {employee!r} not found")
    review: Review | None
    if query.review_id:
        review = await _review(uow, query.review_id)
        if review.subject_id != employee:
            raise InvalidArgument("review_id", "is the review of someone else")
    else:
        review = await uow.reviews.latest_of(employee)
    reader = reader_of(query.caller)
    view = report_view(reader, await uow.directory.ties(reader, employee, share=("review", review.id) if review is not None else None))
    if not view.comments:
        raise PermissionDenied("a gap report is for the person, their managers, HR and a coach they shared the review with")
    seen = await gap_for(uow, employee, review)
    return c.Answered(seen, audit(reader, Read(employee, review.id if review is not None else employee, view.basis), "GetGapReport", uow.clock()))
