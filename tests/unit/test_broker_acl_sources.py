"""The production ACLs are rendered from paars_platform.topics: the services must still use the names it lists."""
from __future__ import annotations

from paars_analytics import app as analytics_app
from paars_analytics.config import AnalyticsConfig, Thresholds
from paars_feedback import bootstrap as feedback_bootstrap
from paars_goals import bootstrap as goals_bootstrap
from paars_notifications import bootstrap as notifications_bootstrap
from paars_notifications.service_layer.prompting import CONSUMED_TOPICS
from paars_platform.config import Settings
from paars_platform.topics import BY_NAME, CONSUMER_GROUPS, PRIVATE_TOPIC_PREFIXES


def _readable_by(service: str, topic: str) -> bool:
    """What the rendered KafkaUsers allow a consumer: public (event) topics of other services."""
    t = BY_NAME[topic]
    return bool(t.message_type) and t.owner != service


def test_feedback_and_notifications_consume_in_the_groups_their_kafka_users_may_use() -> None:
    assert CONSUMER_GROUPS["feedback"] == (feedback_bootstrap.ORG_CONSUMER_GROUP,)
    assert CONSUMER_GROUPS["notifications"] == (notifications_bootstrap.GROUP_ID,)


def test_goals_consumes_the_story_catalogue_in_the_group_its_kafka_user_may_use() -> None:
    runtime = goals_bootstrap.build(Settings.from_env("goals"))
    assert [spec.group_id for spec in runtime.consumers] == list(CONSUMER_GROUPS["goals"]) == [goals_bootstrap.STORY_CONSUMER_GROUP]
    assert all(_readable_by("goals", t) for spec in runtime.consumers for t in spec.handlers)


def test_every_topic_a_service_consumes_is_one_its_kafka_user_may_read() -> None:
    feedback = feedback_bootstrap.build(Settings.from_env("feedback"))
    consumed = {
        "feedback": {t for spec in feedback.consumers for t in spec.handlers},
        "notifications": set(CONSUMED_TOPICS),
        "analytics": {
            *analytics_app.GOAL_TOPICS, *analytics_app.ORG_TOPICS, *analytics_app.FEEDBACK_TOPICS,
            *analytics_app.NOTIFICATION_TOPICS, *analytics_app.STORY_TOPICS,
        },
    }
    for service, names in consumed.items():
        assert names and all(_readable_by(service, n) for n in names), (service, sorted(names))


def test_the_faust_group_and_every_internal_topic_of_analytics_carry_its_private_prefix() -> None:
    config = AnalyticsConfig(settings=Settings.from_env("analytics"), thresholds=Thresholds())
    assert CONSUMER_GROUPS["analytics"] == (config.app_id,)
    ctx = analytics_app.create_app(config)
    internal = [ctx.given_topic.get_topic_name(), ctx.commands_topic.get_topic_name()]
    assert ctx.tables is not None
    internal += [table.changelog() for table in ctx.tables]
    prefix = PRIVATE_TOPIC_PREFIXES["analytics"]
    assert all(name.startswith(prefix) for name in internal), internal
    assert f"{config.app_id}-" == prefix
