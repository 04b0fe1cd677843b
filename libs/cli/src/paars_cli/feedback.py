"""`paars feedback ...`: give, seek, acknowledge and read feedback; 360 reviews, purple dialogues, action plans, the read audit."""
from __future__ import annotations

import datetime as dt
import uuid

import typer

from paars.common.v1 import event_pb2
from paars.feedback.v1 import feedback_pb2 as pb
from paars.feedback.v1 import feedback_pb2_grpc
from paars_cli.client import (
    AS_OPTION,
    ROLES_OPTION,
    call,
    console,
    metadata,
    print_json,
)

app = typer.Typer(no_args_is_help=True, help="Immediate, concrete feedback; 360 reviews; the purple dialogue; action plans.")
review_app = typer.Typer(no_args_is_help=True, help="360-degree review cycles.")
dialogue_app = typer.Typer(no_args_is_help=True, help="The purple dialogue (paarse dialoog): prepare, talk, sign.")
action_app = typer.Typer(no_args_is_help=True, help="Action plans (plan van aanpak).")
app.add_typer(review_app, name="review")
app.add_typer(dialogue_app, name="dialogue")
app.add_typer(action_app, name="action")

KINDS = {"praise": pb.FEEDBACK_KIND_PRAISE, "constructive": pb.FEEDBACK_KIND_CONSTRUCTIVE, "suggestion": pb.FEEDBACK_KIND_SUGGESTION}
RELATIONS = {n.removeprefix("RELATION_").lower(): v for n, v in pb.Relation.items() if v}
VISIBILITIES = {
    "private": event_pb2.VISIBILITY_PRIVATE, "manager": event_pb2.VISIBILITY_RECEIVER_AND_MANAGER,
    "public": event_pb2.VISIBILITY_PUBLIC, "anonymous": event_pb2.VISIBILITY_ANONYMOUS_AGGREGATE, "default": 0,
}
GROUPS = {n.removeprefix("RATER_GROUP_").lower(): v for n, v in pb.RaterGroup.items() if v and n != "RATER_GROUP_OTHERS"}
ACTION_KINDS = {"strength": pb.ACTION_KIND_BUILD_STRENGTH, "weakness": pb.ACTION_KIND_ADJUST_WEAKNESS, "development": pb.ACTION_KIND_DEVELOPMENT_STEP}
DIALOGUE_KINDS = {"performance": pb.DIALOGUE_KIND_PERFORMANCE, "evaluation": pb.DIALOGUE_KIND_EVALUATION}


def stub(channel: object) -> feedback_pb2_grpc.FeedbackServiceStub:
    return feedback_pb2_grpc.FeedbackServiceStub(channel)


def key() -> str:
    return f"cli-{uuid.uuid4().hex}"


def choose(options: dict[str, int], value: str, what: str) -> int:
    if value not in options:
        raise typer.BadParameter(f"{what} must be one of: {', '.join(options)}")
    return options[value]


def parse_example(text: str) -> pb.Example:
    """'situation|behaviour|impact'."""
    parts = text.split("|")
    if len(parts) != 3:
        raise typer.BadParameter(f"example {text!r} must be situation|behaviour|impact")
    return pb.Example(situation=parts[0], behaviour=parts[1], impact=parts[2])


def parse_rating(text: str) -> pb.Rating:
    """'competency=score[:comment]'."""
    competency, _, rest = text.partition("=")
    score, _, comment = rest.partition(":")
    try:
        return pb.Rating(competency=competency, score=int(score), comment=comment)
    except ValueError:
        raise typer.BadParameter(f"rating {text!r} must be competency=score[:comment]") from None


def line(item: pb.Feedback) -> str:
    kind = pb.FeedbackKind.Name(item.kind).removeprefix("FEEDBACK_KIND_").lower()
    giver = item.giver_id or "(anonymous)"
    landed = " [acknowledged]" if item.acknowledged else ""
    return f"{item.id}  {kind} from {giver} to {item.receiver_id}{landed}: {item.text or '(content not visible to you)'}"


