"""The team section of the web app (see paars_web.sections): the manager's team page, HR's view of the whole
organisation, and my preferences.

Every figure comes from the analytics service under the signed-in person's own token, which decides what
they may read (analytics' signals/directory.py): this module shows what comes back and never filters,
adds or counts anything itself. The directory import goes to the goals service's ImportDirectory, which
checks every row and writes all or nothing; preferences go to notifications' SetPreferences with an
update_mask naming the fields the form holds.
"""
from __future__ import annotations

import asyncio
import csv
import io
import re
import secrets
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import field_mask_pb2
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from paars.analytics.v1 import analytics_pb2 as an
from paars.conversations.v1 import conversations_pb2 as cv
from paars.feedback.v1 import feedback_pb2 as fb
from paars.notifications.v1 import notifications_pb2 as nt
from paars.org.v1 import org_pb2
from paars_platform.directory import ROLE_NAMES
from paars_platform.errors import field_violations
from paars_web import i18n, views
from paars_web.errors import FormErrors
from paars_web.sections import N_, NavLink, for_hr, for_managers
from paars_web.web import Person, Web, web_of

# Managers (someone reports to them) see My team, HR sees HR, everyone their preferences.
NAV = (
    NavLink("/team", "nav-team", N_("My team"), shown_to=for_managers),
    NavLink("/hr", "nav-hr", N_("HR"), shown_to=for_hr),
    NavLink("/preferences", "nav-preferences", N_("My preferences")),
)
WINDOW_DAYS = 30
# The heading of the story's alignment on the team page (story_alignment.html, the story section's partial).
ALIGNMENT_HEADING = N_("How the team's work serves the story")
# What one GetTeamOverview answers about at most (analytics' OVERVIEW_MAX).
OVERVIEW_MAX = 50
# The largest CSV the directory import reads (about two thousand people; a form is at most 256 kB, see middleware).
MAX_IMPORT_BYTES = 200_000


def routes() -> list[BaseRoute]:
    return [
        Route("/team", team_page),
        Route("/hr", hr_page),
        Route("/hr/import", import_form, methods=["GET"]),
        Route("/hr/import", import_directory, methods=["POST"]),
        Route("/hr/referrals", referrals_page),
        Route("/hr/referrals/{referral_id}/{step:str}", move_referral, methods=["POST"]),
        Route("/preferences", preferences_form, methods=["GET"]),
        Route("/preferences", save_preferences, methods=["POST"]),
        Route("/preferences/webhooks/{webhook_id}/delete", delete_webhook, methods=["POST"]),
    ]


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


# ---------- insights, in the reader's language ----------

