"""The story section of the web app (see paars_web.sections): the organisation story to read, in the reader's
language or Dutch and English side by side; proposing a change or a new passage, commenting and endorsing; and,
for HR and leaders, curating a draft with its plain-language check per passage and publishing it (below the
threshold only with a recorded reason). Every rule is the story service's; this module translates forms."""
from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from paars.analytics.v1 import analytics_pb2 as an
from paars.org.v1 import org_pb2
from paars.story.v1 import story_pb2 as pb
from paars_platform.errors import field_violations
from paars_web import views
from paars_web.errors import FormErrors, translate_reason
from paars_web.sections import N_, NavLink
from paars_web.web import Person, Web, web_of

NAV = (NavLink("/story", "nav-story", N_("Our story")),)

CURATOR_ROLES = (org_pb2.ROLE_HR, org_pb2.ROLE_LEADER, org_pb2.ROLE_ADMIN)
KIND_LABELS = {
    pb.PASSAGE_KIND_MISSION: N_("Mission"), pb.PASSAGE_KIND_VISION: N_("Vision"),
    pb.PASSAGE_KIND_VALUE: N_("Value"), pb.PASSAGE_KIND_THEME: N_("Strategic theme"),
}
FINDING_LABELS = {
    pb.FINDING_KIND_LOW_READABILITY: N_("Hard to read"), pb.FINDING_KIND_LONG_SENTENCE: N_("Long sentence"),
    pb.FINDING_KIND_JARGON: N_("Jargon"), pb.FINDING_KIND_PASSIVE: N_("Passive phrasing"),
    pb.FINDING_KIND_NOMINALISATION: N_("Verb hidden in a noun"),
}
GROUP_LABELS = {
    pb.PASSAGE_KIND_MISSION: N_("Mission"), pb.PASSAGE_KIND_VISION: N_("Vision"),
    pb.PASSAGE_KIND_VALUE: N_("Our values"), pb.PASSAGE_KIND_THEME: N_("Strategic themes"),
}
STATE_LABELS = {pb.PROPOSAL_STATE_OPEN: N_("Open"), pb.PROPOSAL_STATE_ACCEPTED: N_("Taken into the story"), pb.PROPOSAL_STATE_DECLINED: N_("Declined")}
LANGUAGE_LABELS = {"nl": N_("Dutch"), "en": N_("English")}
# The story service's own words for what it refuses (see paars_story/service_layer/commands.py), in the catalogue.
STORY_DESCRIPTIONS = (
    N_("is required in at least one language (nl or en)"),
    N_("is required for a value or theme"),
    N_("only a value has behaviours"),
    N_('must be "mission", "vision", "value.<slug>" or "theme.<slug>" (lowercase, digits, dashes)'),
    N_("between 1 and 60 passages"),
    N_("each key at most once"),
)
BELOW_THRESHOLD = N_("Some passages score below the threshold: give the reason to publish them as they are, or make them plainer first")
STALE = N_("Someone saved or published the story in the meantime. Reload the page: your text is kept below, copy it over.")
BOTH_LANGUAGES = N_("Every passage is published in Dutch and English side by side. Write the missing language first: %(missing)s")
# The heading story_alignment.html shows unless the including page names another.
ALIGNMENT_HEADING = N_("How our work serves the story")
ONLY_CURATORS = N_("Only HR and leaders curate and publish the story.")
WHOLE_SPANS = (pb.FINDING_KIND_LOW_READABILITY, pb.FINDING_KIND_LONG_SENTENCE)
NEW_VALUE, NEW_THEME = "new-value", "new-theme"
MAX_CURATED = 60