@app.command()
def give(
    receiver: str = typer.Argument("", help="Who the feedback is for (empty when answering a request)."),
    text: str = typer.Option(..., "--text"),
    kind: str = typer.Option("praise", help="praise | constructive | suggestion"),
    relation: str = typer.Option("peer", help="self | manager | peer | direct_report | hr | other_leader"),
    visibility: str = typer.Option("default", help="private | manager | public | anonymous | default"),
    example: list[str] = typer.Option([], "--example", help="situation|behaviour|impact; constructive feedback needs one."),
    tag: list[str] = typer.Option([], "--tag", help="Competency or company value; repeatable."),
    goal: list[str] = typer.Option([], "--goal", help="Linked goal id; repeatable."),
    moment: str = typer.Option("", help="When it happened (ISO date-time); default now."),
    request_id: str = typer.Option("", "--request", help="Answer this feedback request."),
    external_token: str = typer.Option("", "--token", help="External link token (no --as needed)."),
    person: str = typer.Option("", "--as", help="The employee you act as (not with --token)."),
    roles: str = ROLES_OPTION,
) -> None:
    """Give feedback now, with concrete examples."""
    request = pb.GiveFeedbackRequest(
        receiver_id=receiver, kind=choose(KINDS, kind, "--kind"), relation=0 if external_token else choose(RELATIONS, relation, "--relation"),
        text=text, examples=[parse_example(e) for e in example], visibility=choose(VISIBILITIES, visibility, "--visibility"),  # type: ignore[arg-type]
        tags=tag, goal_ids=goal, request_id=request_id, external_token=external_token, idempotency_key=key(),
    )
    if moment:
        try:
            request.moment_at.FromDatetime(dt.datetime.fromisoformat(moment).astimezone(dt.UTC))
        except ValueError:
            raise typer.BadParameter("--moment must be an ISO date-time") from None
    md = metadata(person, roles) if person else []
    console.print(line(call("feedback", stub, lambda s: s.GiveFeedback(request, metadata=md))))


@app.command("list")
def list_(
    receiver: str = typer.Option("", help="About whom (default: you)."), giver: str = typer.Option(""),
    person: str = AS_OPTION, roles: str = ROLES_OPTION,
) -> None:
    """List the feedback you may see."""
    result = call("feedback", stub, lambda s: s.ListFeedback(pb.ListFeedbackRequest(receiver_id=receiver, giver_id=giver, page_size=200), metadata=metadata(person, roles)))
    for item in result.feedback:
        console.print(line(item))
    if not result.feedback:
        console.print("No feedback you may see.")