# An insight's reason per kind (and Insight.params["variant"]), with the names of its params: the same
# sentences notifications sends (paars_notifications.domain.rules), shown here beside what to do now.
INSIGHT_REASON: dict[tuple[int, str], str] = {
    (an.INSIGHT_KIND_GOAL_STALLED, ""): N_("“%(goal)s” is at %(progress)s%% where %(expected)s%% was expected by now, and has had no check-in for %(days)s days."),
    (an.INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT, "fell_from"): N_("Performance fell from %(before)s%% to %(recent)s%% over the last 30 days, with no development activity in that time."),
    (an.INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT, "fell_to"): N_("Performance fell to %(recent)s%% over the last 30 days, with no development activity in that time."),
    (an.INSIGHT_KIND_SELF_OTHERS_GAP, "higher"): N_("On “%(competency)s” %(who)s rates themselves %(points)s points higher than others do."),
    (an.INSIGHT_KIND_SELF_OTHERS_GAP, "lower"): N_("On “%(competency)s” %(who)s rates themselves %(points)s points lower than others do."),
    (an.INSIGHT_KIND_FEEDBACK_DROUGHT, "since_last"): N_("%(who)s has received no feedback for %(days)s days."),
    (an.INSIGHT_KIND_FEEDBACK_DROUGHT, "in_window"): N_("%(who)s has received no feedback in the last %(days)s days."),
    (an.INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK, "all"): N_("All %(count)s pieces of feedback %(who)s received in the last 90 days came from one source: %(source)s."),
    (an.INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK, "named_only"): N_("All %(count)s pieces of feedback with a named giver %(who)s received in the last 90 days came from one source: %(source)s."),
    (an.INSIGHT_KIND_CONSTRUCTIVE_WITHOUT_ACTION, ""): N_("Constructive feedback to %(who)s from more than %(days)s days ago (%(count)s in all) has not led to any action yet."),
    (an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, "milestone"): N_("%(who)s just reached %(percent)s%% on “%(goal)s”: a good moment for immediate, concrete feedback."),
    (an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK, "action_item"): N_("%(who)s just completed an action item: a good moment for immediate, concrete feedback."),
    (an.INSIGHT_KIND_RATING_DRIFT, "lenient"): N_("Ratings given by %(who)s average %(average)s, %(points)s points above the organisation's median manager (%(median)s): possibly lenient."),
    (an.INSIGHT_KIND_RATING_DRIFT, "severe"): N_("Ratings given by %(who)s average %(average)s, %(points)s points below the organisation's median manager (%(median)s): possibly severe."),
    (an.INSIGHT_KIND_RECENCY_BIAS, ""): N_("%(share)s%% of the team's feedback in the last 90 days was given in the %(days)s days before the review, instead of spread over the period."),
    (an.INSIGHT_KIND_PERFORMANCE_ONLY_PORTFOLIO, ""): N_("%(share)s%% of the people in this team with goals have only performance goals: no development or wellbeing goal."),
    (an.INSIGHT_KIND_FEEDBACK_WITHOUT_EXAMPLES, ""): N_("Only %(share)s%% of the feedback in this team in the last 90 days came with a concrete example."),
}
INSIGHT_NEXT_STEP: dict[int, str] = {
    an.INSIGHT_KIND_GOAL_STALLED: N_("Check in on the goal together and give feedback on what moved and what is blocking."),
    an.INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT: N_("Hold a coaching conversation, or agree a development goal."),
    an.INSIGHT_KIND_SELF_OTHERS_GAP: N_("Talk about “%(competency)s” in a purple dialogue: what each of you sees, with examples."),
    an.INSIGHT_KIND_FEEDBACK_DROUGHT: N_("Give feedback on something recent, or ask two or three colleagues to."),
    an.INSIGHT_KIND_SINGLE_SOURCE_FEEDBACK: N_("Seek feedback from other sources: peers, reports, customers."),
    an.INSIGHT_KIND_CONSTRUCTIVE_WITHOUT_ACTION: N_("Turn the feedback into an action plan: one concrete step with a date."),
    an.INSIGHT_KIND_MOMENT_FOR_FEEDBACK: N_("Give feedback now, naming the moment and one concrete example."),
    an.INSIGHT_KIND_RATING_DRIFT: N_("Calibrate before the review meeting: compare a few ratings with concrete examples."),
    an.INSIGHT_KIND_RECENCY_BIAS: N_("Give feedback when things happen; set a rhythm of check-ins between reviews."),
    an.INSIGHT_KIND_PERFORMANCE_ONLY_PORTFOLIO: N_("Add a development or wellbeing goal to each portfolio."),
    an.INSIGHT_KIND_FEEDBACK_WITHOUT_EXAMPLES: N_("Ask for, and give, one concrete example per piece of feedback (situation, behaviour, impact)."),
}
SEVERITY_LABELS = {an.SEVERITY_URGENT: N_("Urgent"), an.SEVERITY_ATTENTION: N_("Needs attention"), an.SEVERITY_INFO: N_("Worth knowing")}
FEEDBACK_SOURCE_TEXT = {
    "manager": N_("their manager"), "peer": N_("peers"), "report": N_("their reports"), "hr": N_("HR"), "customer": N_("customers"),
    "leader": N_("other leaders"), "self": N_("themselves"), "unspecified": N_("unspecified givers"),
}
DECIMAL_PARAMS = ("points", "average", "median")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Team insights lead to the pitfall monitor's advice; person insights to the page where one acts.
PITFALL_ANCHORS = {
    an.INSIGHT_KIND_RECENCY_BIAS: "do-recency", an.INSIGHT_KIND_PERFORMANCE_ONLY_PORTFOLIO: "do-portfolio",
    an.INSIGHT_KIND_FEEDBACK_WITHOUT_EXAMPLES: "do-examples",
}


def decimal(value: float, language: str) -> str:
    """A number with one decimal, with the reader's decimal sign (3,4 in Dutch)."""
    shown = f"{value:.1f}"
    return shown.replace(".", ",") if language == "nl" else shown


@dataclass
class ShownInsight:
    id: str
    severity: str
    reason: str
    next_step: str
    link: str
    subject: str


def _fill(msgid: str | None, values: Mapping[str, str], gettext: Callable[[str], str]) -> str | None:
    if msgid is None or not all(name in values for name in PLACEHOLDER.findall(msgid)):
        return None
    return gettext(msgid) % {name: values[name] for name in PLACEHOLDER.findall(msgid)}


