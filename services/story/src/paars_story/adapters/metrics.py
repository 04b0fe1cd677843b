"""The story service's own Prometheus metrics (paars_story_*), told of every command that succeeded by the
message bus (an observer), beside the platform's gRPC, outbox and consumer metrics."""
from __future__ import annotations

from typing import Any

from paars_platform import metrics
from paars_story.domain.story import Proposal, StoryVersion
from paars_story.domain.team_story import TeamStory
from paars_story.service_layer import commands as c

PROPOSALS = metrics.counter(
    "paars_story_proposal_changes_total", "Proposals made, commented on, endorsed, accepted or declined.", ("change",),
)
PUBLICATIONS = metrics.counter(
    "paars_story_publications_total", "Versions published: the organisation story or a team story, with or without a readability override.",
    ("story", "override"),
)
DRAFTS = metrics.counter("paars_story_drafts_saved_total", "Draft versions saved.", ("story",))
READS = metrics.counter("paars_story_reads_total", "Times someone opened a published version of the story (each person once per version counts in the reach).")
AMBITIONS = metrics.counter("paars_story_ambitions_saved_total", "Ambitions written or changed (never their text or who).")
JARGON = metrics.gauge("paars_story_jargon_terms", "Terms on the organisation's jargon list as HR last set it, per language.", ("language",))
_PROPOSAL_CHANGES = {
    c.ProposeChange: "proposed", c.CommentOnProposal: "commented", c.EndorseProposal: "endorsed",
}


def observe(command: c.Command[Any], answer: Any) -> None:
    kind = type(command)
    if kind in _PROPOSAL_CHANGES:
        PROPOSALS.labels(_PROPOSAL_CHANGES[kind]).inc()
    elif isinstance(command, c.DecideProposal) and isinstance(answer, Proposal):
        PROPOSALS.labels("accepted" if command.accept else "declined").inc()
        if command.accept:
            DRAFTS.labels("organisation").inc()
    elif isinstance(command, c.SaveDraft):
        DRAFTS.labels("organisation").inc()
    elif isinstance(command, c.PublishDraft) and isinstance(answer, StoryVersion):
        PUBLICATIONS.labels("organisation", "yes" if answer.readability_override_reason else "no").inc()
    elif isinstance(command, c.SaveTeamStory):
        DRAFTS.labels("team").inc()
    elif isinstance(command, c.PublishTeamStory) and isinstance(answer, TeamStory):
        PUBLICATIONS.labels("team", "yes" if answer.readability_override_reason else "no").inc()
    elif isinstance(command, c.MarkStoryRead):
        READS.inc()
    elif isinstance(command, c.SaveAmbition):
        AMBITIONS.inc()
    elif isinstance(command, c.SetJargon) and isinstance(answer, dict):
        for language in ("nl", "en"):
            JARGON.labels(language).set(len(answer.get(language, {})))