@app.command()
def show(feedback_id: str, person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Show one feedback item (the read is recorded in the audit)."""
    print_json(call("feedback", stub, lambda s: s.GetFeedback(pb.GetFeedbackRequest(feedback_id=feedback_id), metadata=metadata(person, roles))))


@app.command()
def summary(employee: str = typer.Option("", help="Whose (default: you)."), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Counts and averages, including anonymous feedback."""
    print_json(call("feedback", stub, lambda s: s.GetFeedbackSummary(pb.GetFeedbackSummaryRequest(employee_id=employee), metadata=metadata(person, roles))))


@app.command()
def ack(
    feedback_id: str, note: str = typer.Option("", help="A thank-you the giver will see."),
    action: str = typer.Option("", help="Turn it into an action item with this title."),
    due: str = typer.Option("", help="Due date of the action item (YYYY-MM-DD)."),
    person: str = AS_OPTION, roles: str = ROLES_OPTION,
) -> None:
    """Acknowledge feedback (thanks), optionally turning it into an action item."""
    due_date = due or (dt.date.today() + dt.timedelta(days=30)).isoformat()
    request = pb.AcknowledgeFeedbackRequest(feedback_id=feedback_id, note=note, create_action_item=bool(action), action_title=action, action_due_date=due_date if action else "", idempotency_key=key())
    console.print(line(call("feedback", stub, lambda s: s.AcknowledgeFeedback(request, metadata=metadata(person, roles)))))


@app.command()
def request(
    question: str = typer.Argument(...), recipient: str = typer.Option("", help="Colleague to ask."),
    email: str = typer.Option("", help="External person's e-mail (a link token is returned once)."), name: str = typer.Option(""),
    about: str = typer.Option("", help="Whom the feedback is about (default: you)."),
    due: str = typer.Option("", help="Due date YYYY-MM-DD (default in a week)."),
    person: str = AS_OPTION, roles: str = ROLES_OPTION,
) -> None:
    """Seek feedback from a colleague, your manager, HR, or a customer."""
    body = pb.RequestFeedbackRequest(
        subject_id=about, recipient_id=recipient, external_email=email, external_name=name, question=question,
        due_date=due or (dt.date.today() + dt.timedelta(days=7)).isoformat(), idempotency_key=key(),
    )
    result = call("feedback", stub, lambda s: s.RequestFeedback(body, metadata=metadata(person, roles)))
    console.print(f"request {result.request.id} sent")
    if result.external_token:
        console.print(f"single-use link token (shown once): {result.external_token}")


@app.command()
def decline(request_id: str, reason: str = typer.Option(""), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Decline a feedback request sent to you."""
    body = pb.DeclineFeedbackRequestRequest(request_id=request_id, reason=reason, idempotency_key=key())
    print_json(call("feedback", stub, lambda s: s.DeclineFeedbackRequest(body, metadata=metadata(person, roles))))


@app.command()
def requests(person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Requests waiting for you and those you made."""
    result = call("feedback", stub, lambda s: s.ListFeedbackRequests(pb.ListFeedbackRequestsRequest(), metadata=metadata(person, roles)))
    for r in result.requests:
        state = pb.FeedbackRequest.State.Name(r.state).removeprefix("STATE_").lower()
        console.print(f"{r.id}  {r.requester_id} -> {r.recipient_id or r.external_email} about {r.subject_id}: {r.question!r} due {r.due_date} ({state})")


@app.command()
def reads(employee: str = typer.Option("", help="Whose feedback (default: you)."), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Who read feedback about you."""
    result = call("feedback", stub, lambda s: s.ListReads(pb.ListReadsRequest(employee_id=employee), metadata=metadata(person, roles)))
    for r in result.reads:
        console.print(f"{r.read_at.ToDatetime():%Y-%m-%d %H:%M}  {r.reader_id} ({r.reader_role}) via {r.path}: {r.feedback_id}")
    if not result.reads:
        console.print("Nobody else read feedback about you.")


@app.command()
def coach(employee: str, coach_id: str = typer.Option(..., "--coach"), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Assign a coach to a person (the person, or HR)."""
    call("feedback", stub, lambda s: s.AssignCoach(pb.AssignCoachRequest(employee_id=employee, coach_id=coach_id, idempotency_key=key()), metadata=metadata(person, roles)))
    console.print(f"{coach_id} now coaches {employee} (and sees only what {employee} shares)")


@app.command()
def share(
    feedback_id: str = typer.Option(""), review_id: str = typer.Option(""), dialogue_id: str = typer.Option(""),
    action_plan: bool = typer.Option(False, "--action-plan"), revoke: bool = typer.Option(False),
    person: str = AS_OPTION, roles: str = ROLES_OPTION,
) -> None:
    """Share an item with your coach (or --revoke)."""
    body = pb.ShareWithCoachRequest(feedback_id=feedback_id, review_id=review_id, dialogue_id=dialogue_id, action_plan=action_plan, revoke=revoke, idempotency_key=key())
    result = call("feedback", stub, lambda s: s.ShareWithCoach(body, metadata=metadata(person, roles)))
    console.print("shared with your coach: " + (", ".join(result.shared) or "nothing"))


@app.command()
def referral(employee: str, note: str = typer.Option(""), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Raise a confidential referral to professional support (HR and the person see it)."""
    result = call("feedback", stub, lambda s: s.RaiseReferral(pb.RaiseReferralRequest(employee_id=employee, note=note, idempotency_key=key()), metadata=metadata(person, roles)))
    console.print(f"referral {result.referral_id} raised")


# ---------- 360 ----------


@review_app.command("open")
def review_open(
    subject: list[str] = typer.Argument(..., help="The people reviewed."), name: str = typer.Option("360", "--name"),
    group: list[str] = typer.Option(["self", "manager", "peers"], "--group", help="self | manager | peers | reports | customers"),
    question: list[str] = typer.Option(..., "--question", help="competency=question; repeatable."),
    due: str = typer.Option("", help="Due date (default in two weeks)."), k: int = typer.Option(0, help="Anonymity threshold (0: organisation default)."),
    person: str = AS_OPTION, roles: str = ROLES_OPTION,
) -> None:
    """Open a 360 cycle for one or more people."""
    questions = [pb.CompetencyQuestion(competency=q.partition("=")[0], question=q.partition("=")[2] or q) for q in question]
    body = pb.OpenReviewCycleRequest(
        cycle_name=name, subject_ids=subject, rater_groups=[choose(GROUPS, g, "--group") for g in group], questions=questions,
        anonymity_threshold=k, due_date=due or (dt.date.today() + dt.timedelta(days=14)).isoformat(), idempotency_key=key(),
    )
    for review in call("feedback", stub, lambda s: s.OpenReviewCycle(body, metadata=metadata(person, roles))).reviews:
        console.print(f"review {review.id} for {review.subject_id} ({pb.Review.State.Name(review.state).removeprefix('STATE_').lower()})")


@review_app.command("nominate")
def review_nominate(review_id: str, rater: list[str] = typer.Argument(...), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Nominate your peers (your manager approves them)."""
    body = pb.NominateRatersRequest(review_id=review_id, group=pb.RATER_GROUP_PEERS, rater_ids=rater, idempotency_key=key())
    print_json(call("feedback", stub, lambda s: s.NominateRaters(body, metadata=metadata(person, roles))))


@review_app.command("approve")
def review_approve(review_id: str, rater: list[str] = typer.Argument(None), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Approve nominated peers (none named: all of them)."""
    body = pb.ApproveRatersRequest(review_id=review_id, rater_ids=rater or [], idempotency_key=key())
    print_json(call("feedback", stub, lambda s: s.ApproveRaters(body, metadata=metadata(person, roles))))


@review_app.command("respond")
def review_respond(
    review_id: str = typer.Argument(""), rating: list[str] = typer.Option(..., "--rating", help="competency=score[:comment]; 1-5."),
    comment: str = typer.Option(""), external_token: str = typer.Option("", "--token"), person: str = typer.Option("", "--as"), roles: str = ROLES_OPTION,
) -> None:
    """Answer a 360 (as a rater, or as a customer with --token)."""
    body = pb.SubmitReviewResponseRequest(review_id=review_id, ratings=[parse_rating(r) for r in rating], comment=comment, external_token=external_token, idempotency_key=key())
    md = metadata(person, roles) if person else []
    console.print(f"answer {call('feedback', stub, lambda s: s.SubmitReviewResponse(body, metadata=md)).response_id} recorded")


@review_app.command("close")
def review_close(review_id: str, person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Close a cycle: its anonymous groups show from now on (at k answers or more)."""
    print_json(call("feedback", stub, lambda s: s.CloseReviewCycle(pb.CloseReviewCycleRequest(review_id=review_id, idempotency_key=key()), metadata=metadata(person, roles))))


@review_app.command("report")
def review_report(review_id: str, person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """The 360 report (groups below the anonymity threshold folded into others)."""
    print_json(call("feedback", stub, lambda s: s.GetReviewReport(pb.GetReviewReportRequest(review_id=review_id), metadata=metadata(person, roles))))


@review_app.command("self")
def review_self(rating: list[str] = typer.Option(..., "--rating"), review_id: str = typer.Option("", "--review"), reflection: str = typer.Option(""), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Submit a self-assessment (zelfreflectie)."""
    body = pb.SubmitSelfAssessmentRequest(review_id=review_id, ratings=[parse_rating(r) for r in rating], reflection=reflection, idempotency_key=key())
    print_json(call("feedback", stub, lambda s: s.SubmitSelfAssessment(body, metadata=metadata(person, roles))))


@review_app.command("gap")
def review_gap(employee: str = typer.Option(""), review_id: str = typer.Option("", "--review"), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Self against others, per competency: differences to talk about."""
    result = call("feedback", stub, lambda s: s.GetGapReport(pb.GetGapReportRequest(employee_id=employee, review_id=review_id), metadata=metadata(person, roles)))
    for g in result.gaps:
        console.print(f"{g.competency}: self {g.self_score:g}, others {g.others_average:g} (gap {g.gap:+g}) — {g.conversation_starter}")


# ---------- the purple dialogue ----------


@dialogue_app.command("schedule")
def dialogue_schedule(
    employee: str, when: str = typer.Option(..., "--when", help="ISO date or date-time."), kind: str = typer.Option("performance", help="performance | evaluation"),
    review_id: str = typer.Option("", "--review"), goal: list[str] = typer.Option([], "--goal"), person: str = AS_OPTION, roles: str = ROLES_OPTION,
) -> None:
    """Schedule a purple dialogue between a person and their manager."""
    body = pb.ScheduleDialogueRequest(kind=choose(DIALOGUE_KINDS, kind, "--kind"), employee_id=employee, scheduled_for=when, review_id=review_id, goal_ids=goal, idempotency_key=key())
    print_json(call("feedback", stub, lambda s: s.ScheduleDialogue(body, metadata=metadata(person, roles))))


@dialogue_app.command("prepare")
def dialogue_prepare(dialogue_id: str, reflection: str = typer.Option(...), agenda: list[str] = typer.Option([], "--agenda"), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Submit your preparation (the other sees it once both are in)."""
    body = pb.SubmitPreparationRequest(dialogue_id=dialogue_id, reflection=reflection, agenda_items=agenda, idempotency_key=key())
    print_json(call("feedback", stub, lambda s: s.SubmitPreparation(body, metadata=metadata(person, roles))))


@dialogue_app.command("notes")
def dialogue_notes(dialogue_id: str, notes: str = typer.Option(...), version: int = typer.Option(0), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Record the shared notes (signatures start over)."""
    body = pb.RecordDialogueNotesRequest(dialogue_id=dialogue_id, shared_notes=notes, expected_version=version, idempotency_key=key())
    print_json(call("feedback", stub, lambda s: s.RecordDialogueNotes(body, metadata=metadata(person, roles))))


@dialogue_app.command("sign")
def dialogue_sign(dialogue_id: str, person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Sign off the dialogue (both people sign)."""
    print_json(call("feedback", stub, lambda s: s.SignDialogue(pb.SignDialogueRequest(dialogue_id=dialogue_id, idempotency_key=key()), metadata=metadata(person, roles))))


@dialogue_app.command("show")
def dialogue_show(dialogue_id: str, person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Show a dialogue as you may see it."""
    print_json(call("feedback", stub, lambda s: s.GetDialogue(pb.GetDialogueRequest(dialogue_id=dialogue_id), metadata=metadata(person, roles))))


# ---------- action plans ----------


@action_app.command("add")
def action_add(
    title: str, employee: str = typer.Option(""), owner: str = typer.Option(""), kind: str = typer.Option("development", help="strength | weakness | development"),
    due: str = typer.Option(..., help="YYYY-MM-DD"), feedback_id: str = typer.Option("", "--feedback"), dialogue_id: str = typer.Option("", "--dialogue"),
    goal_id: str = typer.Option("", "--goal"), person: str = AS_OPTION, roles: str = ROLES_OPTION,
) -> None:
    """Add an action item to a plan."""
    body = pb.CreateActionItemRequest(
        employee_id=employee, owner_id=owner, title=title, kind=choose(ACTION_KINDS, kind, "--kind"), due_date=due,
        source_feedback_id=feedback_id, source_dialogue_id=dialogue_id, source_goal_id=goal_id, idempotency_key=key(),
    )
    print_json(call("feedback", stub, lambda s: s.CreateActionItem(body, metadata=metadata(person, roles))))


@action_app.command("progress")
def action_progress(item_id: str, percent: int = typer.Option(0, min=0, max=100), done: bool = typer.Option(False), note: str = typer.Option(""), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """Record progress on an action item."""
    body = pb.UpdateActionItemRequest(action_item_id=item_id, progress_percent=percent, state=pb.ActionItem.STATE_DONE if done else 0, note=note, idempotency_key=key())
    print_json(call("feedback", stub, lambda s: s.UpdateActionItem(body, metadata=metadata(person, roles))))


@action_app.command("list")
def action_list(employee: str = typer.Option(""), person: str = AS_OPTION, roles: str = ROLES_OPTION) -> None:
    """A person's action plan."""
    result = call("feedback", stub, lambda s: s.ListActionItems(pb.ListActionItemsRequest(employee_id=employee), metadata=metadata(person, roles)))
    for item in result.items:
        console.print(f"{item.id}  {item.title} (owner {item.owner_id}, due {item.due_date}) {item.progress_percent}%")