def show_insight(insight: an.Insight, me: str, people: Mapping[str, org_pb2.Employee], gettext: Callable[[str], str], language: str) -> ShownInsight:
    """The insight's reason and what to do now in the reader's words; analytics' English when it carries no params."""
    values = dict(insight.params)
    values["who"] = views.name(dict(people), insight.subject_id) if insight.subject_id else ""
    if "source" in values:
        values["source"] = gettext(FEEDBACK_SOURCE_TEXT.get(values["source"], N_("unspecified givers")))
    for name in DECIMAL_PARAMS:
        try:
            values[name] = decimal(float(values[name]), language)
        except (KeyError, ValueError):
            values.pop(name, None)
    reason = _fill(INSIGHT_REASON.get((insight.kind, insight.params.get("variant", ""))), values, gettext) or insight.reason
    next_step = _fill(INSIGHT_NEXT_STEP.get(insight.kind), values, gettext) or insight.suggested_action
    return ShownInsight(insight.id, gettext(SEVERITY_LABELS.get(insight.severity, N_("Worth knowing"))), reason, next_step, _act_link(insight, me), insight.subject_id)


def _act_link(insight: an.Insight, me: str) -> str:
    kind, subject = insight.kind, insight.subject_id
    if kind in PITFALL_ANCHORS:
        return f"/hr#{PITFALL_ANCHORS[kind]}"
    if kind == an.INSIGHT_KIND_RATING_DRIFT:
        return "/team#calibration"
    if kind in (an.INSIGHT_KIND_GOAL_STALLED, an.INSIGHT_KIND_PERFORMANCE_WITHOUT_DEVELOPMENT):
        return "/goals"
    if subject == me:
        return "/feedback/received" if kind == an.INSIGHT_KIND_CONSTRUCTIVE_WITHOUT_ACTION else "/feedback/requests"
    return f"/feedback/give?receiver={subject}"


# ---------- the sense-making card, in plain language ----------


def card_lines(card: an.SenseMaking, gettext: Callable[[str], str]) -> list[str]:
    """What happened in the window, one plain sentence per kind of thing, from the card's counts."""
    if card.suppressed:
        return [gettext("Too few people to say anything without singling someone out.")]
    lines = []
    if card.milestones:
        lines.append(gettext("Goal milestones reached: %(num)s.") % {"num": card.milestones})
    if card.feedback_received:
        lines.append(gettext("Feedback received: %(num)s, %(examples)s of it with a concrete example, from %(sources)s kind(s) of source.") % {
            "num": card.feedback_received, "examples": card.received_with_example, "sources": card.feedback_sources,
        })
    else:
        lines.append(gettext("No feedback received in this time."))
    if card.feedback_given:
        lines.append(gettext("Feedback given to others: %(num)s.") % {"num": card.feedback_given})
    if card.feedback_acknowledged:
        lines.append(gettext("Feedback acknowledged with a thank-you: %(num)s.") % {"num": card.feedback_acknowledged})
    if card.action_items_done:
        lines.append(gettext("Actions completed: %(num)s.") % {"num": card.action_items_done})
    if card.dialogues_held:
        lines.append(gettext("Dialogues held: %(num)s.") % {"num": card.dialogues_held})
    if card.performance_goals or card.development_goals or card.wellbeing_goals:
        lines.append(gettext("Running goals: %(performance)s performance, %(development)s development, %(wellbeing)s wellbeing.") % {
            "performance": card.performance_goals, "development": card.development_goals, "wellbeing": card.wellbeing_goals,
        })
    else:
        lines.append(gettext("No running goals agreed."))
    return lines


def card_meaning(card: an.SenseMaking, gettext: Callable[[str], str]) -> list[str]:
    """What the counts may mean for the conversation: questions to ask, never a verdict."""
    if card.suppressed:
        return []
    meaning = []
    if card.goals_at_risk:
        meaning.append(gettext("%(num)s goal(s) at risk or off track: a check-in together shows what is blocking.") % {"num": card.goals_at_risk})
    if not card.feedback_received:
        meaning.append(gettext("Nobody gave feedback in this time: say what you saw, and ask colleagues to do the same."))
    elif card.received_with_example * 2 < card.feedback_received:
        meaning.append(gettext("Most feedback came without an example: ask for the situation, the behaviour and its impact."))
    if card.performance_goals and not (card.development_goals or card.wellbeing_goals):
        meaning.append(gettext("Only performance goals: a development or wellbeing goal keeps growth in view."))
    if card.milestones and not card.feedback_received:
        meaning.append(gettext("A milestone went by without feedback: name it now."))
    if not meaning:
        meaning.append(gettext("Nothing asks for attention; keep the rhythm of feedback and check-ins."))
    return meaning


