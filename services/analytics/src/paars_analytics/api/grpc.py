"""The AnalyticsService servicer (thin) and the mode.Service that runs it on Faust's event loop."""
from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

import grpc
from mode import Service

from paars.analytics.v1 import analytics_pb2 as pb
from paars.analytics.v1 import analytics_pb2_grpc
from paars.privacy.v1 import privacy_pb2_grpc
from paars_analytics.api.person_data import AnalyticsPersonalData
from paars_analytics.api.queries import Queries
from paars_analytics.app import Analytics
from paars_analytics.insights.records import to_proto
from paars_analytics.org import agents
from paars_analytics.story.queries import StoryQueries, story_alignment_proto
from paars_platform import data_rights, metrics
from paars_platform.auth import CallerResolver, DirectoryEntry, require_person
from paars_platform.errors import NotFound
from paars_platform.events import timestamp
from paars_platform.grpc_server import GrpcServer
from paars_platform.keyring import KeyRing, RemoteKeySource

log = logging.getLogger("paars.analytics.api")
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AnalyticsService"].full_name
ROLLUP_FIELDS = ("goal_progress", "expected_progress", "feedback_coverage", "people_without_feedback_30d",
                 "performance_development_correlation", "average_performance_score", "average_development_score")


def signals_proto(s: dict[str, Any]) -> pb.Signals:
    out = pb.Signals(**{k: v for k, v in s.items() if k not in ("received_by_source", "self_others_gap", "computed_at")})
    out.received_by_source.update(s["received_by_source"])
    out.self_others_gap.update(s["self_others_gap"])
    out.computed_at.CopyFrom(timestamp(dt.datetime.fromtimestamp(s["computed_at"], dt.UTC)))
    return out


def sense_making_proto(card: dict[str, Any]) -> pb.SenseMaking:
    out = pb.SenseMaking(**{k: v for k, v in card.items() if k != "computed_at"})
    out.computed_at.CopyFrom(timestamp(dt.datetime.fromtimestamp(card["computed_at"], dt.UTC)))
    return out


def calibration_proto(c: dict[str, Any]) -> pb.Calibration:
    return pb.Calibration(**{k: v for k, v in c.items() if k != "rows"}, rows=[pb.ManagerRatings(**r) for r in c["rows"]])


def rollup_proto(r: dict[str, Any]) -> pb.TeamRollup:
    return pb.TeamRollup(team_id=r["team_id"], people=r["people"], suppressed=r["suppressed"],
                         **{k: r[k] for k in ROLLUP_FIELDS if k in r})


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServiceServicer):
    """Analytics keeps the personal text it quotes (goal titles, names) as the events carried it, encrypted with the
    person's key (crypto-shredding: its tables and changelogs never hold it in clear, and erasure makes it
    unreadable there too); each answer is decrypted on its way out, with the keyring (see _decrypted)."""

    def __init__(self, queries: Queries, story: StoryQueries | None = None, keyring: KeyRing | None = None) -> None:
        self.queries = queries
        self.story = story
        self.keyring = keyring

    async def GetStoryAlignment(self, request: pb.GetStoryAlignmentRequest, context: grpc.aio.ServicerContext) -> pb.StoryAlignment:
        if self.story is None:
            raise NotFound("the story's alignment is not kept here")
        return story_alignment_proto(self.story.alignment(require_person(), request.team_id))

    async def GetSignals(self, request: pb.GetSignalsRequest, context: grpc.aio.ServicerContext) -> pb.Signals:
        return signals_proto(self.queries.signals(require_person(), request.employee_id, request.window_days))

    async def GetTeamRollup(self, request: pb.GetTeamRollupRequest, context: grpc.aio.ServicerContext) -> pb.TeamRollup:
        return rollup_proto(self.queries.rollup(require_person(), request.team_id, request.window_days))

    async def ListInsights(self, request: pb.ListInsightsRequest, context: grpc.aio.ServicerContext) -> pb.ListInsightsResponse:
        found = self.queries.insights_for(
            require_person(), subject_id=request.subject_id, team_id=request.team_id, actor_id=request.actor_id,
            open_only=request.open_only, limit=request.limit,
        )
        return pb.ListInsightsResponse(insights=[to_proto(i) for i in found])

    async def GetSenseMaking(self, request: pb.GetSenseMakingRequest, context: grpc.aio.ServicerContext) -> pb.SenseMaking:
        return sense_making_proto(self.queries.sense_making(require_person(), request.employee_id, request.team_id, request.window_days))

    async def GetCalibration(self, request: pb.GetCalibrationRequest, context: grpc.aio.ServicerContext) -> pb.Calibration:
        return calibration_proto(self.queries.calibration(require_person()))

    async def ListPitfalls(self, request: pb.ListPitfallsRequest, context: grpc.aio.ServicerContext) -> pb.ListPitfallsResponse:
        return pb.ListPitfallsResponse(teams=[pb.TeamPitfalls(**r) for r in self.queries.pitfalls(require_person(), request.team_id)])

    async def GetTeamOverview(self, request: pb.GetTeamOverviewRequest, context: grpc.aio.ServicerContext) -> pb.TeamOverview:
        found = self.queries.team_overview(require_person(), list(request.team_ids), list(request.employee_ids), request.window_days)
        return pb.TeamOverview(
            rollups=[rollup_proto(r) for r in found["rollups"]], team_cards=[sense_making_proto(c) for c in found["team_cards"]],
            person_cards=[sense_making_proto(c) for c in found["person_cards"]], insights=[to_proto(i) for i in found["insights"]],
            calibration=calibration_proto(found["calibration"]),
            story_alignments=[story_alignment_proto(found_alignment) for found_alignment in found["story_alignments"]],
        )


