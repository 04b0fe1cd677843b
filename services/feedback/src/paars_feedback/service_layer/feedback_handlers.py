"""Feedback use cases besides giving, acknowledging and declining (item_handlers.py): reading and counting
feedback, seeking it (requests and their links), coaches, referrals and the read audit.

Each handler takes a command (or query), a unit of work and what the organisation allows, and holds the rules
of its use case only (the shape docs/architecture.md describes): SQL is in adapters/repository.py, protobuf in
entrypoints/ and adapters/protobuf.py, running them in service_layer/messagebus.py. A query runs on a
read-only unit of work; what its reading leaves to do (a line in the read audit, marking overdue requests
expired) it hands back as commands (commands.Answered), which the bus runs after the read."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.config import FeedbackConfig
from paars_feedback.domain import privacy
from paars_feedback.domain.feedback import (
    CoachAssigned,
    CoachShares,
    FeedbackPage,
    FeedbackRequest,
    FeedbackRequestChanged,
    FeedbackSummary,
    LinkInfo,
    LinkRevoked,
    ReadRecord,
    Referral,
    ReferralRaised,
    ReferralUpdated,
    RequestList,
    RequestMade,
    Shown,
)
from paars_feedback.domain.privacy import FeedbackView, Reader, Ties, feedback_view, is_hr_for
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer import links
from paars_feedback.service_layer.common import Read, audited_reads, end_of_day, link_expiry, new_link_token, reader_of, token_hash
from paars_feedback.service_layer.unit_of_work import UnitOfWork
from paars_platform.errors import FailedPrecondition, NotFound, PermissionDenied

# The most requests a list shows, and the most overdue requests one sweep marks expired.
MAX_LISTED_REQUESTS = 500
MAX_READS = 1000


def _content_reads(reader: Reader, shown: list[Shown]) -> list[Read]:
    """Content reads go to the read audit, except an author rereading an anonymous item: that record
    would tell the receiver who wrote it."""
    return [
        Read(s.feedback.receiver_id, s.feedback.id, s.view.basis) for s in shown
        if s.view.content and not (s.feedback.anonymous and s.view.basis == "author")
    ]


def _audit(reader: Reader, reads: list[Read], path: str, now: dt.datetime) -> tuple[c.Command[int], ...]:
    """The read audit's lines for what was shown (none for a person reading what is about themselves)."""
    lines = tuple(ReadRecord(r.subject_id, reader.employee_id, r.basis, r.item_id, path, now) for r in audited_reads(reader, reads))
    return (c.RecordReads(c.SERVICE_CALLER, c.RequestKey(), lines),) if lines else ()


async def _hr_for(uow: UnitOfWork, reader: Reader, subject_id: str) -> bool:
    return reader.has("hr") and is_hr_for(reader, await uow.directory.ties(reader, subject_id))


async def _name_of(uow: UnitOfWork, employee_id: str) -> str:
    person = await uow.directory.person(employee_id)
    return person.name if person is not None else ""


# ---------- reading ----------