@dataclass
class TeamView:
    team: org_pb2.Team
    depth: int
    rollup: an.TeamRollup
    card: an.SenseMaking
    lines: list[str] = field(default_factory=list)
    meaning: list[str] = field(default_factory=list)


def team_tree(teams: Sequence[org_pb2.Team], me: str) -> list[tuple[org_pb2.Team, int]]:
    """The teams I manage and every team below them, depth first, each once (a cycle ends the walk)."""
    children: dict[str, list[org_pb2.Team]] = {}
    for team in teams:
        children.setdefault(team.parent_team_id, []).append(team)
    mine = {t.id for t in teams if t.manager_id == me}
    roots = sorted((t for t in teams if t.id in mine and t.parent_team_id not in mine), key=lambda t: t.name)
    out: list[tuple[org_pb2.Team, int]] = []
    seen: set[str] = set()

    def walk(team: org_pb2.Team, depth: int) -> None:
        if team.id in seen:
            return
        seen.add(team.id)
        out.append((team, depth))
        for child in sorted(children.get(team.id, []), key=lambda t: t.name):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return out


# The teams (names, parents, managers) change seldom: one copy for TEAMS_SECONDS, like the directory's.
TEAMS_SECONDS = 30.0
_teams_copy: weakref.WeakKeyDictionary[Web, tuple[float, list[org_pb2.Team]]] = weakref.WeakKeyDictionary()


async def _teams(web: Web, me: Person) -> list[org_pb2.Team]:
    fetched_at, teams = _teams_copy.get(web, (0.0, []))
    if not fetched_at or time.monotonic() - fetched_at >= TEAMS_SECONDS:
        answer = await web.call(web.stubs.org.ListTeams, org_pb2.ListTeamsRequest(), me)
        teams = list(answer.teams)
        _teams_copy[web] = (time.monotonic(), teams)
    return teams


def _team_name(teams: Sequence[org_pb2.Team], team_id: str) -> str:
    return next((t.name for t in teams if t.id == team_id), "")


# The window of the manager's own mix of hats on the team page (the conversations' hats page has the same).
HAT_DAYS = 90


async def team_page(request: Request) -> Response:
    """One analytics call (GetTeamOverview) for the whole page: the roll-ups and cards of my team tree, my
    reports' cards, my open insights and the calibration aid, each part by analytics' own rule."""
    web = web_of(request)
    me = web.person(request)
    gettext = web.gettext(request)
    language = web.language(request)
    people, teams = await asyncio.gather(web.directory(me), _teams(web, me))
    tree = team_tree(teams, me.id)[:OVERVIEW_MAX]
    reports = sorted((e for e in people.values() if e.manager_id == me.id and e.active), key=lambda e: e.name)[:OVERVIEW_MAX]
    found, hats = await asyncio.gather(web.call(web.stubs.analytics.GetTeamOverview, an.GetTeamOverviewRequest(
        team_ids=[t.id for t, _ in tree], employee_ids=[r.id for r in reports], window_days=WINDOW_DAYS,
    ), me), _my_hats(web, me))
    rollups = {r.team_id: r for r in found.rollups}
    team_cards = {c.team_id: c for c in found.team_cards}
    # What analytics left out (not mine to read) is not shown, rather than shown as zeros.
    views_of_teams = [
        TeamView(team, depth, rollups[team.id], team_cards[team.id], card_lines(team_cards[team.id], gettext), card_meaning(team_cards[team.id], gettext))
        for team, depth in tree if team.id in rollups and team.id in team_cards
    ]
    person_cards = {c.employee_id: c for c in found.person_cards}
    cards = [(r, person_cards[r.id], card_lines(person_cards[r.id], gettext), card_meaning(person_cards[r.id], gettext)) for r in reports if r.id in person_cards]
    insights = [show_insight(i, me.id, people, gettext, language) for i in found.insights]
    calibration = found.calibration
    # The story's alignment of the top team of my tree (its count takes in the teams below it), in the story
    # section's own partial (story_alignment.html); none when analytics left it out.
    alignments = {s.team_id: s for s in found.story_alignments}
    alignment = next((alignments[t.team.id] for t in views_of_teams if t.team.id in alignments), None)
    return web.render(
        request, "team_page.html", teams=views_of_teams, cards=cards, insights=insights, calibration=calibration,
        alignment=alignment, alignment_heading=ALIGNMENT_HEADING, alignment_team=(alignment and _team_name(teams, alignment.team_id)) or "",
        mine=[r for r in calibration.rows if r.manager_id == me.id], people=people, v=views, window=WINDOW_DAYS,
        percent=views.percent, decimal=lambda x: decimal(x, language), me_id=me.id, hats=hats,
    )


