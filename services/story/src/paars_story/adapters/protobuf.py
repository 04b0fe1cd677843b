"""Translation between the story's domain objects and its protobuf messages (responses and events)."""
from __future__ import annotations

from google.protobuf.message import Message

from paars.common.v1 import event_pb2
from paars.story.v1 import story_pb2 as pb
from paars_platform.events import new_metadata, timestamp
from paars_story.domain import reach as r
from paars_story.domain import story as s
from paars_story.domain import team_story as ts
from paars_story.domain.ambition import Ambition
from paars_story.domain.plain_language import FindingKind, PlainLanguagePolicy, TextCheck

PRODUCER = "paars-story"
STORY_SUBJECT = "organisation-story"

_FINDING_KINDS = {
    FindingKind.LOW_READABILITY: pb.FINDING_KIND_LOW_READABILITY,
    FindingKind.LONG_SENTENCE: pb.FINDING_KIND_LONG_SENTENCE,
    FindingKind.JARGON: pb.FINDING_KIND_JARGON,
    FindingKind.PASSIVE: pb.FINDING_KIND_PASSIVE,
    FindingKind.NOMINALISATION: pb.FINDING_KIND_NOMINALISATION,
}


def localized_to_proto(value: s.Localized) -> pb.LocalizedText:
    return pb.LocalizedText(nl=value.nl, en=value.en)


def localized_from_proto(value: pb.LocalizedText) -> s.Localized:
    return s.Localized(value.nl, value.en)


def passage_to_proto(p: s.Passage) -> pb.Passage:
    return pb.Passage(
        key=p.key, kind=p.kind.value,  # type: ignore[arg-type]
        title=localized_to_proto(p.title), text=localized_to_proto(p.text),
        behaviours=[localized_to_proto(b) for b in p.behaviours],
    )


def passage_from_proto(p: pb.Passage) -> s.Passage:
    """An unspecified or unknown kind becomes the kind the key names (validation then checks the key)."""
    known = {k.value: k for k in s.PassageKind}
    kind = known.get(p.kind) or s.kind_of_key(p.key) or s.PassageKind.MISSION
    return s.Passage(
        p.key, kind, localized_from_proto(p.title), localized_from_proto(p.text),
        tuple(localized_from_proto(b) for b in p.behaviours),
    )


def text_check_to_proto(check: TextCheck) -> pb.TextCheck:
    return pb.TextCheck(
        language=check.language, score=check.score, score_name=check.score_name, threshold=check.threshold,
        below_threshold=check.below_threshold,
        findings=[
            pb.Finding(kind=_FINDING_KINDS[f.kind], start=f.start, end=f.end, words=f.words, suggestion=f.suggestion)
            for f in check.findings
        ],
    )


def passage_check_to_proto(check: s.PassageCheck) -> pb.PassageCheck:
    return pb.PassageCheck(passage_key=check.passage_key, checks=[text_check_to_proto(c) for c in check.checks])


def version_to_proto(v: s.StoryVersion, policy: PlainLanguagePolicy) -> pb.StoryVersion:
    """The version with each passage's plain-language check under the organisation's current policy."""
    message = pb.StoryVersion(
        version=v.version, published=v.published, passages=[passage_to_proto(p) for p in v.passages],
        updated_at=timestamp(v.updated_at), updated_by=v.updated_by, published_by=v.published_by,
        contributor_ids=list(v.contributor_ids), readability_override_reason=v.readability_override_reason,
        checks=[passage_check_to_proto(s.check_passage(p, policy)) for p in v.passages],
    )
    if v.published_at is not None:
        message.published_at.CopyFrom(timestamp(v.published_at))
    return message


def proposal_to_proto(p: s.Proposal, policy: PlainLanguagePolicy) -> pb.Proposal:
    return pb.Proposal(
        proposal_id=p.id, author_id=p.author_id, passage=passage_to_proto(p.passage), reason=p.reason,
        state=p.state.value,  # type: ignore[arg-type]
        endorser_ids=list(p.endorser_ids),
        comments=[pb.Comment(comment_id=c.id, author_id=c.author_id, text=c.text, created_at=timestamp(c.created_at)) for c in p.comments],
        created_at=timestamp(p.created_at), check=passage_check_to_proto(s.check_passage(p.passage, policy)),
        accepted_into_version=p.accepted_into_version,
    )


def team_story_to_proto(story: ts.TeamStory, policy: PlainLanguagePolicy) -> pb.TeamStory:
    message = pb.TeamStory(
        team_id=story.team_id, version=story.version, published=story.published, title=localized_to_proto(story.title),
        text=localized_to_proto(story.text), value_keys=list(story.value_keys), theme_keys=list(story.theme_keys),
        story_version=story.story_version, updated_at=timestamp(story.updated_at), updated_by=story.updated_by,
        published_by=story.published_by, contributor_ids=list(story.contributor_ids),
        readability_override_reason=story.readability_override_reason,
        check=passage_check_to_proto(ts.check_team_story(story, policy)),
    )
    if story.published_at is not None:
        message.published_at.CopyFrom(timestamp(story.published_at))
    return message


def kcount_to_proto(count: r.KCount) -> pb.KCount:
    return pb.KCount(value=count.value, hidden=count.hidden)


def team_reach_to_proto(row: r.TeamReach) -> pb.TeamReach:
    return pb.TeamReach(
        team_id=row.team_id, team_name=row.team_name, members=kcount_to_proto(row.members), read=kcount_to_proto(row.read),
        reacted=kcount_to_proto(row.reacted), contributed=kcount_to_proto(row.contributed),
    )


def jargon_to_proto(terms: dict[str, dict[str, str]]) -> pb.JargonList:
    return pb.JargonList(terms=[
        pb.JargonTerm(language=lang, term=term, plain=plain) for lang in sorted(terms) for term, plain in sorted(terms[lang].items())
    ])


def ambition_to_proto(a: Ambition) -> pb.Ambition:
    return pb.Ambition(
        employee_id=a.employee_id, text=a.text, shared_with_manager=a.shared_with_manager, shared_with_coach=a.shared_with_coach,
        passage_keys=list(a.passage_keys), updated_at=timestamp(a.updated_at),
    )


def event_to_proto(event: s.StoryPublished | s.ProposalUpdated | ts.TeamStoryPublished, policy: PlainLanguagePolicy) -> Message:
    if isinstance(event, ts.TeamStoryPublished):
        story = event.story
        return pb.TeamStoryPublished(
            metadata=new_metadata(
                producer=PRODUCER, subject_id=story.team_id, visibility=event_pb2.VISIBILITY_PUBLIC,
                actor_id=event.actor_id, occurred_at=story.published_at,
            ),
            story=team_story_to_proto(story, policy), manager_id=event.team.manager_id, team_name=event.team.name,
        )
    if isinstance(event, s.StoryPublished):
        story = event.story
        return pb.StoryPublished(
            metadata=new_metadata(
                producer=PRODUCER, subject_id=STORY_SUBJECT, visibility=event_pb2.VISIBILITY_PUBLIC,
                actor_id=event.actor_id, occurred_at=story.published_at,
            ),
            story=version_to_proto(story, policy),
        )
    p = event.proposal
    return pb.ProposalUpdated(
        metadata=new_metadata(
            producer=PRODUCER, subject_id=p.id, visibility=event_pb2.VISIBILITY_PUBLIC, actor_id=event.actor_id,
            occurred_at=event.occurred_at,
        ),
        proposal_id=p.id, passage_key=p.passage.key, state=p.state.value,  # type: ignore[arg-type]
        change=event.change, endorsements=len(p.endorser_ids), comments=len(p.comments),
    )
