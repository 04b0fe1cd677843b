"""The privacy section of the web app (see paars_web.sections, issue 18 items 3 and 6): what Paars holds about you
as one zip (paars_platform.export_archive, the same archive `paars export` writes), the privileged actions about
you that each service recorded (who, what, why, when), and for HR an export on someone's behalf with a stated
reason, which the services record and the person then sees here. Each service decides what it answers; this
module only gathers and shows it."""
from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import grpc
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from paars.org.v1 import org_pb2
from paars.privacy.v1 import privacy_pb2 as pb
from paars.privacy.v1 import privacy_pb2_grpc
from paars_platform import erasure_client, export_archive
from paars_platform.errors import field_violations
from paars_web.errors import NOT_ACCEPTED, FormErrors, translate_reason
from paars_web.sections import N_, NavLink
from paars_web.web import Person, Web, web_of

NAV: tuple[NavLink, ...] = (NavLink("/privacy", "nav-privacy", N_("My data")),)

ACTION_LABELS = {
    "export": N_("Exported your data"), "read": N_("Read your data on HR's authority"), "edit": N_("Changed your data on HR's authority"),
    "erase": N_("Erased data"), "retention": N_("Deleted data past its retention period"),
    "legal_hold": N_("Kept data under a legal hold"), "release_legal_hold": N_("Released a legal hold"),
}
SERVICE_LABELS = {
    "goals": N_("Goals and the directory"), "feedback": N_("Feedback, reviews and dialogues"), "conversations": N_("1:1s and coaching"),
    "story": N_("The story and your ambition"), "notifications": N_("Notifications"), "analytics": N_("Signals and insights"),
}
# What the services say when they refuse an export's field (msgids of privacy.po).
DESCRIPTIONS = (N_("must say why in at least 10 characters"), N_("HR cannot erase themselves; another HR person does"))
FIELDS = {"person_id": "person_id", "reason": "reason"}


def routes() -> list[BaseRoute]:
    return [
        Route("/privacy", privacy_page, methods=["GET"]),
        Route("/privacy/export", export, methods=["POST"]),
        Route("/privacy/erase", erase, methods=["POST"]),
    ]


def _addresses(web: Web) -> dict[str, str]:
    return {s: a for s, a in web.config.service_addresses.items() if s in export_archive.SERVICES}


async def _actions(web: Web, me: Person) -> list[pb.PrivilegedAction]:
    """Every service's privileged actions about me, newest first; a service that cannot answer is left out."""

    async def ask(address: str) -> list[pb.PrivilegedAction]:
        async with grpc.aio.insecure_channel(address) as channel:
            stub = privacy_pb2_grpc.PersonalDataStub(channel)  # type: ignore[no-untyped-call]
            try:
                answer = await stub.ListPrivilegedActions(pb.ListPrivilegedActionsRequest(), metadata=me.bearer, timeout=web.config.rpc_deadline_seconds)
            except grpc.aio.AioRpcError as err:
                if err.code() == grpc.StatusCode.UNAUTHENTICATED:
                    raise
                return []
            return list(answer.actions)

    lists = await asyncio.gather(*(ask(a) for a in _addresses(web).values()))
    return sorted((a for actions in lists for a in actions), key=lambda a: a.at, reverse=True)


async def _view(web: Web, request: Request, me: Person, *, status_code: int = 200, errors: FormErrors | None = None,
                values: dict[str, str] | None = None, erase_errors: FormErrors | None = None, erase_values: dict[str, str] | None = None,
                erasure: list[erasure_client.ServiceStatus] | None = None) -> Response:
    people = await web.directory(me)
    entry = people.get(me.id)
    is_hr = entry is not None and org_pb2.ROLE_HR in entry.roles
    names = {e.id: e.name for e in people.values()}
    return web.render(
        request, "privacy_page.html", status_code=status_code, actions=await _actions(web, me), names=names, is_hr=is_hr,
        ACTION_LABELS=ACTION_LABELS, SERVICE_LABELS=SERVICE_LABELS, services=[s for s in export_archive.SERVICES if s in _addresses(web)],
        errors=errors or FormErrors(), values=values or {}, erase_errors=erase_errors or FormErrors(), erase_values=erase_values or {},
        erasure=erasure, erase_key=uuid.uuid4().hex, STATE_ERASED=pb.ErasureStatus.STATE_ERASED,
    )


async def privacy_page(request: Request) -> Response:
    web = web_of(request)
    return await _view(web, request, web.person(request))


def _errors(web: Web, request: Request, err: grpc.aio.AioRpcError, refused: str = N_("only HR may export someone else's data")) -> FormErrors:
    gettext = web.gettext(request)
    errors = FormErrors()
    for service_field, description in field_violations(err):
        reason = gettext(description) if description in DESCRIPTIONS else translate_reason(description, gettext)
        name = FIELDS.get(service_field)
        if name:
            errors.add(name, reason)
        else:
            errors.general.append(gettext(NOT_ACCEPTED) % {"reason": reason})
    if err.code() == grpc.StatusCode.PERMISSION_DENIED:
        errors.add("person_id", gettext(refused))
    if err.code() == grpc.StatusCode.FAILED_PRECONDITION:
        errors.add("person_id", gettext(N_("a legal hold keeps all of this person's data: release it first")))
    if not errors:
        errors.general.append(gettext(NOT_ACCEPTED) % {"reason": err.details() or err.code().name})
    return errors


async def export(request: Request) -> Response:
    """The zip of everything about me (or, for HR, about person_id with a reason), sent as a download."""
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values: dict[str, Any] = {n: (form.get(n) or "").strip() if isinstance(form.get(n), str) else "" for n in ("person_id", "reason")}
    person = values["person_id"] if values["person_id"] != me.id else ""
    try:
        answers = await export_archive.collect(_addresses(web), me.bearer, person_id=person, reason=values["reason"], timeout=web.config.rpc_deadline_seconds)
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise
        return await _view(web, request, me, status_code=422, errors=_errors(web, request, err), values=values)
    subject = person or me.id
    body = export_archive.archive(answers, person=subject, caller=me.id, reason=values["reason"] if person else "", at=dt.datetime.now(dt.UTC))
    filename = f"paars-{subject}-{dt.date.today().isoformat()}.zip"
    return Response(body, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


async def erase(request: Request) -> Response:
    """HR erases someone (issue 18 item 4): goals erases and tells every service; the page then shows what each
    service has done so far (the others follow when goals' event reaches them)."""
    web = web_of(request)
    me = web.person(request)
    form = await request.form()
    values: dict[str, str] = {n: v.strip() if isinstance(v := form.get(n), str) else "" for n in ("person_id", "reason", "idempotency_key")}
    addresses = _addresses(web)
    timeout = web.config.rpc_deadline_seconds
    try:
        await erasure_client.erase(
            addresses, me.bearer, person_id=values["person_id"], reason=values["reason"], idempotency_key=values["idempotency_key"], timeout=timeout,
        )
        found = await erasure_client.statuses(addresses, me.bearer, person_id=values["person_id"], timeout=timeout)
    except grpc.aio.AioRpcError as err:
        if err.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
            raise
        errors = _errors(web, request, err, N_("only HR may erase someone's data"))
        return await _view(web, request, me, status_code=422, erase_errors=errors, erase_values=values)
    return await _view(web, request, me, erasure=found, erase_values={"person_id": values["person_id"]})