async def _my_hats(web: Web, me: Person) -> cv.HatMix | None:
    """The hats I wore in my own 1:1s as a manager (HAT_DAYS): part of making sense of the team, and mine alone.
    The conversations service answers it only to the manager themself and no event carries a hat, so analytics
    never sees it; the team page asks beside its analytics call and leaves the part out when it cannot answer."""
    conversations = getattr(web.stubs, "conversations", None)
    if conversations is None:
        return None
    try:
        mix: cv.HatMix = await web.call(conversations.GetHatMix, cv.GetHatMixRequest(days=HAT_DAYS), me)
    except grpc.aio.AioRpcError:
        return None
    return mix if mix.leader + mix.manager + mix.coach + mix.unmarked > 0 else None


# ---------- HR: the pitfall monitor, rating drift ----------


async def hr_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    language = web.language(request)
    people, teams, pitfalls, calibration = await asyncio.gather(
        web.directory(me), _teams(web, me),
        web.call(web.stubs.analytics.ListPitfalls, an.ListPitfallsRequest(), me),
        web.call(web.stubs.analytics.GetCalibration, an.GetCalibrationRequest(), me),
    )
    names = {t.id: t.name for t in teams}
    return web.render(
        request, "hr_page.html", pitfalls=list(pitfalls.teams), team_names=names, calibration=calibration, people=people, v=views,
        percent=views.percent, decimal=lambda x: decimal(x, language),
    )


# ---------- HR: the confidential referrals inbox ----------


# A referral's state in the reader's words, and HR's next step from it (feedback decides who may take it).
REFERRAL_STATES = {
    fb.Referral.STATE_RAISED: N_("Waiting for HR"), fb.Referral.STATE_ACKNOWLEDGED: N_("HR is following it up"), fb.Referral.STATE_CLOSED: N_("Closed by HR"),
}
REFERRAL_STEPS = {"acknowledge": fb.Referral.STATE_RAISED, "close": fb.Referral.STATE_ACKNOWLEDGED}


async def _referrals_view(web: Web, request: Request, me: Person, *, status_code: int = 200, notice: str = "") -> Response:
    people = await web.directory(me)
    everyone = sorted((e for e in people.values() if e.active), key=lambda e: e.name)
    answers = await asyncio.gather(
        *(web.maybe(web.stubs.feedback.ListReferrals, fb.ListReferralsRequest(employee_id=e.id), me, fb.ListReferralsResponse()) for e in everyone)
    )
    referrals = sorted((r for a in answers for r in a.referrals), key=lambda r: r.raised_at.seconds, reverse=True)
    mine = people.get(me.id)
    # The buttons are offered to HR for referrals about someone else; the service still decides.
    is_hr = mine is not None and org_pb2.ROLE_HR in mine.roles
    return web.render(
        request, "hr_referrals.html", status_code=status_code, referrals=referrals, people=people, v=views, language=web.language(request),
        states=REFERRAL_STATES, steps=REFERRAL_STEPS, is_hr=is_hr, me_id=me.id, notice=notice, new_key=lambda: secrets.token_hex(16),
    )


async def referrals_page(request: Request) -> Response:
    """Every referral the feedback service lets this person read (HR: those in their scope; the person: their own),
    newest first, with where each stands. Asking per person is the service's one read path; a refusal (not HR,
    not the person) leaves that person out."""
    web = web_of(request)
    return await _referrals_view(web, request, web.person(request))