def _decrypted(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    async def answer(self: AnalyticsServicer, request: Any, context: grpc.aio.ServicerContext) -> Any:
        response = await method(self, request, context)
        return response if self.keyring is None else await self.keyring.decrypt_any(response)

    return answer


for _rpc in pb.DESCRIPTOR.services_by_name["AnalyticsService"].methods:
    setattr(AnalyticsServicer, _rpc.name, _decrypted(getattr(AnalyticsServicer, _rpc.name)))


def directory_lookup(employees: Callable[[], Mapping[str, Any]]) -> Any:
    """Callers as analytics knows them: the query API's decoded directory, current with every directory write the
    worker applied (api/queries.py Directory), so no cache in front of it and no store read per call."""

    async def lookup(employee_id: str) -> DirectoryEntry | None:
        person = employees().get(employee_id)
        if not person:
            return None
        return DirectoryEntry(frozenset(r for r in person.get("roles", ()) if r), bool(person.get("active", True)))

    return lookup


class ApiService(Service):
    """Serves gRPC (health, reflection, auth, RED metrics) and /metrics from the worker, on Faust's loop."""

    def __init__(self, ctx: Analytics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.grpc: GrpcServer | None = None
        self.port = 0
        self.keys: RemoteKeySource | None = None
        self._forget: Callable[..., None] = lambda *_: None

    async def on_start(self) -> None:
        ctx = self.ctx
        s = ctx.config.settings
        if s.metrics_port >= 0:
            metrics.serve_metrics(s.metrics_port, host=s.grpc_host)
        # Every answer comes from what every replica holds whole (the directory and the read model, app.ReadModel),
        # so any replica answers any call the same, whichever worker owns the key.
        read = ctx.read
        assert read is not None
        story = StoryQueries(read.story_alignment, read.story_catalogue, ctx.employees, ctx.teams, k=ctx.config.anonymity_k)
        queries = Queries(read.people, ctx.employees, ctx.teams, read.insights, k=ctx.config.anonymity_k, clock=ctx.now,
                          thresholds=ctx.config.thresholds, story=story, directory_version=lambda: ctx.directory_version,
                          insights_version=lambda: read.insights.version, ratings_seconds=ctx.config.ratings_cache_seconds)
        self.keys = RemoteKeySource.from_settings(s)
        keyring = KeyRing(self.keys)
        # An erased person's keys leave the answers' cache as soon as this worker's directory replica applies the
        # erasure, not when their time to live ends (the cache would otherwise decrypt their words for 5 minutes).
        agents.ON_ERASED.append(keyring.forget)
        self._forget = keyring.forget

        def register(server: grpc.aio.Server) -> None:
            analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(AnalyticsServicer(queries, story, keyring), server)
            privacy_pb2_grpc.add_PersonalDataServicer_to_server(AnalyticsPersonalData(ctx), server)

        self.grpc = GrpcServer(
            s, service_names=[SERVICE_NAME, data_rights.SERVICE_NAME], register=register,
            callers=CallerResolver(s, directory_lookup(lambda: queries.directory().employees), cache_seconds=0),
        )
        self.port = await self.grpc.start()

    async def on_stop(self) -> None:
        if self._forget in agents.ON_ERASED:
            agents.ON_ERASED.remove(self._forget)
        if self.grpc is not None:
            await self.grpc.stop(self.ctx.config.settings.shutdown_grace_seconds)
            log.info("gRPC stopped")
        if self.keys is not None:
            await self.keys.close()
