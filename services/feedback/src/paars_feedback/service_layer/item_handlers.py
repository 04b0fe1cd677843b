"""Feedback items: giving (a person's, to a colleague or answering a request sent to them, or an external
giver's through a link token) and acknowledging.

The handler takes a command and a unit of work and holds the rules of the use case only: the SQL is in
adapters/repository.py, the protobuf in entrypoints/ and adapters/protobuf.py, the transaction, outbox and
idempotency in the unit of work, and running them in service_layer/messagebus.py."""
from __future__ import annotations

import datetime as dt
import math
import uuid

from paars.feedback.v1 import feedback_pb2 as pb
from paars_feedback.config import FeedbackConfig
from paars_feedback.domain import privacy
from paars_feedback.domain.feedback import (
    ActionItem,
    ActionItemCreated,
    Example,
    Feedback,
    FeedbackAcknowledged,
    FeedbackGiven,
    FeedbackRequest,
    FeedbackRequestChanged,
    Receiver,
    check_relation,
)
from paars_feedback.service_layer import commands as c
from paars_feedback.service_layer import links
from paars_feedback.service_layer.common import Read, audited_reads
from paars_feedback.service_layer.unit_of_work import UnitOfWork
from paars_platform.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, ResourceExhausted
from paars_platform.values import enum_name


def _window(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}s" if count != 1 else f"a {unit}"
    return f"{seconds} seconds"


def check_limits(config: FeedbackConfig, receiver: Receiver, now: dt.datetime) -> None:
    """Per-giver write limits: the giver's count-th most recent item inside a window means the window is full."""
    for (count, seconds), oldest in zip(config.give_limits, receiver.oldest_in_window, strict=True):
        if oldest is not None:
            window = dt.timedelta(seconds=seconds)
            wait = max(1.0, (oldest + window - now).total_seconds())
            raise ResourceExhausted(
                f"you gave {count} pieces of feedback within {_window(seconds)}, the most allowed: try again in {math.ceil(wait)} s", wait,
            )


async def _by_link(command: c.GiveFeedback, uow: UnitOfWork, now: dt.datetime) -> FeedbackRequest:
    answered = await uow.requests.by_token(command.token_hash)
    if answered is None:
        raise PermissionDenied("external_token: this link is not valid")
    links.refuse_closed(links.request_link_state(answered, now), answered.expires_at)
    if command.request_id and command.request_id != answered.id:
        raise InvalidArgument("request_id", "does not match the link")
    if command.receiver_id and command.receiver_id != answered.subject_id:
        raise InvalidArgument("receiver_id", "does not match the link")
    return answered


async def _sent_to(giver: str, command: c.GiveFeedback, uow: UnitOfWork, now: dt.datetime) -> FeedbackRequest:
    answered = await uow.requests.get(command.request_id)
    if answered is None:
        raise NotFound(f"request_id: feedback request {command.request_id!r} not found")
    if answered.recipient_id != giver:
        raise PermissionDenied("request_id: this request was sent to someone else")
    state = links.request_state_for(answered, giver, now)
    if state != pb.FeedbackRequest.STATE_OPEN:
        raise FailedPrecondition(f"request_id: the request is {enum_name(pb.FeedbackRequest.State, state, 'STATE_')}")
    if command.receiver_id and command.receiver_id != answered.subject_id:
        raise InvalidArgument("receiver_id", "the request asks for feedback about someone else")
    return answered