async def move_referral(request: Request) -> Response:
    """HR acknowledges (raised -> acknowledged) or closes (acknowledged -> closed) a referral, with the form's key.
    A step the referral is past (another HR person was quicker, a second click) shows the page as it is now."""
    web = web_of(request)
    me = web.person(request)
    step = request.path_params["step"]
    if step not in REFERRAL_STEPS:
        return Response(status_code=404)
    form = await request.form()
    key = _str(form, "idempotency_key")[:64] or secrets.token_hex(16)
    referral_id = request.path_params["referral_id"]
    try:
        if step == "acknowledge":
            await web.call(web.stubs.feedback.AcknowledgeReferral, fb.AcknowledgeReferralRequest(referral_id=referral_id, idempotency_key=key), me)
        else:
            await web.call(web.stubs.feedback.CloseReferral, fb.CloseReferralRequest(referral_id=referral_id, idempotency_key=key), me)
    except grpc.aio.AioRpcError as err:
        if err.code() not in (grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.NOT_FOUND):
            raise
        notice = web.gettext(request)("This referral has moved on already; here is where it stands now.")
        return await _referrals_view(web, request, me, status_code=409, notice=notice)
    return RedirectResponse(f"/hr/referrals#referral-{referral_id}", status_code=303)


# ---------- HR: the directory import (CSV) ----------

IMPORT_COLUMNS = ("id", "name", "email", "manager_id", "team_id", "roles", "active", "time_zone", "coach_id")
REQUIRED_COLUMNS = ("id", "name", "email", "team_id")
ROLE_VALUES = {name: value for value, name in ROLE_NAMES.items()}
TRUE_WORDS = ("", "1", "true", "yes", "ja", "y", "j")
FALSE_WORDS = ("0", "false", "no", "nee", "n")
# The goals service's own words for what it refuses about a row, translated when shown.
IMPORT_REASONS = (N_("is required"), N_("must be an e-mail address"))
UNKNOWN_REFERENCE = re.compile(r"unknown (employee|team) '([^']*)'")


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow] = field(default_factory=list)
    # What is wrong with the file itself (no header, a missing column).
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.problems and not any(r.errors for r in self.rows)


def parse_directory_csv(text: str, gettext: Callable[[str], str]) -> ImportPreview:
    """The file's rows as the import will send them, with what is wrong with each in the reader's words.
    Only the file's shape is checked here (columns, role names, yes/no); whether managers and teams exist,
    cycles and self-escalation are the goals service's to judge, row by row, when it is sent."""
    preview = ImportPreview()
    sample = text.lstrip("\ufeff")
    if not sample.strip():
        preview.problems.append(gettext("The file is empty. The first line names the columns: %(columns)s.") % {"columns": ", ".join(IMPORT_COLUMNS)})
        return preview
    delimiter = ";" if sample.splitlines()[0].count(";") > sample.splitlines()[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(sample), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        preview.problems.append(gettext("The first line must name the columns %(columns)s; missing: %(missing)s.") % {
            "columns": ", ".join(IMPORT_COLUMNS), "missing": ", ".join(missing),
        })
        return preview
    reader.fieldnames = header
    seen: dict[str, int] = {}
    for number, raw in enumerate(reader, start=2):
        values = {c: (raw.get(c) or "").strip() for c in IMPORT_COLUMNS}
        row = ImportRow(number, values)
        for column in ("id", "name", "email", "team_id"):
            if not values[column]:
                row.errors.append(gettext("%(column)s: is empty") % {"column": column})
        roles = [r.strip().lower() for r in re.split(r"[|\s]+", values["roles"]) if r.strip()]
        unknown = [r for r in roles if r not in ROLE_VALUES]
        if unknown:
            row.errors.append(gettext("roles: unknown role %(roles)s (use %(known)s, separated by |)") % {
                "roles": ", ".join(unknown), "known": ", ".join(ROLE_VALUES),
            })
        if values["active"].lower() not in TRUE_WORDS + FALSE_WORDS:
            row.errors.append(gettext("active: write yes or no"))
        if values["id"] in seen:
            row.errors.append(gettext("id: also on line %(line)s") % {"line": seen[values["id"]]})
        seen.setdefault(values["id"], number)
        preview.rows.append(row)
    if not preview.rows:
        preview.problems.append(gettext("The file has a header but no people."))
    return preview


def _employee(row: ImportRow) -> org_pb2.Employee:
    v = row.values
    roles: list[Any] = [ROLE_VALUES[r.strip().lower()] for r in re.split(r"[|\s]+", v["roles"]) if r.strip()] or [org_pb2.ROLE_EMPLOYEE]
    return org_pb2.Employee(
        id=v["id"], name=v["name"], email=v["email"], manager_id=v["manager_id"], team_id=v["team_id"], roles=roles,
        active=v["active"].lower() in TRUE_WORDS, time_zone=v["time_zone"] or "Europe/Brussels", coach_id=v["coach_id"],
    )


def _refusal_on_rows(err: grpc.aio.AioRpcError, preview: ImportPreview, gettext: Callable[[str], str]) -> list[str]:
    """The service's field violations (employees[3].manager_id) as errors on the rows they name; the rest in general."""
    general = []
    pairs = field_violations(err) or [("", err.details() or err.code().name)]
    for path, description in pairs:
        match = re.fullmatch(r"employees\[(\d+)\]\.(\w+)", path)
        reference = UNKNOWN_REFERENCE.fullmatch(description)
        if reference:
            reason = (gettext("no such person: %(id)s") if reference.group(1) == "employee" else gettext("no such team: %(id)s")) % {"id": reference.group(2)}
        else:
            reason = gettext(description) if description in IMPORT_REASONS else description
        if match and int(match.group(1)) < len(preview.rows):
            preview.rows[int(match.group(1))].errors.append(f"{match.group(2)}: {reason}")
        else:
            general.append(gettext("Nothing was imported: %(reason)s") % {"reason": reason})
    return general


async def import_form(request: Request) -> Response:
    web = web_of(request)
    web.person(request)
    return web.render(request, "hr_import.html", preview=None, csv_text="", general=[], done=None, key=secrets.token_hex(16), columns=IMPORT_COLUMNS)


async def import_directory(request: Request) -> Response:
    """Preview (the default) shows every row and what is wrong with it; Import sends the previewed rows in one
    ImportDirectory, which writes all of them or, if one is wrong, none."""
    web = web_of(request)
    me = web.person(request)
    gettext = web.gettext(request)
    form = await request.form()
    upload = form.get("file")
    text = _str(form, "csv_text")
    general: list[str] = []
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            general.append(gettext("The file is larger than 200 kB. Split it and import the parts one after the other."))
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                general.append(gettext("The file is not UTF-8 text. Save it as CSV UTF-8 and try again."))
    key = _str(form, "idempotency_key")[:64] or secrets.token_hex(16)
    if general:
        return web.render(request, "hr_import.html", status_code=422, preview=None, csv_text=text, general=general, done=None, key=key, columns=IMPORT_COLUMNS)
    preview = parse_directory_csv(text, gettext)
    status = 200 if preview.ok else 422
    done = None
    if _str(form, "action") == "import" and preview.ok:
        try:
            done = await web.call(web.stubs.org.ImportDirectory, org_pb2.ImportDirectoryRequest(
                employees=[_employee(r) for r in preview.rows], idempotency_key=key,
            ), me)
        except grpc.aio.AioRpcError as err:
            if err.code() not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.FAILED_PRECONDITION):
                raise
            general = _refusal_on_rows(err, preview, gettext)
            status = 422 if err.code() == grpc.StatusCode.INVALID_ARGUMENT else 403
            key = secrets.token_hex(16)
    return web.render(request, "hr_import.html", status_code=status, preview=preview, csv_text=text, general=general, done=done, key=key, columns=IMPORT_COLUMNS)


