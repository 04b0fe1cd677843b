"""The archive a person gets of everything Paars holds about them (issue 18 item 3): each service's answer to
paars.privacy.v1.PersonalData/ExportPersonData, asked under the caller's own token, as one zip with a JSON file
per service, the topics that hold events keyed by them, and a readable summary in Dutch and English.

`paars export` (libs/cli) and the web's privacy page both build it here, so the two give the same archive."""
from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc

from paars.privacy.v1 import privacy_pb2 as pb
from paars.privacy.v1 import privacy_pb2_grpc

# The services that hold personal data and serve PersonalData, in the order the summary lists them.
MAX_EXPORT_BYTES = 64 * 1024 * 1024
SERVICES = ("goals", "feedback", "conversations", "story", "notifications", "analytics")


@dataclass(frozen=True)
class ServiceAnswer:
    service: str
    data: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    # Why this service gave nothing (unreachable, refused): said in the archive, never silently left out.
    problem: str = ""


async def _ask(service: str, address: str, metadata: Sequence[tuple[str, str]], person_id: str, reason: str, timeout: float) -> ServiceAnswer:
    # A person's export can outgrow gRPC's default 4 MB (years of prompts, feedback): the client accepts up to 64 MB.
    async with grpc.aio.insecure_channel(address, options=[("grpc.max_receive_message_length", MAX_EXPORT_BYTES)]) as channel:
        stub = privacy_pb2_grpc.PersonalDataStub(channel)  # type: ignore[no-untyped-call]
        answer = await stub.ExportPersonData(pb.ExportPersonDataRequest(person_id=person_id, reason=reason), metadata=metadata, timeout=timeout)
    return ServiceAnswer(service, json.loads(answer.json), dict(answer.counts))


# Refusals of the request itself (not allowed, no reason): every service would say the same, so the caller hears it.
REFUSALS = (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT)


async def collect(
    addresses: Mapping[str, str], metadata: Sequence[tuple[str, str]], *, person_id: str = "", reason: str = "", timeout: float = 30.0
) -> list[ServiceAnswer]:
    """Every service's export, asked at once. A refusal (not allowed, no reason), or a token no service accepts,
    is raised as the service said it; a service that cannot answer (away, or not yet knowing the caller) is named
    in the archive with what went wrong, never silently left out."""
    services = [s for s in SERVICES if s in addresses]
    outcomes = await asyncio.gather(*(_ask(s, addresses[s], metadata, person_id, reason, timeout) for s in services), return_exceptions=True)
    errors = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
    for error in errors:
        if error.code() in REFUSALS:
            raise error
    if errors and len(errors) == len(outcomes) and all(e.code() == grpc.StatusCode.UNAUTHENTICATED for e in errors):
        raise errors[0]
    answers = []
    for service, outcome in zip(services, outcomes, strict=True):
        if isinstance(outcome, grpc.aio.AioRpcError):
            answers.append(ServiceAnswer(service, problem=f"{outcome.code().name}: {outcome.details()}"))
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            answers.append(outcome)
    return answers