async def give_feedback(command: c.GiveFeedback, uow: UnitOfWork, config: FeedbackConfig) -> Feedback:
    now = uow.clock()
    answered: FeedbackRequest | None = None
    relation: int
    if command.external:
        answered = await _by_link(command, uow, now)
        giver, receiver_id, relation = f"external:{answered.id}", answered.subject_id, pb.RELATION_CUSTOMER
    else:
        giver, receiver_id, relation = command.caller.employee_id, command.receiver_id, command.relation
        if command.request_id:
            answered = await _sent_to(giver, command, uow, now)
            receiver_id = answered.subject_id
        since = [(count, now - dt.timedelta(seconds=seconds)) for count, seconds in config.give_limits]
        receiver = await uow.feedback.receiver(receiver_id, giver, since)
        if receiver is None:
            raise NotFound(f"receiver_id: employee {receiver_id!r} not found")
        if not receiver.active:
            raise FailedPrecondition("receiver_id: the person is no longer active")
        check_relation(giver, receiver_id, relation, receiver, giver_is_hr=command.caller.has("hr"))
        check_limits(config, receiver, now)
    if command.value_key and not await uow.values.named(command.value_key):
        raise InvalidArgument("value_key", "is not a value of the published organisation story")
    visibility = command.visibility_in(config)
    feedback = Feedback(
        id=uuid.uuid4().hex, giver_id=giver, receiver_id=receiver_id, kind=command.kind, relation=relation,
        setting=command.setting or pb.FEEDBACK_SETTING_INFORMAL, text=command.text.strip(),
        examples=tuple(Example(e.situation.strip(), e.behaviour.strip(), e.impact.strip()) for e in command.examples),
        visibility=visibility, goal_ids=command.goal_ids, tags=tuple(x.strip() for x in command.tags),
        moment_at=command.moment_at() or now, given_at=now,
        # An anonymous answer keeps no link to its request: the request names the recipient.
        request_id=answered.id if answered is not None and visibility != privacy.ANONYMOUS else None,
        value_key=command.value_key,
    )
    await uow.feedback.add(feedback)
    uow.add_events(FeedbackGiven(feedback, now))
    if privacy.feedback_event_view(visibility).content:
        # The event carries the text (public praise): its subscribers' read is in the audit.
        for read in audited_reads(privacy.SUBSCRIBER, [Read(receiver_id, feedback.id, "system")]):
            await uow.feedback.record_read(read.subject_id, read.item_id, privacy.SUBSCRIBER.employee_id, read.basis, "event", now)
    if answered is not None:
        announce = answered.answer(feedback, now)
        await uow.requests.save(answered)
        if announce:
            uow.add_events(FeedbackRequestChanged.of(answered, "" if command.external else giver, now))
    return feedback


async def acknowledge_feedback(command: c.AcknowledgeFeedback, uow: UnitOfWork, config: FeedbackConfig) -> Feedback:
    feedback = await uow.feedback.get(command.feedback_id, for_update=True)
    if feedback is None:
        raise NotFound(f"feedback {command.feedback_id!r} not found")
    me = command.caller.employee_id
    feedback.check_acknowledgeable_by(me)
    now = uow.clock()
    item: ActionItem | None = None
    if command.create_action_item:
        item = ActionItem.from_feedback(uuid.uuid4().hex, feedback, command.action_title, command.action_kind, command.due(), now)
        await uow.action_items.add(item)
        uow.add_events(ActionItemCreated(item, me, now))
    acknowledged = feedback.acknowledge(me, command.note, item.id if item is not None else None, now)
    await uow.feedback.save(acknowledged)
    uow.add_events(FeedbackAcknowledged(acknowledged, now))
    # The answer is the receiver's view of a non-anonymous item about them: all of it (privacy.feedback_view),
    # which is what the protobuf adapter gives an author too.
    return acknowledged


async def decline_feedback_request(command: c.DeclineFeedbackRequest, uow: UnitOfWork, config: FeedbackConfig) -> FeedbackRequest:
    now = uow.clock()
    if command.external:
        request = await uow.requests.by_token(command.token_hash)
        if request is None:
            raise PermissionDenied("external_token: this link is not valid")
        if command.request_id and command.request_id != request.id:
            raise InvalidArgument("request_id", "does not match the link")
        links.refuse_closed(links.request_link_state(request, now), request.expires_at)
    else:
        me = command.caller.employee_id
        request = await uow.requests.get(command.request_id)
        if request is None:
            raise NotFound(f"feedback request {command.request_id!r} not found")
        if request.recipient_id != me:
            raise PermissionDenied("only the person asked can decline a request")
        state = links.request_state_for(request, me, now)
        if state != pb.FeedbackRequest.STATE_OPEN:
            raise FailedPrecondition(f"request_id: the request is {enum_name(pb.FeedbackRequest.State, state, 'STATE_')}")
    request.decline(command.reason, now)
    await uow.requests.save(request)
    uow.add_events(FeedbackRequestChanged.of(request, "" if command.external else command.caller.employee_id, now))
    return request
