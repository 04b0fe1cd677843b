"""The analytics worker (a real Faust process, real broker) keeps the story's catalogue and each person's alignment:
a team's values lived in feedback, the themes its goals serve and what nobody touches (issue 16 item 5)."""
from __future__ import annotations

import uuid

import grpc

from paars.analytics.v1 import analytics_pb2 as pb
from paars.analytics.v1 import analytics_pb2_grpc
from paars.feedback.v1 import feedback_pb2 as fb
from paars.goals.v1 import goals_pb2 as goals
from paars.org.v1 import org_pb2 as org
from paars.story.v1 import story_pb2 as spb
from paars_platform.events import new_metadata, to_record
from tests.helpers import system_auth
from tests.integration.test_analytics_stream import Worker, publisher, until  # noqa: F401  (publisher is a fixture)


def _passage(key: str, kind: int, nl: str, en: str) -> spb.Passage:
    return spb.Passage(key=key, kind=kind, title=spb.LocalizedText(nl=nl, en=en))


async def test_a_teams_values_lived_and_themes_served_come_from_feedback_and_goal_events(kafka_bootstrap, publisher, tmp_path) -> None:  # noqa: F811
    run = uuid.uuid4().hex[:8]
    team, people = f"team-{run}", [f"p{i}-{run}" for i in range(4)]
    worker = Worker(kafka_bootstrap, f"analytics-story-{run}", str(tmp_path / "worker.log")).start()
    try:
        records = [to_record(org.TeamChanged(
            metadata=new_metadata(producer="goals", subject_id=team, visibility=6), team=org.Team(id=team, name="Team", manager_id=people[0], version=1)))]
        records += [to_record(org.EmployeeChanged(
            metadata=new_metadata(producer="goals", subject_id=p, visibility=6), change=org.EmployeeChanged.CHANGE_CREATED,
            employee=org.Employee(id=p, name=p, team_id=team, active=True, version=1), team_path=[team])) for p in people]
        publisher.publish(records)
        publisher.publish([to_record(spb.StoryPublished(
            metadata=new_metadata(producer="story", subject_id="organisation-story", visibility=3),
            story=spb.StoryVersion(version=1, published=True, passages=[
                _passage("value.openness", spb.PASSAGE_KIND_VALUE, "Open", "Open"), _passage("value.care", spb.PASSAGE_KIND_VALUE, "Zorg", "Care"),
                _passage("theme.clients", spb.PASSAGE_KIND_THEME, "Klant", "Clients"),
            ]),
        ))])
        events = []
        for i, p in enumerate(people[1:]):
            events.append(to_record(goals.GoalUpdated(
                metadata=new_metadata(producer="goals", subject_id=p, visibility=2), changes=[goals.GoalUpdated.CHANGE_PROPOSED],
                goal=goals.Goal(id=f"g{i}-{run}", owner_id=p, team_id=team, story_keys=["theme.clients"], due_date="2031-12-31", start_date="2026-01-01"),
            )))
            events.append(to_record(fb.FeedbackGiven(
                metadata=new_metadata(producer="feedback", subject_id=p, visibility=1), feedback_id=f"f{i}-{run}", receiver_id=p,
                kind=fb.FEEDBACK_KIND_PRAISE, relation=fb.RELATION_PEER, value_key="value.openness",
            )))
        publisher.publish(events)

        async def alignment() -> pb.StoryAlignment | None:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{worker.port}") as channel:
                try:
                    answer = await analytics_pb2_grpc.AnalyticsServiceStub(channel).GetStoryAlignment(
                        pb.GetStoryAlignmentRequest(team_id=team), metadata=system_auth(), timeout=2)
                except grpc.aio.AioRpcError:
                    return None
            parts = {p.key: p for p in answer.parts}
            ready = parts.get("value.openness") and parts["value.openness"].lived_in_feedback.value == 3 and parts["theme.clients"].served_by_goals.value == 3
            return answer if ready else None

        answer = await until(alignment, timeout=90)
        assert answer is not None, (tmp_path / "worker.log").read_text()[-3000:]
        parts = {p.key: p for p in answer.parts}
        assert answer.story_version == 1 and answer.people.value == 4
        assert parts["value.care"].untouched and not parts["value.openness"].untouched
    finally:
        worker.stop()
