"""The rule place (rules.RULES, one entry per consumed event type) and the two rules that address a group
rather than the people an event names: a published story (each manager about their team, everyone else to read
it) and a referral (HR, without content)."""
from __future__ import annotations

import dataclasses
import datetime as dt

from paars.common.v1 import event_pb2 as ev
from paars.feedback.v1 import feedback_pb2 as fb
from paars.notifications.v1 import notifications_pb2 as pb
from paars.story.v1 import story_pb2 as st
from paars_notifications.domain import involvement, policy, rules, texts
from paars_platform import registry
from paars_platform.links import action_path
from tests.unit.test_notifications_rules import ORG, TODAY, meta

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def story(version: int = 3) -> st.StoryPublished:
    return st.StoryPublished(metadata=meta("organisation", ev.VISIBILITY_PUBLIC, actor="boss"), story=st.StoryVersion(version=version, published=True))


def referral() -> fb.ReferralRaised:
    return fb.ReferralRaised(metadata=meta("ann", ev.VISIBILITY_HR_ONLY, actor="mgr"), referral_id="ref-1")


def test_every_consumed_event_type_has_one_rule_entry_and_the_registry_routes_exactly_those() -> None:
    assert set(rules.RULES) == set(involvement.NAMED), "who an event names and what its rule does: the same types"
    registry.check_consumer("notifications", rules.RULES)


def test_a_published_story_asks_each_manager_once_how_it_lands_in_their_team() -> None:
    org = dataclasses.replace(ORG, audience=("ann", "bob", "boss", "hr1", "mgr"))
    drafts = [d for d in rules.prompts_for(story(3), org, TODAY) if d.kind == pb.PROMPT_KIND_TEAM_STORY]
    assert [d.recipient_id for d in drafts] == ["boss", "mgr"], "the people with a direct report"
    assert {d.moment_id for d in drafts} == {"story:organisation:3"}, "one prompt per manager per published version"
    assert rules.RULES[st.StoryPublished].audience == rules.EVERYONE
    assert {d.moment_id for d in rules.prompts_for(story(4), org, TODAY)} == {"story:organisation:4"}, "a new version asks again"
    [mgr] = [d for d in drafts if d.recipient_id == "mgr"]
    assert texts.render(mgr.title, "en") == "Version 3 of our story is out: how does it land in your team?"
    assert texts.render(mgr.title, "nl") == "Versie 3 van ons verhaal is uit: hoe komt het aan in je team?"
    assert "één concreet voorbeeld" in texts.render(mgr.body, "nl") and "one concrete example" in texts.render(mgr.body, "en")
    assert action_path(mgr.kind) == "/story/team"
    assert rules.prompts_for(story(), ORG, TODAY) == [], "nobody in the audience: nobody prompted"
    assert rules.actions_in(story()) == []


def test_a_published_story_asks_everyone_else_once_at_low_priority_to_read_what_changed() -> None:
    """The audience is everyone active; who has a direct report among them is a manager and gets only the team
    prompt (it has them read it), the others one low-priority prompt linking to the story, once per version."""
    org = dataclasses.replace(ORG, audience=("ann", "bob", "boss", "hr1", "mgr"))
    drafts = rules.prompts_for(story(5), org, TODAY)
    assert sorted((d.recipient_id, d.kind, d.priority) for d in drafts) == [
        ("ann", pb.PROMPT_KIND_STORY_CHANGED, pb.PRIORITY_LOW), ("bob", pb.PROMPT_KIND_STORY_CHANGED, pb.PRIORITY_LOW),
        ("boss", pb.PROMPT_KIND_TEAM_STORY, pb.PRIORITY_NORMAL), ("hr1", pb.PROMPT_KIND_STORY_CHANGED, pb.PRIORITY_LOW),
        ("mgr", pb.PROMPT_KIND_TEAM_STORY, pb.PRIORITY_NORMAL),
    ], "one prompt each: a manager is not also asked to read it"
    assert {(d.moment_id, d.ref_id, d.about_id) for d in drafts} == {("story:organisation:5", "5", "")}
    [ann] = [d for d in drafts if d.recipient_id == "ann"]
    assert texts.render(ann.title, "en") == "Version 5 of our story is out: read what changed"
    assert texts.render(ann.title, "nl") == "Versie 5 van ons verhaal is uit: lees wat er veranderd is"
    assert "one concrete moment" in texts.render(ann.body, "en") and "één concreet moment" in texts.render(ann.body, "nl")
    assert action_path(ann.kind) == "/story"
    # Without the manager in the audience (left the organisation), their reports are readers like anyone.
    only_reports = dataclasses.replace(ORG, audience=("ann", "bob"))
    assert {d.kind for d in rules.prompts_for(story(5), only_reports, TODAY)} == {pb.PROMPT_KIND_STORY_CHANGED}
    # Low priority: with the week's budget spent it waits for the digest; a normal one still has a slot.
    assert policy.decide(NOW, policy.DeliveryPreferences(), ann.priority, sent_in_window=3).mode == "digest"
    assert policy.decide(NOW, policy.DeliveryPreferences(), pb.PRIORITY_NORMAL, sent_in_window=3).mode == "now"


def test_a_referral_tells_hr_one_is_waiting_and_nothing_about_it() -> None:
    org = dataclasses.replace(ORG, audience=("ann", "hr1"))
    [draft] = rules.prompts_for(referral(), org, TODAY)
    assert (draft.recipient_id, draft.kind, draft.about_id, draft.ref_id) == ("hr1", pb.PROMPT_KIND_REFERRAL, "", "ref-1")
    words = " ".join(texts.render(m, lang) for m in (draft.title, draft.body) for lang in ("nl", "en"))
    assert not any(name in words for name in ("Ann", "Peeters", "Mo Manager", "ann")), "neither who it is about nor who raised it"
    assert texts.render(draft.title, "nl") == "Er wacht een vertrouwelijke doorverwijzing"
    assert action_path(draft.kind) == "/hr/referrals"
    # The person it is about is never prompted about it, whatever group they are in.
    assert [d.recipient_id for d in rules.prompts_for(referral(), dataclasses.replace(ORG, audience=("ann",)), TODAY)] == []