async def get_feedback(query: c.GetFeedback, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[Shown]:
    reader = reader_of(query.caller)
    item = await uow.feedback.get(query.feedback_id)
    if item is None:
        raise NotFound(f"feedback {query.feedback_id!r} not found")
    ties = await uow.directory.ties(reader, item.receiver_id, author_id=item.giver_id, share=("feedback", item.id))
    view = feedback_view(reader, ties, item.visibility)
    if not view.listed:
        if view.counted:
            raise PermissionDenied("this feedback is anonymous: only counts and averages are shown (GetFeedbackSummary)")
        raise PermissionDenied("this feedback is not yours to read")
    shown = Shown(item, view)
    return c.Answered(shown, _audit(reader, _content_reads(reader, [shown]), "GetFeedback", uow.clock()))


def _listed(view: FeedbackView) -> bool:
    return view.listed


async def list_feedback(query: c.ListFeedback, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[FeedbackPage]:
    reader = reader_of(query.caller)
    receivers = [query.receiver] if query.receiver else await uow.feedback.receivers_of(query.giver_id)
    # The reader's ties to each receiver: what the policy needs besides the per-item cases. An author listing
    # their own items needs none (authorship grants them everything).
    if reader.is_person and reader.employee_id == query.giver_id:
        ties = {r: Ties() for r in receivers}
    else:
        ties = {r: await uow.directory.ties(reader, r) for r in receivers}
    size = query.size
    # Filtering by giver must not reveal who gave an item whose giver the reader may not see.
    rows = await uow.feedback.page(reader, ties, with_giver=bool(query.giver_id), giver_id=query.giver_id, after=query.after, limit=size + 1)
    page = [
        Shown(item, feedback_view(reader, replace(ties[item.receiver_id], is_author=item.giver_id == reader.employee_id, shared_with_coach=shared), item.visibility))
        for item, shared in rows[:size]
    ]
    return c.Answered(FeedbackPage(tuple(page), len(rows) > size), _audit(reader, _content_reads(reader, page), "ListFeedback", uow.clock()))


async def get_feedback_summary(query: c.GetFeedbackSummary, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[FeedbackSummary]:
    reader = reader_of(query.caller)
    subject = query.subject
    if await uow.directory.person(subject) is None:
        raise NotFound(f"employee_id: employee {subject!r} not found")
    groups = await uow.feedback.summary(subject, reader, await uow.directory.ties(reader, subject))
    return c.Answered(FeedbackSummary.of(subject, groups))


async def list_reads(query: c.ListReads, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[list[ReadRecord]]:
    reader = reader_of(query.caller)
    if not privacy.reads_visible(reader, await uow.directory.ties(reader, query.subject)):
        raise PermissionDenied("who read someone's feedback is for that person (and HR) to see")
    return c.Answered(await uow.feedback.reads_of(query.subject, MAX_READS))


async def record_reads(command: c.RecordReads, uow: UnitOfWork, config: FeedbackConfig) -> int:
    await uow.feedback.record_reads(command.lines)
    return len(command.lines)


# ---------- seeking ----------


async def request_feedback(command: c.RequestFeedback, uow: UnitOfWork, config: FeedbackConfig) -> RequestMade:
    me, subject = command.caller.employee_id, command.subject
    reader = reader_of(command.caller)
    if await uow.directory.person(subject) is None:
        raise NotFound(f"subject_id: employee {subject!r} not found")
    if subject != me:
        ties = await uow.directory.ties(reader, subject)
        if not is_hr_for(reader, ties) and not ties.in_manager_chain:
            raise PermissionDenied("subject_id: you seek feedback about yourself (managers and HR also for their people)")
    if not command.external:
        recipient = await uow.directory.person(command.recipient_id)
        if recipient is None:
            raise NotFound(f"recipient_id: employee {command.recipient_id!r} not found")
        if not recipient.active:
            raise FailedPrecondition("recipient_id: the person is no longer active")
    now = uow.clock()
    due = command.due()
    # The token exists in clear nowhere but in this answer.
    token = new_link_token() if command.external else ""
    request = FeedbackRequest(
        id=uuid.uuid4().hex, requester_id=me, subject_id=subject, recipient_id=None if command.external else command.recipient_id,
        external_email=command.external_email.strip().lower(), external_name=command.external_name.strip(),
        token_hash=token_hash(token) if command.external else None, question=command.question.strip(), due_date=due,
        expires_at=link_expiry(due, now, config.link_max_days) if command.external else end_of_day(due),
        state=pb.FeedbackRequest.STATE_OPEN, answered_anonymously=False,
        relation=pb.RELATION_CUSTOMER if command.external else command.relation, decline_reason="",
        answered_feedback_id=None, created_at=now, updated_at=now,
    )
    await uow.requests.add(request)
    uow.add_events(FeedbackRequestChanged.of(request, me, now))
    return RequestMade(request, token)


async def reissue_request_link(command: c.ReissueRequestLink, uow: UnitOfWork, config: FeedbackConfig) -> RequestMade:
    request = await uow.requests.get(command.request_id)
    if request is None or request.requester_id != command.caller.employee_id:
        raise NotFound(f"request_id: feedback request {command.request_id!r} not found")
    token = new_link_token()
    if not request.reissue_token(token_hash(token), uow.clock()):
        return RequestMade(request)
    await uow.requests.save_token(request)
    return RequestMade(request, token)


async def list_feedback_requests(query: c.ListFeedbackRequests, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[RequestList]:
    me = query.caller.employee_id
    reader = reader_of(query.caller)
    for field in ("recipient_id", "requester_id"):
        value = getattr(query, field)
        if value and value != me and not await _hr_for(uow, reader, value):
            raise PermissionDenied(f"{field}: you list your own requests")
    now = uow.clock()
    requests = await uow.requests.listed(query.recipient_id, query.requester_id, me, MAX_LISTED_REQUESTS)
    # The list shows an overdue request as expired by itself (public_state); reading is one of the moments it is
    # marked so (the sweep is the other), and only a list that shows one pays for the write.
    overdue = tuple(r.id for r in requests if r.overdue(now))
    then = (c.ExpireOverdueRequests(c.SERVICE_CALLER, c.RequestKey(), overdue),) if overdue else ()
    return c.Answered(RequestList(tuple(requests), me, now), then)


async def expire_overdue_requests(command: c.ExpireOverdueRequests, uow: UnitOfWork, config: FeedbackConfig) -> int:
    """Each with its event, at its expiry and without an actor (time did it). Anonymously answered requests expire
    with the rest, so the broker cannot tell them apart either."""
    now = uow.clock()
    due = await uow.requests.overdue(now, command.request_ids, links.SWEEP_BATCH)
    for request in due:
        request.expire(now)
        uow.add_events(FeedbackRequestChanged.of(request, "", request.expires_at or now))
    await uow.requests.expire([r.id for r in due], now)
    return len(due)


# ---------- links ----------


async def get_link(query: c.GetLink, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[LinkInfo]:
    """What a link token opens and whether it is still open; the token is the only credential."""
    hashed = token_hash(query.external_token)
    now = uow.clock()
    request = await uow.requests.by_token(hashed)
    if request is not None:
        return c.Answered(LinkInfo(
            pb.Link.KIND_FEEDBACK_REQUEST, links.request_link_state(request, now), await _name_of(uow, request.subject_id),
            await _name_of(uow, request.requester_id), request.question, (), request.due_date, request.expires_at,
        ))
    invitation = await uow.invitations.by_token(hashed)
    if invitation is None:
        raise NotFound("external_token: this link is not valid")
    return c.Answered(LinkInfo(
        pb.Link.KIND_REVIEW_INVITATION, invitation.link_state(now), await _name_of(uow, invitation.subject_id),
        await _name_of(uow, invitation.opened_by), "", invitation.questions, invitation.due_date, invitation.expires_at,
    ))


async def revoke_link(command: c.RevokeLink, uow: UnitOfWork, config: FeedbackConfig) -> LinkRevoked:
    me = command.caller.employee_id
    reader = reader_of(command.caller)
    now = uow.clock()
    if command.request_id:
        request = await uow.requests.get(command.request_id)
        if request is None:
            raise NotFound(f"request_id: feedback request {command.request_id!r} not found")
        request.revoke(me, now, by_hr=me != request.requester_id and await _hr_for(uow, reader, request.subject_id))
        await uow.requests.save(request)
        uow.add_events(FeedbackRequestChanged.of(request, me, now))
        return LinkRevoked()
    invitation = await uow.invitations.get(command.invitation_id)
    if invitation is None:
        raise NotFound(f"invitation_id: invitation {command.invitation_id!r} not found")
    if me not in (invitation.subject_id, invitation.opened_by):
        ties = await uow.directory.ties(reader, invitation.subject_id)
        if not is_hr_for(reader, ties) and not ties.in_manager_chain:
            raise PermissionDenied("invitation_id: the person, their managers or HR withdraw an invitation")
    invitation.revoke(now)
    await uow.invitations.save(invitation)
    return LinkRevoked()


# ---------- coaches, referrals ----------


async def assign_coach(command: c.AssignCoach, uow: UnitOfWork, config: FeedbackConfig) -> CoachAssigned:
    caller = command.caller
    if caller.employee_id != command.employee_id and not caller.has("admin") and not await _hr_for(uow, reader_of(caller), command.employee_id):
        raise PermissionDenied("a person chooses their coach, or HR assigns one")
    for field in ("employee_id", "coach_id"):
        if await uow.directory.person(getattr(command, field)) is None:
            raise NotFound(f"{field}: employee {getattr(command, field)!r} not found")
    # A new coach starts from nothing shared.
    await uow.coaches.assign(command.employee_id, command.coach_id, caller.employee_id, uow.clock())
    return CoachAssigned()


async def share_with_coach(command: c.ShareWithCoach, uow: UnitOfWork, config: FeedbackConfig) -> CoachShares:
    me = command.caller.employee_id
    now = uow.clock()
    for kind, item_id in command.targets():
        if kind != "action-plan":
            owner = await uow.coaches.owner_of(kind, item_id)
            if owner is None:
                raise NotFound(f"{kind}_id: {kind} {item_id!r} not found")
            if owner[0] != me:
                raise PermissionDenied(f"{kind}_id: you share only what is about you")
            if kind == "feedback" and owner[1] == privacy.ANONYMOUS:
                raise FailedPrecondition("feedback_id: anonymous feedback is only shown in aggregate")
        if command.revoke:
            await uow.coaches.unshare(me, kind, item_id)
        else:
            await uow.coaches.share(me, kind, item_id, now)
    return CoachShares(tuple(await uow.coaches.shared(me)))


async def raise_referral(command: c.RaiseReferral, uow: UnitOfWork, config: FeedbackConfig) -> Referral:
    me = command.caller.employee_id
    reader = reader_of(command.caller)
    if await uow.directory.person(command.employee_id) is None:
        raise NotFound(f"employee_id: employee {command.employee_id!r} not found")
    if me != command.employee_id:
        ties = await uow.directory.ties(reader, command.employee_id)
        if not (is_hr_for(reader, ties) or ties.in_manager_chain or ties.is_coach):
            raise PermissionDenied("the person, their managers, their coach or HR raise a referral")
    referral = Referral(uuid.uuid4().hex, command.employee_id, me, command.note.strip(), uow.clock())
    await uow.referrals.add(referral)
    uow.add_events(ReferralRaised(referral))
    return referral


async def _handled_referral(referral_id: str, command: c.Command[Referral], uow: UnitOfWork) -> Referral:
    """The referral to move on, locked, once the policy says the caller is HR for its person."""
    referral = await uow.referrals.get_for_update(referral_id)
    if referral is None:
        raise NotFound(f"referral_id: referral {referral_id!r} not found")
    reader = reader_of(command.caller)
    if not privacy.may_handle_referral(reader, await uow.directory.ties(reader, referral.employee_id)):
        raise PermissionDenied("only HR for the person acknowledges or closes a referral")
    return referral


async def _move_referral(changed: Referral, uow: UnitOfWork) -> Referral:
    await uow.referrals.save(changed)
    uow.add_events(ReferralUpdated(changed))
    # The answer says where the referral stands, not what it says (the note stays in ListReferrals, which is audited).
    return replace(changed, note="")


async def acknowledge_referral(command: c.AcknowledgeReferral, uow: UnitOfWork, config: FeedbackConfig) -> Referral:
    referral = await _handled_referral(command.referral_id, command, uow)
    return await _move_referral(referral.acknowledge(command.caller.employee_id, uow.clock()), uow)


async def close_referral(command: c.CloseReferral, uow: UnitOfWork, config: FeedbackConfig) -> Referral:
    referral = await _handled_referral(command.referral_id, command, uow)
    return await _move_referral(referral.close(command.caller.employee_id, uow.clock()), uow)


async def list_referrals(query: c.ListReferrals, uow: UnitOfWork, config: FeedbackConfig) -> c.Answered[list[Referral]]:
    reader = reader_of(query.caller)
    basis = privacy.referral_visible(reader, await uow.directory.ties(reader, query.subject))
    if not basis:
        raise PermissionDenied("a referral is visible to HR and the person only")
    referrals = await uow.referrals.of(query.subject)
    return c.Answered(referrals, _audit(reader, [Read(query.subject, r.id, basis) for r in referrals], "ListReferrals", uow.clock()))

