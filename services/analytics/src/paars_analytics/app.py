"""The Faust app: topics, tables (keyed by employee id, with changelogs) and the shared context the agents use."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import faust
import msgspec
from faust.serializers import codecs

from paars_analytics.config import AnalyticsConfig
from paars_analytics.faust_seam import BulkApp
from paars_analytics.people import Changes, PeopleStore
from paars_analytics.replica import Replicated, TopicReplica
from paars_analytics.signals.state import UntrustedState, decode_state, encode_state, plain_pickle
from paars_analytics.tables import OwnedTable, Tables
from paars_platform import metrics, registry
from paars_platform.kafka_security import KafkaSecurity
from paars_platform.signing import EventVerifier
from paars_platform.topics import topic as registered_topic

# What the event registry routes to analytics, by producing domain (translate.py checks the handlers).
GOAL_TOPICS = registry.topics_consumed_by("analytics", domain="goals")
ORG_TOPICS = registry.topics_consumed_by("analytics", domain="org")
FEEDBACK_TOPICS = registry.topics_consumed_by("analytics", domain="feedback")
NOTIFICATION_TOPICS = registry.topics_consumed_by("analytics", domain="notifications")
STORY_TOPICS = registry.topics_consumed_by("analytics", domain="story")
CONVERSATION_TOPICS = registry.topics_consumed_by("analytics", domain="conversations")
INSIGHT_TOPIC = "analytics.insight-detected.v1"
DEAD_LETTER_TOPIC = "analytics.dead-letter.v1"
PARTITIONS = 6

# Event time lag can be long for late events; processing lag is what this histogram shows.
log = logging.getLogger("paars.analytics")

LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def _rejected(kind: str, exc: UntrustedState) -> None:
    # Read as absent (None, what a deleted key reads as): the worker keeps going, and nothing of the value ran.
    log.error("rejected a table value that is not of its schema", extra={"table_value": kind, "detail": str(exc)[:300]})


class PersonCodec(codecs.Codec):
    """People table values: the person state's msgpack schema (signals/state.py). A changelog record that is not
    such a state (nor the previous version's plain-data state) is rejected, never executed."""

    def _dumps(self, obj: Any) -> bytes:
        return encode_state(obj)

    def _loads(self, s: bytes) -> Any:
        try:
            return decode_state(s)
        except UntrustedState as exc:
            _rejected("person", exc)
            return None


class RecordCodec(codecs.Codec):
    """Directory and insight records: msgpack of plain data (a map of strings, numbers, lists and maps), so decoding
    builds data and nothing else; the previous version's pickled records are read by the plain-data parser."""

    _encoder = msgspec.msgpack.Encoder()
    _decoder = msgspec.msgpack.Decoder(dict[str, Any])

    def _dumps(self, obj: Any) -> bytes:
        return self._encoder.encode(obj)

    def _loads(self, s: bytes) -> Any:
        try:
            if s[:1] == b"\x80":
                value = plain_pickle(s)
                if not isinstance(value, dict):
                    raise UntrustedState("a record must be a map")
                return value
            try:
                return self._decoder.decode(s)
            except msgspec.DecodeError as exc:
                raise UntrustedState(f"not a plain-data record: {exc}") from None
        except UntrustedState as exc:
            _rejected("record", exc)
            return None


codecs.register("paars-person", PersonCodec())
codecs.register("paars-record", RecordCodec())


@dataclass
class ReadModel:
    """What every worker reads whole for itself (replica.py), so queries and team rules answer the same on every
    replica: people's states, open insights and story records from the tables' changelogs (each written by the
    owner of its key), kept in their encoded form. The directory is ``Analytics.employees``/``teams``."""

    people: Replicated
    insights: Replicated
    story_alignment: Replicated
    story_catalogue: Replicated


@dataclass
class Analytics:
    """Everything the agents, timers and the query API share inside one worker process."""

    config: AnalyticsConfig
    app: faust.App
    people: Any
    # The whole directory, in every worker (org/agents.py directory_replica): id -> record.
    employees: dict[str, Any]
    teams: dict[str, Any]
    insights: Any
    given_topic: Any
    commands_topic: Any
    insight_topic: Any
    dead_letter_topic: Any
    # People's state: memory in front of the people table (see people.py); detection and the API read it.
    state: PeopleStore
    # People whose state changed since the last detection round (process-local; a full scan covers restarts).
    dirty: set[str] = field(default_factory=set)
    # How many directory writes (employees, teams) this worker applied: the query API keeps its decoded copy of the
    # directory until this moves (api/queries.py Directory).
    directory_version: int = 0
    # Likewise for the insights table (insights/agents.py apply_command): the team page's open insights are read
    # from one decoded copy per change.
    insights_version: int = 0
    processed: Any = None
    lag: Any = None
    insights_total: Any = None
    dead_letters: Any = None
    consumer_lag: Any = None
    # Checks that directory events come signed by their producer (goals) before they are applied.
    verifier: EventVerifier | None = None
    # The organisation story (story/agents.py): its catalogue of values and themes, and each person's alignment.
    story_catalogue: Any = None
    story_alignment: Any = None
    read: ReadModel | None = None
    # The worker's readers of whole topics (the directory, the read model), started with the worker.
    replicas: list[TopicReplica] = field(default_factory=list)
    # The tables above (people, insights, story_*), moved at each rebalance (tables.py).
    tables: Tables | None = None

    def ready(self) -> bool:
        """Whether the directory and the read model have been read to where the topics ended at start."""
        return all(r.ready.is_set() for r in self.replicas)

    def owns(self, subject: str) -> bool:
        """Whether this worker holds the subject's partition (a person, a team, a manager): the one that runs the
        subject's rules and keeps its insights (the commands topic, co-partitioned with the person topics)."""
        tp = self.app.producer.key_partition(self.commands_topic.get_topic_name(), subject.encode())
        return bool(tp in self.app.consumer.assignment())

    def now(self) -> float:
        return self.config.clock()

    def source_topic(self, *names: str) -> Any:
        return self.app.topic(*names, key_serializer="raw", value_serializer="raw", partitions=PARTITIONS)

    def expected_type(self, topic: str) -> str:
        return registered_topic(topic).message_type


def broker_url(bootstrap: str) -> list[str]:
    return [f"kafka://{host.strip()}" for host in bootstrap.split(",") if host.strip()]


def broker_credentials(security: KafkaSecurity) -> Any:
    """Faust's form of the platform's broker security (None: plaintext, the development broker)."""
    security.validate()
    if security.sasl:
        return faust.SASLCredentials(
            username=security.username, password=security.password, ssl_context=security.ssl_context(),
            mechanism=security.sasl_mechanism,
        )
    if security.tls:
        return faust.SSLCredentials(security.ssl_context())
    return None


def create_app(config: AnalyticsConfig) -> Analytics:
    s = config.settings
    app = BulkApp(
        config.app_id,
        broker=broker_url(s.kafka_bootstrap),
        broker_credentials=broker_credentials(s.kafka_security),
        # No Faust table (tables.py), so Faust's store holds nothing: people's state lives in the read model
        # (replica.py), rebuilt from the changelogs at each start. The in-memory store opens no RocksDB.
        store="memory://",
        datadir=config.state_dir,
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=PARTITIONS,
        topic_replication_factor=config.changelog_replication,
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        broker_max_poll_records=config.poll_records,
        stream_buffer_maxsize=config.stream_buffer,
        broker_session_timeout=s.consumer_session_timeout_ms / 1000.0,
        broker_rebalance_timeout=max(s.consumer_rebalance_timeout_ms, 2000) / 1000.0,
        broker_heartbeat_interval=min(3.0, s.consumer_session_timeout_ms / 3000.0),
        broker_commit_interval=1.0,
        producer_linger_ms=5,
        # The platform's fetch wait (PAARS_CONSUMER_FETCH_WAIT_MS), not Faust's fixed 1500 ms: see faust_seam.py, 5.
        fetch_max_wait_ms=s.consumer_fetch_wait_ms,
        # No Faust table (tables.py): this app has no table recovery, and no local store to check.
    )
    changes = Changes()
    person, record = codecs.get_codec("paars-person"), codecs.get_codec("paars-record")
    # The read model's values go to a file in the worker's data directory (spill.py), not the heap.
    spill = config.state_dir
    read = ReadModel(
        people=Replicated(person.loads, changes, directory=spill), insights=Replicated(record.loads, directory=spill),
        story_alignment=Replicated(record.loads, changes, directory=spill),
        story_catalogue=Replicated(record.loads, directory=spill),
    )

    def table(name: str, value_serializer: str = "paars-record") -> OwnedTable:
        return OwnedTable(app, name, getattr(read, name), partitions=PARTITIONS, value_serializer=value_serializer)

    people = table("people", "paars-person")
    ctx = Analytics(
        config=config,
        app=app,
        people=people,
        employees={},
        teams={},
        insights=table("insights"),
        given_topic=app.topic(f"{config.app_id}-given-by-giver", internal=True, partitions=PARTITIONS,
                              key_serializer="raw", value_serializer="json"),
        commands_topic=app.topic(f"{config.app_id}-insight-commands", internal=True, partitions=PARTITIONS,
                                 key_serializer="raw", value_serializer="json"),
        insight_topic=app.topic(INSIGHT_TOPIC, key_serializer="raw", value_serializer="raw"),
        dead_letter_topic=app.topic(DEAD_LETTER_TOPIC, key_serializer="raw", value_serializer="raw"),
        state=PeopleStore(people, lambda: app.consumer, GOAL_TOPICS[0], flush_interval=config.flush_interval_seconds,
                          flush_events=config.flush_events, hot_people=config.hot_people,
                          hot_bytes=int(config.hot_mb * 1024 * 1024)),
    )
    ctx.story_catalogue = table("story_catalogue")
    ctx.story_alignment = table("story_alignment")
    ctx.read = read_model(ctx, read, changes)
    ctx.tables = Tables([people, ctx.insights, ctx.story_catalogue, ctx.story_alignment], ctx.replicas[-1])
    ctx.verifier = s.event_keys.verifier()
    ctx.verifier.require(ORG_TOPICS)
    # Pending writes go out (and their offsets are acknowledged) before any partition moves; then each table
    # forgets what it wrote (the read model has it next).
    app.revoke_callbacks += [ctx.state.drop, ctx.tables.revoked]
    # A partition's events are applied only once the read model holds its keys' last values (tables.py).
    app.assign_callbacks.append(ctx.tables.assigned)
    ctx.processed = metrics.counter("paars_analytics_events_processed_total", "Input events processed, by topic.", ("topic",))
    ctx.lag = metrics.histogram(
        "paars_analytics_event_lag_seconds", "Seconds from a record's append to the broker to its processing (oldest of each batch).",
        buckets=LAG_BUCKETS,
    )
    ctx.insights_total = metrics.counter("paars_analytics_insights_total", "Insights detected and published, by kind.", ("kind",))
    ctx.dead_letters = metrics.counter("paars_analytics_dead_letters_total", "Records sent to analytics.dead-letter.v1.", ("topic", "reason"))
    ctx.state.writes_metric = metrics.counter(
        "paars_analytics_state_writes_total", "Person states written back to the people table (store and changelog).")
    ctx.state.flushed_metric = metrics.counter(
        "paars_analytics_events_flushed_total",
        "Input events whose effects are in the people changelog (their offsets acknowledged for commit), by topic.",
        ("topic",))
    ctx.consumer_lag = metrics.gauge("paars_analytics_consumer_lag", "Messages behind the end of each consumed topic.", ("topic",))
    read_model_bytes = metrics.gauge(
        "paars_analytics_read_model_bytes",
        "The read model's values on local disk (spill.py), by table: live (held now) and file (live and dead, the "
        "file's size until its next rewrite).", ("table", "kind"))
    for name in ("people", "insights", "story_alignment", "story_catalogue"):
        values = getattr(read, name).raw
        read_model_bytes.labels(name, "live").set_function(lambda v=values: v.live_bytes)
        read_model_bytes.labels(name, "file").set_function(lambda v=values: v.file_bytes)
    return ctx


def _changelog_key(key: bytes | None) -> str:
    return str(json.loads(key)) if key else ""


def read_model(ctx: Analytics, model: ReadModel, changes: Changes) -> ReadModel:
    """The read model over the tables' changelogs, and the replica that keeps it (``ctx.replicas``)."""
    # A new catalogue counts every team's alignment anew.
    model.story_catalogue.on_change.append(lambda key: changes.reset())
    tables = {"people": model.people, "insights": model.insights, "story_alignment": model.story_alignment,
              "story_catalogue": model.story_catalogue}

    def applier(target: Replicated) -> Any:
        return lambda r: target.put(_changelog_key(r.key), r.value, r.partition)

    ctx.replicas.append(TopicReplica(ctx.config.settings, {
        f"{ctx.config.app_id}-{name}-changelog": applier(target) for name, target in tables.items()}, name="tables"))
    return model


def register_agents(ctx: Analytics) -> None:
    """Attaches every domain's agents, bulk topics and timers to the app (one sub-package per domain)."""
    from paars_analytics.conversations import agents as conversation_agents
    from paars_analytics.feedback import agents as feedback_agents
    from paars_analytics.goals import agents as goal_agents
    from paars_analytics.insights import agents as insight_agents
    from paars_analytics.notifications import agents as notification_agents
    from paars_analytics.org import agents as org_agents
    from paars_analytics.org import erasure as org_erasure
    from paars_analytics.story import agents as story_agents

    ctx.replicas.append(org_agents.directory_replica(ctx))
    for module in (goal_agents, org_agents, org_erasure, feedback_agents, notification_agents, insight_agents, story_agents, conversation_agents):
        module.register(ctx)

    @ctx.app.on_partitions_assigned.connect
    async def assigned(app: Any, assigned: set[Any], **kwargs: Any) -> None:
        # Which person partitions this worker owns after each rebalance (the group's whole assignment is in the
        # workers' logs together): the multi-worker tests read it, and so can whoever debugs a rebalance.
        log.info("partitions assigned", extra={"person_partitions": sorted(tp.partition for tp in assigned if tp.topic == GOAL_TOPICS[0])})

    @ctx.app.task
    async def declare_tables() -> None:
        # The read model subscribes once the changelogs exist; the first assignment would create them too.
        assert ctx.tables is not None
        await ctx.tables.declare()

    @ctx.app.timer(ctx.config.flush_interval_seconds / 2, name="paars_analytics.flush_people")
    async def flush_people() -> None:
        # Without new input, what is pending would otherwise wait for the next fetch.
        now = ctx.now()
        if ctx.state.due(now):
            ctx.state.flush(now)