def routes() -> list[BaseRoute]:
    return [
        Route("/story", story_page),
        Route("/story/versions/{version:int}", version_page),
        Route("/story/proposals", proposals_page, methods=["GET"]),
        Route("/story/proposals", propose, methods=["POST"]),
        Route("/story/proposals/{proposal_id}/comment", comment, methods=["POST"]),
        Route("/story/proposals/{proposal_id}/endorse", endorse, methods=["POST"]),
        Route("/story/proposals/{proposal_id}/decide", decide, methods=["POST"]),
        Route("/story/curate", curate_page, methods=["GET"]),
        Route("/story/curate", save_draft, methods=["POST"]),
        Route("/story/publish", publish, methods=["POST"]),
        # Where the notifications' prompt to managers on a new version ("how does this land in your team?") points.
        Route("/story/team", my_team_story),
        Route("/story/teams", team_stories_page),
        Route("/story/teams/{team_id}", team_story_page, methods=["GET"]),
        Route("/story/teams/{team_id}", save_team_story, methods=["POST"]),
        Route("/story/teams/{team_id}/publish", publish_team_story, methods=["POST"]),
        Route("/story/ambition", ambition_page, methods=["GET"]),
        Route("/story/ambition", save_ambition, methods=["POST"]),
        Route("/story/ambition/{employee_id}", shared_ambition_page),
        Route("/story/reach", reach_page),
        Route("/story/jargon", jargon_page, methods=["GET"]),
        Route("/story/jargon", save_jargon, methods=["POST"]),
    ]


# ---------- helpers the templates use ----------


@dataclass(frozen=True)
class Segment:
    text: str
    finding: int  # 1-based number of the finding it marks, 0 for plain text


def marked(text: str, findings: Sequence[pb.Finding]) -> list[Segment]:
    """The text cut at the findings that point at a few words (jargon, passive, a verb hidden in a noun), each
    marked piece numbered as the list of findings beside it. The whole-text score and long sentences are in
    the list with their words quoted: marking a whole sentence would hide the words inside it. Of two
    overlapping findings the first marks its words."""
    segments: list[Segment] = []
    at = 0
    for number, f in enumerate(findings, start=1):
        if f.kind in WHOLE_SPANS or f.start < at or f.end <= f.start or f.end > len(text):
            continue
        if f.start > at:
            segments.append(Segment(text[at:f.start], 0))
        segments.append(Segment(text[f.start:f.end], number))
        at = f.end
    if at < len(text):
        segments.append(Segment(text[at:], 0))
    return segments


def text_of(value: pb.LocalizedText, language: str) -> str:
    return value.nl if language == "nl" else value.en


def in_language(value: pb.LocalizedText, language: str) -> tuple[str, str]:
    """The text in the reader's language, else the other one, with the language it is in (for lang=)."""
    own = text_of(value, language)
    if own.strip():
        return own, language
    other = "en" if language == "nl" else "nl"
    return text_of(value, other), other


def check_for(version: pb.StoryVersion | pb.Proposal, key: str, language: str) -> pb.TextCheck | None:
    checks = [version.check] if isinstance(version, pb.Proposal) else list(version.checks)
    for passage_check in checks:
        if passage_check.passage_key == key:
            return next((c for c in passage_check.checks if c.language == language), None)
    return None


def grouped(passages: Sequence[pb.Passage]) -> list[tuple[int, list[pb.Passage]]]:
    order = (pb.PASSAGE_KIND_MISSION, pb.PASSAGE_KIND_VISION, pb.PASSAGE_KIND_VALUE, pb.PASSAGE_KIND_THEME)
    return [(kind, [p for p in passages if p.kind == kind]) for kind in order if any(p.kind == kind for p in passages)]


class StoryViews:
    """What the story templates call, beside paars_web.views."""

    KIND_LABELS = KIND_LABELS
    GROUP_LABELS = GROUP_LABELS
    FINDING_LABELS = FINDING_LABELS
    STATE_LABELS = STATE_LABELS
    LANGUAGE_LABELS = LANGUAGE_LABELS
    OPEN = pb.PROPOSAL_STATE_OPEN
    LOW = pb.FINDING_KIND_LOW_READABILITY
    marked = staticmethod(marked)
    text_of = staticmethod(text_of)
    in_language = staticmethod(in_language)
    check_for = staticmethod(check_for)
    grouped = staticmethod(grouped)
    name = staticmethod(views.name)
    when = staticmethod(views.when)
    label = staticmethod(views.label)


sv = StoryViews()


