"""Asking for an erasure and its status (issue 18 item 4), for `paars erase` (libs/cli) and the web's HR form: goals
erases (ErasePerson, HR with a reason), then every service that holds personal data answers GetErasureStatus from
what it did when goals' CHANGE_ERASED reached it, under the caller's own token."""
from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc

from paars.privacy.v1 import privacy_pb2 as pb
from paars.privacy.v1 import privacy_pb2_grpc
from paars_platform.export_archive import SERVICES

# Where erasure starts (the directory's owner).
STARTS_IN = "goals"


@dataclass(frozen=True)
class ServiceStatus:
    service: str
    status: pb.ErasureStatus | None = None
    # Why the service gave no status (unreachable, refused), said rather than left out.
    problem: str = ""

    @property
    def erased(self) -> bool:
        return self.status is not None and self.status.state == pb.ErasureStatus.STATE_ERASED


async def erase(
    addresses: Mapping[str, str], metadata: Sequence[tuple[str, str]], *, person_id: str, reason: str, idempotency_key: str = "",
    timeout: float = 30.0,
) -> pb.ErasureStatus:
    """Goals' answer to ErasePerson; its refusals (not HR, no reason, a hold on everything) are raised as it said them."""
    async with grpc.aio.insecure_channel(addresses[STARTS_IN]) as channel:
        stub = privacy_pb2_grpc.PersonalDataStub(channel)  # type: ignore[no-untyped-call]
        request = pb.ErasePersonRequest(person_id=person_id, reason=reason, idempotency_key=idempotency_key)
        answer: pb.ErasureStatus = await stub.ErasePerson(request, metadata=metadata, timeout=timeout)
        return answer


async def _status(service: str, address: str, metadata: Sequence[tuple[str, str]], person_id: str, timeout: float) -> ServiceStatus:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = privacy_pb2_grpc.PersonalDataStub(channel)  # type: ignore[no-untyped-call]
        try:
            answer = await stub.GetErasureStatus(pb.GetErasureStatusRequest(person_id=person_id), metadata=metadata, timeout=timeout)
        except grpc.aio.AioRpcError as err:
            if err.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT):
                raise
            return ServiceStatus(service, problem=f"{err.code().name}: {err.details()}")
    return ServiceStatus(service, answer)


async def statuses(addresses: Mapping[str, str], metadata: Sequence[tuple[str, str]], *, person_id: str, timeout: float = 10.0) -> list[ServiceStatus]:
    """Every service's status, asked at once, in the order the export lists the services."""
    services = [s for s in SERVICES if s in addresses]
    return list(await asyncio.gather(*(_status(s, addresses[s], metadata, person_id, timeout) for s in services)))