TEXT = {
    "en": {
        "title": "What Paars holds about {person}",
        "made": "Made {at} at the request of {caller}{why}.",
        "why": ", for this reason: {reason}",
        "files": "Each service's data is in its own file (<service>.json): one list per kind of data, as stored.",
        "none": "nothing",
        "problem": "could not answer: {problem}",
        "topics": "Events about you (keyed by your id) are on these topics:",
        "no_topics": "No events keyed by your id were published.",
        "audit": "Privileged actions about you (who, what, why, when):",
        "no_audit": "No privileged action about you was recorded.",
        "events_note": "Events already published cannot be edited on the broker; erasing them is not built yet (see docs/privacy.md).",
        "kept": "Kept from you: who gave you anonymous feedback, raw 360 answers of others, other people's private notes, who raised a referral about you.",
    },
    "nl": {
        "title": "Wat Paars over {person} bewaart",
        "made": "Gemaakt op {at} op verzoek van {caller}{why}.",
        "why": ", met deze reden: {reason}",
        "files": "De gegevens van elke dienst staan in een eigen bestand (<dienst>.json): per soort gegevens een lijst, zoals bewaard.",
        "none": "niets",
        "problem": "kon niet antwoorden: {problem}",
        "topics": "Gebeurtenissen over jou (met jouw id als sleutel) staan op deze topics:",
        "no_topics": "Er zijn geen gebeurtenissen met jouw id als sleutel gepubliceerd.",
        "audit": "Bevoorrechte handelingen over jou (wie, wat, waarom, wanneer):",
        "no_audit": "Er is geen bevoorrechte handeling over jou vastgelegd.",
        "events_note": "Gepubliceerde gebeurtenissen zijn op de broker niet te wijzigen; ze wissen is nog niet gebouwd (zie docs/privacy.md).",
        "kept": "Niet aan jou getoond: wie jou anoniem feedback gaf, losse 360-antwoorden van anderen, privénotities van anderen, wie een doorverwijzing over jou deed.",
    },
}


def topics_of(answers: Sequence[ServiceAnswer]) -> dict[str, int]:
    """The topics holding events keyed by the person, with how many each service's outbox sent there."""
    topics: dict[str, int] = {}
    for a in answers:
        for event in a.data.get("events", []):
            topics[event["topic"]] = topics.get(event["topic"], 0) + 1
    return dict(sorted(topics.items()))


def audit_of(answers: Sequence[ServiceAnswer]) -> list[dict[str, Any]]:
    """Every service's privileged actions about the person, newest first."""
    lines = [{**line, "service": a.service} for a in answers for line in a.data.get("privileged_actions", [])]
    return sorted(lines, key=lambda line: line["at"], reverse=True)


def summary(answers: Sequence[ServiceAnswer], *, person: str, caller: str, reason: str, at: dt.datetime, language: str) -> str:
    """The readable summary (Markdown) in one language."""
    t = TEXT["nl" if language == "nl" else "en"]
    lines = [f"# {t['title'].format(person=person)}", ""]
    why = t["why"].format(reason=reason) if reason else ""
    lines += [t["made"].format(at=at.isoformat(timespec="seconds"), caller=caller, why=why), "", t["files"], ""]
    for a in answers:
        lines.append(f"## {a.service}")
        if a.problem:
            lines.append(f"- {t['problem'].format(problem=a.problem)}")
        else:
            shown = {k: n for k, n in a.counts.items() if k not in ("events", "privileged_actions")}
            lines += [f"- {kind}: {n if n else t['none']}" for kind, n in sorted(shown.items())]
        lines.append("")
    topics = topics_of(answers)
    lines.append(t["topics"] if topics else t["no_topics"])
    lines += [f"- {topic} ({n})" for topic, n in topics.items()]
    lines += ["", t["events_note"], ""]
    audit = audit_of(answers)
    lines.append(t["audit"] if audit else t["no_audit"])
    lines += [f"- {a['at']} {a['service']}: {a['action']} by {a['actor_id']} ({a['reason']})" for a in audit]
    lines += ["", t["kept"], ""]
    return "\n".join(lines)


def archive(answers: Sequence[ServiceAnswer], *, person: str, caller: str, reason: str = "", at: dt.datetime | None = None) -> bytes:
    """The zip: <service>.json per service, topics.json, audit.json, summary.nl.md and summary.en.md."""
    at = at or dt.datetime.now(dt.UTC)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for a in answers:
            body = {"service": a.service, "person_id": person, "problem": a.problem, "data": a.data} if a.problem else {"service": a.service, "person_id": person, "data": a.data}
            z.writestr(f"{a.service}.json", json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True))
        z.writestr("topics.json", json.dumps(topics_of(answers), indent=2))
        z.writestr("audit.json", json.dumps(audit_of(answers), ensure_ascii=False, indent=2))
        for language in ("nl", "en"):
            z.writestr(f"summary.{language}.md", summary(answers, person=person, caller=caller, reason=reason, at=at, language=language))
    return buffer.getvalue()