def _str(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _int(raw: str) -> int:
    try:
        return max(0, int(raw))
    except ValueError:
        return 0


def _redirect(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _is_curator(people: Mapping[str, org_pb2.Employee], me: Person) -> bool:
    person = people.get(me.id)
    return person is not None and any(r in CURATOR_ROLES for r in person.roles)


def _manages(people: Mapping[str, org_pb2.Employee], me: Person) -> bool:
    return any(e.manager_id == me.id for e in people.values())


def _passthrough(err: grpc.aio.AioRpcError) -> bool:
    """What is not the person's doing goes to the error page (the service is down, the session expired)."""
    return err.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.INTERNAL)


def story_errors(err: grpc.aio.AioRpcError, field_names: Mapping[str, str], web: Web, request: Request) -> FormErrors:
    """The story service's refusal as messages beside the form's fields, in the reader's language."""
    gettext = web.gettext(request)
    errors = FormErrors()
    if err.code() == grpc.StatusCode.ABORTED:
        errors.general.append(gettext(STALE))
        return errors
    if err.code() == grpc.StatusCode.PERMISSION_DENIED:
        errors.general.append(gettext(ONLY_CURATORS))
        return errors
    details = err.details() or ""
    if err.code() == grpc.StatusCode.FAILED_PRECONDITION and "side by side" in details:
        errors.general.append(gettext(BOTH_LANGUAGES) % {"missing": details.rsplit("missing", 1)[-1].strip()})
        return errors
    for service_field, description in field_violations(err):
        name = field_names.get(service_field)
        if service_field == "readability_override_reason":
            message = gettext(BELOW_THRESHOLD)
        elif description in STORY_DESCRIPTIONS:
            message = gettext(description)
        else:
            message = translate_reason(description, gettext)
        if name:
            errors.add(name, message)
        else:
            errors.general.append(message)
    if not errors:
        errors.general.append(translate_reason(details or err.code().name, gettext))
    return errors


async def _story(web: Web, me: Person) -> pb.GetStoryResponse:
    answer: pb.GetStoryResponse = await web.call(web.stubs.story.GetStory, pb.GetStoryRequest(), me)
    return answer


# ---------- reading the story ----------


async def story_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    story, people = await asyncio.gather(_story(web, me), web.directory(me))
    both = request.query_params.get("languages") == "both"
    if story.published.version:
        # Counts once per person and version, only ever in the k-anonymous reach per team.
        await web.maybe(web.stubs.story.MarkStoryRead, pb.MarkStoryReadRequest(version=story.published.version), me, pb.MarkStoryReadResponse())
    mine = people.get(me.id)
    return web.render(
        request, "story_read.html", version=story.published, has_draft=bool(story.draft.version), both=both,
        curator=_is_curator(people, me), manager=_manages(people, me), my_team=mine.team_id if mine else "", people=people, sv=sv,
    )


async def version_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    number = request.path_params["version"]
    try:
        version, people = await asyncio.gather(
            web.call(web.stubs.story.GetVersion, pb.GetVersionRequest(version=number), me), web.directory(me),
        )
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            raise web.not_found() from None
        raise
    both = request.query_params.get("languages") == "both"
    mine = people.get(me.id)
    return web.render(
        request, "story_read.html", version=version, has_draft=False, both=both, curator=_is_curator(people, me),
        manager=_manages(people, me), my_team=mine.team_id if mine else "", people=people, sv=sv,
    )


# ---------- proposals: propose, comment, endorse, decide ----------

PROPOSAL_FIELDS = {
    "passage.key": "target", "passage.kind": "target", "passage.title": "title_nl", "passage.title.nl": "title_nl",
    "passage.title.en": "title_en", "passage.text": "text_nl", "passage.text.nl": "text_nl", "passage.text.en": "text_en",
    "passage.behaviours": "behaviours_nl", "reason": "reason",
}
PROPOSAL_INPUTS = ("target", "title_nl", "title_en", "text_nl", "text_en", "behaviours_nl", "behaviours_en", "reason")


def slug(title: str) -> str:
    """A passage key's slug from its title: lowercase ASCII letters, digits and dashes."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:40]


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def behaviours(nl: str, en: str) -> list[pb.LocalizedText]:
    """One behaviour per line in each language, paired by line."""
    dutch, english = _lines(nl), _lines(en)
    count = max(len(dutch), len(english))
    return [pb.LocalizedText(nl=dutch[i] if i < len(dutch) else "", en=english[i] if i < len(english) else "") for i in range(count)]


def passage_from_form(values: Mapping[str, str], key: str) -> pb.Passage:
    return pb.Passage(
        key=key, title=pb.LocalizedText(nl=values.get("title_nl", ""), en=values.get("title_en", "")),
        text=pb.LocalizedText(nl=values.get("text_nl", ""), en=values.get("text_en", "")),
        behaviours=behaviours(values.get("behaviours_nl", ""), values.get("behaviours_en", "")),
    )


def passage_values(passage: pb.Passage) -> dict[str, str]:
    return {
        "title_nl": passage.title.nl, "title_en": passage.title.en, "text_nl": passage.text.nl, "text_en": passage.text.en,
        "behaviours_nl": "\n".join(b.nl for b in passage.behaviours), "behaviours_en": "\n".join(b.en for b in passage.behaviours),
    }


async def _proposals_page(
    web: Web, request: Request, me: Person, *, values: dict[str, str], errors: FormErrors, status_code: int = 200,
    failed: str = "", typed_comment: str = "",
) -> Response:
    story, listed, people = await asyncio.gather(
        _story(web, me), web.call(web.stubs.story.ListProposals, pb.ListProposalsRequest(open_only=False), me), web.directory(me),
    )
    proposals = sorted(listed.proposals, key=lambda p: (p.state != pb.PROPOSAL_STATE_OPEN, -p.created_at.seconds))
    base = story.draft if story.draft.version else story.published
    return web.render(
        request, "story_proposals.html", status_code=status_code, proposals=proposals, passages=list(base.passages),
        values=values, errors=errors, failed=failed, typed_comment=typed_comment, curator=_is_curator(people, me),
        people=people, sv=sv, NEW_VALUE=NEW_VALUE, NEW_THEME=NEW_THEME,
    )


async def proposals_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    values: dict[str, str] = {"target": request.query_params.get("passage", "")}
    if values["target"] and values["target"] not in (NEW_VALUE, NEW_THEME):
        story = await _story(web, me)
        base = story.draft if story.draft.version else story.published
        current = next((p for p in base.passages if p.key == values["target"]), None)
        if current is not None:
            values.update(passage_values(current))
    return await _proposals_page(web, request, me, values=values, errors=FormErrors())


async def propose(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values = {n: _str(form, n) for n in PROPOSAL_INPUTS}
    gettext = web.gettext(request)
    errors = FormErrors()
    target = values["target"]
    if not target:
        errors.add("target", gettext("Choose the passage you change, or a new value or theme"))
    if target in (NEW_VALUE, NEW_THEME):
        name = slug(values["title_en"] or values["title_nl"])
        if not name:
            errors.add("title_nl", gettext("A new value or theme needs a title"))
        key = f"{'value' if target == NEW_VALUE else 'theme'}.{name}"
    else:
        key = target
    if not errors:
        try:
            await web.call(web.stubs.story.ProposeChange, pb.ProposeChangeRequest(passage=passage_from_form(values, key), reason=values["reason"]), me)
        except grpc.aio.AioRpcError as err:
            if _passthrough(err):
                raise
            errors = story_errors(err, PROPOSAL_FIELDS, web, request)
    if errors:
        return await _proposals_page(web, request, me, values=values, errors=errors, status_code=422)
    return _redirect("/story/proposals?proposed=1#proposals")


async def comment(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    proposal_id = request.path_params["proposal_id"]
    form = await request.form()
    text = _str(form, "text")
    try:
        await web.call(web.stubs.story.CommentOnProposal, pb.CommentOnProposalRequest(proposal_id=proposal_id, text=text), me)
    except grpc.aio.AioRpcError as err:
        if _passthrough(err):
            raise
        errors = story_errors(err, {"text": f"comment-{proposal_id}"}, web, request)
        return await _proposals_page(web, request, me, values={}, errors=errors, status_code=422, failed=proposal_id, typed_comment=text)
    return _redirect(f"/story/proposals#proposal-{proposal_id}")


async def endorse(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    proposal_id = request.path_params["proposal_id"]
    try:
        await web.call(web.stubs.story.EndorseProposal, pb.EndorseProposalRequest(proposal_id=proposal_id), me)
    except grpc.aio.AioRpcError as err:
        if _passthrough(err):
            raise
        return await _proposals_page(web, request, me, values={}, errors=story_errors(err, {}, web, request), status_code=422)
    return _redirect(f"/story/proposals#proposal-{proposal_id}")


async def decide(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    proposal_id = request.path_params["proposal_id"]
    form = await request.form()
    accept = _str(form, "decision") == "accept"
    try:
        await web.call(web.stubs.story.DecideProposal, pb.DecideProposalRequest(proposal_id=proposal_id, accept=accept), me)
    except grpc.aio.AioRpcError as err:
        if _passthrough(err):
            raise
        return await _proposals_page(web, request, me, values={}, errors=story_errors(err, {}, web, request), status_code=422)
    return _redirect("/story/curate" if accept else f"/story/proposals#proposal-{proposal_id}")


# ---------- curating: the draft with its check, publishing ----------

CURATE_INPUTS = ("key", "title_nl", "title_en", "text_nl", "text_en", "behaviours_nl", "behaviours_en")


def curated_rows(form: FormData) -> list[dict[str, str]]:
    """The passages as the form sent them (p<i>-<input>), a row left wholly empty dropped."""
    rows = []
    for i in range(_int(_str(form, "count")) + 1):
        row = {n: _str(form, f"p{i}-{n}") for n in CURATE_INPUTS}
        if any(row.values()):
            rows.append(row)
        if len(rows) >= MAX_CURATED:
            break
    return rows


def curate_fields(rows: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The service's field paths (passages[2].text.nl) as the form's inputs (p2-text_nl)."""
    names: dict[str, str] = {"passages": "p0-key", "base_version": "p0-key"}
    for i in range(len(rows)):
        for path, name in (
            ("key", "key"), ("kind", "key"), ("title", "title_nl"), ("title.nl", "title_nl"), ("title.en", "title_en"),
            ("text", "text_nl"), ("text.nl", "text_nl"), ("text.en", "text_en"), ("behaviours", "behaviours_nl"),
        ):
            names[f"passages[{i}].{path}"] = f"p{i}-{name}"
        for j in range(10):
            names[f"passages[{i}].behaviours[{j}].nl"] = f"p{i}-behaviours_nl"
            names[f"passages[{i}].behaviours[{j}].en"] = f"p{i}-behaviours_en"
    return names


async def _curate_page(
    web: Web, request: Request, me: Person, *, rows: list[dict[str, str]] | None = None, errors: FormErrors | None = None,
    status_code: int = 200, override: str = "",
) -> Response:
    story, people, listed = await asyncio.gather(
        _story(web, me), web.directory(me), web.call(web.stubs.story.ListProposals, pb.ListProposalsRequest(open_only=True), me),
    )
    if not _is_curator(people, me):
        return web.render(request, "story_curate.html", status_code=403, curator=False, sv=sv, people=people)
    draft = story.draft if story.draft.version else None
    base = draft or story.published
    if rows is None:
        rows = [{"key": p.key, **passage_values(p)} for p in base.passages]
    latest = max(story.draft.version, story.published.version)
    return web.render(
        request, "story_curate.html", status_code=status_code, curator=True, draft=draft, published=story.published, rows=rows,
        base_version=latest, errors=errors or FormErrors(), override=override, open_proposals=list(listed.proposals),
        people=people, sv=sv,
    )


async def curate_page(request: Request) -> Response:
    web = web_of(request)
    return await _curate_page(web, request, web.person(request))


async def save_draft(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    rows = curated_rows(form)
    passages = [passage_from_form(row, row["key"]) for row in rows]
    try:
        await web.call(web.stubs.story.SaveDraft, pb.SaveDraftRequest(base_version=_int(_str(form, "base_version")), passages=passages), me)
    except grpc.aio.AioRpcError as err:
        if _passthrough(err):
            raise
        return await _curate_page(web, request, me, rows=rows, errors=story_errors(err, curate_fields(rows), web, request), status_code=422)
    return _redirect("/story/curate?saved=1#check")


async def publish(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    reason = _str(form, "readability_override_reason")
    try:
        await web.call(
            web.stubs.story.PublishDraft,
            pb.PublishDraftRequest(draft_version=_int(_str(form, "draft_version")), readability_override_reason=reason), me,
        )
    except grpc.aio.AioRpcError as err:
        if _passthrough(err):
            raise
        errors = story_errors(err, {"readability_override_reason": "readability_override_reason", "draft_version": "readability_override_reason"}, web, request)
        return await _curate_page(web, request, me, errors=errors, status_code=422, override=reason)
    return _redirect("/story?published=1")



# ---------- team stories ----------

TEAM_FIELDS = {
    "title.nl": "title_nl", "title.en": "title_en", "text": "text_nl", "text.nl": "text_nl", "text.en": "text_en",
    "value_keys": "value_keys", "theme_keys": "theme_keys", "base_version": "text_nl", "readability_override_reason": "readability_override_reason",
    "version": "readability_override_reason",
}


async def values_and_themes(web: Web, me: Person) -> list[pb.Passage]:
    """The published story's values and themes, for a form that links to them (a goal); none when the story
    service is not there or cannot answer now (the form works without)."""
    if web.stubs.story is None:
        return []
    try:
        story = await _story(web, me)
    except grpc.aio.AioRpcError:
        return []
    found = links(story.published.passages)
    return found[0] + found[1]


def links(passages: Sequence[pb.Passage]) -> tuple[list[pb.Passage], list[pb.Passage]]:
    """The published story's values and themes, what a team story, a goal or an ambition links to."""
    return [p for p in passages if p.kind == pb.PASSAGE_KIND_VALUE], [p for p in passages if p.kind == pb.PASSAGE_KIND_THEME]


async def my_team_story(request: Request) -> Response:
    """The team the person manages (the prompt on a new version is a manager's), else their own, else the list."""
    web = web_of(request)
    me = web.person(request)
    teams, people = await asyncio.gather(web.call(web.stubs.org.ListTeams, org_pb2.ListTeamsRequest(), me), web.directory(me))
    managed = [t.id for t in teams.teams if t.manager_id == me.id]
    mine = people.get(me.id)
    team = managed[0] if managed else (mine.team_id if mine else "")
    return _redirect(f"/story/teams/{team}" if team else "/story/teams")


async def team_stories_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    listed, people, teams = await asyncio.gather(
        web.call(web.stubs.story.ListTeamStories, pb.ListTeamStoriesRequest(), me), web.directory(me),
        web.call(web.stubs.org.ListTeams, org_pb2.ListTeamsRequest(), me),
    )
    names = {t.id: t.name for t in teams.teams}
    mine = people.get(me.id)
    managed = [t for t in teams.teams if t.manager_id == me.id]
    return web.render(
        request, "story_teams.html", stories=list(listed.stories), names=names, my_team=mine.team_id if mine else "", managed=managed,
        people=people, sv=sv,
    )


async def _team_page(
    web: Web, request: Request, me: Person, team_id: str, *, values: dict[str, str] | None = None, chosen: set[str] | None = None,
    errors: FormErrors | None = None, status_code: int = 200, override: str = "",
) -> Response:
    try:
        view, story, people, teams = await asyncio.gather(
            web.call(web.stubs.story.GetTeamStory, pb.GetTeamStoryRequest(team_id=team_id), me), _story(web, me), web.directory(me),
            web.call(web.stubs.org.ListTeams, org_pb2.ListTeamsRequest(), me),
        )
    except grpc.aio.AioRpcError as err:
        if err.code() == grpc.StatusCode.NOT_FOUND:
            raise web.not_found() from None
        raise
    team = next((t for t in teams.teams if t.id == team_id), None)
    current = view.draft if view.draft.version else view.published
    if values is None:
        values = {"title_nl": current.title.nl, "title_en": current.title.en, "text_nl": current.text.nl, "text_en": current.text.en}
        chosen = set(current.value_keys) | set(current.theme_keys)
    mine = people.get(me.id)
    writer = (mine is not None and mine.team_id == team_id) or view.manager_id == me.id or _is_curator(people, me)
    publisher = view.manager_id == me.id or _is_curator(people, me)
    values_, themes = links(story.published.passages)
    return web.render(
        request, "story_team.html", status_code=status_code, team_id=team_id, team_name=team.name if team else team_id,
        view=view, values=values, chosen=chosen or set(), errors=errors or FormErrors(), override=override, writer=writer,
        publisher=publisher, story_values=values_, story_themes=themes, base_version=max(view.draft.version, view.published.version),
        people=people, sv=sv,
    )


async def team_story_page(request: Request) -> Response:
    web = web_of(request)
    return await _team_page(web, request, web.person(request), request.path_params["team_id"])


async def save_team_story(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    team_id = request.path_params["team_id"]
    form = await request.form()
    values = {n: _str(form, n) for n in ("title_nl", "title_en", "text_nl", "text_en")}
    chosen = {str(k) for k in form.getlist("links")}
    try:
        await web.call(web.stubs.story.SaveTeamStory, pb.SaveTeamStoryRequest(
            team_id=team_id, base_version=_int(_str(form, "base_version")),
            title=pb.LocalizedText(nl=values["title_nl"], en=values["title_en"]), text=pb.LocalizedText(nl=values["text_nl"], en=values["text_en"]),
            value_keys=sorted(k for k in chosen if k.startswith("value.")), theme_keys=sorted(k for k in chosen if k.startswith("theme.")),
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passthrough(err):
            raise
        errors = story_errors(err, TEAM_FIELDS, web, request)
        return await _team_page(web, request, me, team_id, values=values, chosen=chosen, errors=errors, status_code=422)
    return _redirect(f"/story/teams/{team_id}?saved=1#check")


async def publish_team_story(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    team_id = request.path_params["team_id"]
    form = await request.form()
    reason = _str(form, "readability_override_reason")
    try:
        await web.call(web.stubs.story.PublishTeamStory, pb.PublishTeamStoryRequest(
            team_id=team_id, version=_int(_str(form, "version")), readability_override_reason=reason,
        ), me)
    except grpc.aio.AioRpcError as err:
        if _passthrough(err):
            raise
        errors = story_errors(err, TEAM_FIELDS, web, request)
        return await _team_page(web, request, me, team_id, errors=errors, status_code=422, override=reason)
    return _redirect(f"/story/teams/{team_id}?published=1")


# ---------- a person's own ambition ----------


async def _ambition_page(
    web: Web, request: Request, me: Person, *, ambition: pb.Ambition | None = None, errors: FormErrors | None = None, status_code: int = 200,
) -> Response:
    story, people = await asyncio.gather(_story(web, me), web.directory(me))
    if ambition is None:
        ambition = await web.call(web.stubs.story.GetAmbition, pb.GetAmbitionRequest(employee_id=me.id), me)
    person = people.get(me.id)
    values_, themes = links(story.published.passages)
    return web.render(
        request, "story_ambition.html", status_code=status_code, ambition=ambition, errors=errors or FormErrors(),
        manager=views.name(people, person.manager_id) if person and person.manager_id else "",
        coach=views.name(people, person.coach_id) if person and person.coach_id else "",
        story_values=values_, story_themes=themes, people=people, sv=sv,
    )


async def ambition_page(request: Request) -> Response:
    web = web_of(request)
    return await _ambition_page(web, request, web.person(request))


async def save_ambition(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    asked = pb.SaveAmbitionRequest(
        text=_str(form, "text"), share_with_manager=_str(form, "share_with_manager") == "yes", share_with_coach=_str(form, "share_with_coach") == "yes",
        passage_keys=sorted({str(k) for k in form.getlist("links")}),
    )
    try:
        await web.call(web.stubs.story.SaveAmbition, asked, me)
    except grpc.aio.AioRpcError as err:
        if _passthrough(err):
            raise
        typed = pb.Ambition(employee_id=me.id, text=asked.text, shared_with_manager=asked.share_with_manager, shared_with_coach=asked.share_with_coach, passage_keys=asked.passage_keys)
        errors = story_errors(err, {"text": "text", "passage_keys": "links"}, web, request)
        return await _ambition_page(web, request, me, ambition=typed, errors=errors, status_code=422)
    return _redirect("/story/ambition?saved=1")


async def shared_ambition_page(request: Request) -> Response:
    """Someone's ambition, for their manager or coach when they shared it; otherwise the page does not exist."""
    web = web_of(request)
    me = web.person(request)
    owner = request.path_params["employee_id"]
    try:
        ambition, story, people = await asyncio.gather(
            web.call(web.stubs.story.GetAmbition, pb.GetAmbitionRequest(employee_id=owner), me), _story(web, me), web.directory(me),
        )
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED):
            raise web.not_found() from None
        raise
    titles = {p.key: in_language(p.title, web.language(request))[0] for p in story.published.passages}
    return web.render(request, "story_ambition_shared.html", ambition=ambition, owner=views.name(people, owner), titles=titles, sv=sv)


# ---------- reach and the jargon list ----------


async def story_alignment(web: Web, me: Person, team_id: str = "") -> an.StoryAlignment | None:
    """Analytics' alignment of a team (or, empty, the organisation) with the story, for story_alignment.html; None
    when the person may not read it or analytics cannot answer now (the page shows the rest)."""
    try:
        answer: an.StoryAlignment = await web.call(web.stubs.analytics.GetStoryAlignment, an.GetStoryAlignmentRequest(team_id=team_id), me)
    except grpc.aio.AioRpcError:
        return None
    return answer


async def reach_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    people = await web.directory(me)
    try:
        reach = await web.call(web.stubs.story.GetStoryReach, pb.GetStoryReachRequest(), me)
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
            return web.render(
                request, "story_reach.html", status_code=200 if err.code() == grpc.StatusCode.NOT_FOUND else 403, reach=None,
                alignment=None, sv=sv,
            )
        raise
    # HR and leaders see the organisation's alignment; a manager their (first) team's.
    scope = "" if _is_curator(people, me) else (reach.teams[0].team_id if reach.teams else "")
    alignment = await story_alignment(web, me, scope) if scope or _is_curator(people, me) else None
    return web.render(request, "story_reach.html", reach=reach, alignment=alignment, sv=sv)


def jargon_lines(terms: Sequence[pb.JargonTerm], language: str) -> str:
    return "\n".join(f"{t.term} = {t.plain}" for t in terms if t.language == language)


def parse_jargon(raw: str, language: str) -> tuple[list[pb.JargonTerm], list[int]]:
    """The terms of lines written "term = plainer words", and the numbers of the lines that are not."""
    terms, bad = [], []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        term, sep, plain = line.partition("=")
        if not sep or not term.strip() or not plain.strip():
            bad.append(number)
            continue
        terms.append(pb.JargonTerm(language=language, term=term.strip(), plain=plain.strip()))
    return terms, bad


async def jargon_page(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    listed, people = await asyncio.gather(web.call(web.stubs.story.GetJargon, pb.GetJargonRequest(), me), web.directory(me))
    person = people.get(me.id)
    keeper = person is not None and any(r in (org_pb2.ROLE_HR, org_pb2.ROLE_ADMIN) for r in person.roles)
    values = {lang: jargon_lines(listed.terms, lang) for lang in ("nl", "en")}
    return web.render(request, "story_jargon.html", values=values, keeper=keeper, errors=FormErrors(), sv=sv)


async def save_jargon(request: Request) -> Response:
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    gettext = web.gettext(request)
    values = {lang: _str(form, f"jargon_{lang}") for lang in ("nl", "en")}
    errors = FormErrors()
    terms: list[pb.JargonTerm] = []
    for lang in ("nl", "en"):
        found, bad = parse_jargon(values[lang], lang)
        terms += found
        if bad:
            errors.add(f"jargon_{lang}", gettext("Write each line as “term = plainer words”; look at line %(lines)s") % {"lines": ", ".join(map(str, bad))})
    if not errors:
        try:
            await web.call(web.stubs.story.SetJargon, pb.SetJargonRequest(terms=terms), me)
        except grpc.aio.AioRpcError as err:
            if _passthrough(err):
                raise
            errors = story_errors(err, {}, web, request)
    if errors:
        return web.render(request, "story_jargon.html", status_code=422, values=values, keeper=True, errors=errors, sv=sv)
    return _redirect("/story/jargon?saved=1")