# ---------- My preferences ----------

CHANNELS = {"in_app": nt.CHANNEL_IN_APP, "email": nt.CHANNEL_EMAIL, "webhook": nt.CHANNEL_WEBHOOK}
CHANNEL_LABELS = {"in_app": N_("In Paars (the Now page)"), "email": N_("E-mail"), "webhook": N_("Chat (through the webhook below)")}
PREFERENCE_FIELDS = ("language", "channels", "quiet_start", "quiet_end", "time_zone", "daily_digest", "weekly_budget")
PREFERENCE_ORDER = (*PREFERENCE_FIELDS, "webhook_url")
# Notifications' own words for what it refuses, translated when shown; anything else is shown as it came.
PREFERENCE_REASONS = (
    N_("must be HH:MM"), N_("give both ends of the quiet hours, or neither"), N_("must be an IANA time zone such as Europe/Brussels"),
    N_("unknown channel"), N_("must be nl or en (empty: the organisation's default)"), N_("must be at most 2000 characters"),
    # A chat webhook's address (notifications' target policy).
    N_("is not a valid URL"), N_("must be an https URL"), N_("must name a host"), N_("must not carry a user name or password"),
    N_("must name a public host, not a local or cluster-internal one"), N_("must resolve to a public address"),
    N_("the host name does not resolve"),
)
BUDGET_REASON = re.compile(r"must be between 1 and (\d+) \(0: the default (\d+)\)")


def _preference_reason(description: str, gettext: Callable[[str], str]) -> str:
    if description in PREFERENCE_REASONS:
        return gettext(description)
    budget = BUDGET_REASON.fullmatch(description)
    if budget:
        return gettext("Enter a number between 1 and %(most)s (0 or empty: the default, %(default)s)") % {"most": budget.group(1), "default": budget.group(2)}
    return gettext("Check this answer: %(reason)s") % {"reason": description}


def _preferences_values(prefs: nt.Preferences) -> dict[str, Any]:
    return {
        "language": prefs.language, "channels": [k for k, c in CHANNELS.items() if c in prefs.channels] or ["in_app"],
        "quiet_start": prefs.quiet_start, "quiet_end": prefs.quiet_end, "time_zone": prefs.time_zone,
        "daily_digest": prefs.daily_digest, "weekly_budget": str(prefs.weekly_budget or ""), "webhook_url": "",
    }


async def _preferences_page(web: Web, request: Request, me: Person, values: dict[str, Any], errors: FormErrors, status_code: int = 200, saved: bool = False) -> Response:
    hooks = await web.maybe(web.stubs.notifications.ListWebhooks, nt.ListWebhooksRequest(), me, nt.ListWebhooksResponse())
    mine = [h for h in hooks.subscriptions if h.owner_id == me.id and not h.organisation_wide]
    return web.render(
        request, "preferences_page.html", status_code=status_code, values=values, errors=errors, saved=saved, webhooks=mine,
        channels=CHANNEL_LABELS, languages=i18n.LANGUAGE_NAMES,
    )


async def preferences_form(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    prefs = await web.call(web.stubs.notifications.GetPreferences, nt.GetPreferencesRequest(), me)
    return await _preferences_page(web, request, me, _preferences_values(prefs), FormErrors(), saved=request.query_params.get("saved") == "1")


async def save_preferences(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    gettext = web.gettext(request)
    form = await request.form()
    values: dict[str, Any] = {n: _str(form, n) for n in ("language", "quiet_start", "quiet_end", "time_zone", "weekly_budget", "webhook_url")}
    values["channels"] = [c for c in form.getlist("channels") if isinstance(c, str) and c in CHANNELS]
    values["daily_digest"] = _str(form, "daily_digest") == "on"
    errors = FormErrors()
    budget = 0
    if values["weekly_budget"]:
        try:
            budget = int(values["weekly_budget"])
        except ValueError:
            errors.add("weekly_budget", gettext("Enter a whole number, for example 10"))
    if not values["channels"]:
        errors.add("channels", gettext("Choose at least one way to reach you"))
    if not errors:
        try:
            await web.call(web.stubs.notifications.SetPreferences, nt.SetPreferencesRequest(
                preferences=nt.Preferences(
                    language=values["language"], channels=[CHANNELS[c] for c in values["channels"]], quiet_start=values["quiet_start"],
                    quiet_end=values["quiet_end"], time_zone=values["time_zone"], daily_digest=values["daily_digest"], weekly_budget=budget,
                ),
                update_mask=field_mask_pb2.FieldMask(paths=list(PREFERENCE_FIELDS)),
            ), me)
            if values["webhook_url"]:
                await web.call(web.stubs.notifications.CreateWebhook, nt.CreateWebhookRequest(
                    url=values["webhook_url"], format=nt.WebhookSubscription.FORMAT_CHAT_INCOMING_WEBHOOK,
                ), me)
        except grpc.aio.AioRpcError as err:
            if err.code() not in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
                raise
            for path, description in field_violations(err) or [("", err.details() or "")]:
                name = path.removeprefix("preferences.")
                name = "webhook_url" if name == "url" else name
                if name in PREFERENCE_ORDER:
                    errors.add(name, _preference_reason(description, gettext))
                else:
                    errors.general.append(_preference_reason(description, gettext))
            errors.fields = {k: errors.fields[k] for k in sorted(errors.fields, key=PREFERENCE_ORDER.index)}
    if errors:
        # Everything typed comes back, each message beside its field.
        return await _preferences_page(web, request, me, values, errors, status_code=422)
    session = me.session
    if values["language"] in i18n.LANGUAGES:
        session.language = values["language"]
    answer = RedirectResponse("/preferences?saved=1", status_code=303)
    if values["language"] in i18n.LANGUAGES:
        answer.set_cookie(i18n.COOKIE, values["language"], max_age=365 * 24 * 3600, httponly=True, samesite="lax", secure=web.config.secure_cookies)
    return answer


async def delete_webhook(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    await web.call(web.stubs.notifications.DeleteWebhook, nt.DeleteWebhookRequest(id=request.path_params["webhook_id"]), me)
    return RedirectResponse("/preferences?saved=1", status_code=303)
