"""How a service's retention job learns the legal holds in force (issue 18 item 5): it asks goals, which keeps them
(legal_holds, placed and released by HR through paars.privacy.v1.PersonalData), with ListLegalHolds at
PAARS_GOALS_ADDR as the system identity, the way the KeyRing asks goals' PersonKeys (paars_platform.keyring). The
token is a ServiceToken of its own with the one scope rpc:paars.privacy.v1.PersonalData/ListLegalHolds (a provider's
client that was not given it leaves the keys working and the held kinds' retention paused, never the other way).

Asked at the start of each run, not projected from events: a hold placed a minute ago keeps its rows from the next
run on, and a job that cannot reach goals deletes nothing a hold could keep (paars_platform.retention.RetentionJob)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from paars.privacy.v1 import privacy_pb2, privacy_pb2_grpc
from paars_platform.config import DEFAULT_PORTS, Settings, env_str
from paars_platform.keyring import ServiceToken
from paars_platform.retention import HoldInForce

HOLDS_METHOD = "/paars.privacy.v1.PersonalData/ListLegalHolds"
HOLDS_SCOPE = "rpc:" + HOLDS_METHOD.lstrip("/")


def in_force(answer: privacy_pb2.ListLegalHoldsResponse) -> list[HoldInForce]:
    """The holds of ListLegalHolds' answer that are in force (released ones are listed too)."""
    return [HoldInForce(h.person_id, h.service, h.kind, h.reason, h.id) for h in answer.holds if not h.released_at]


class RemoteLegalHolds:
    """goals' ListLegalHolds at `address`, every person's holds, as a retention job's HoldSource (`fetch`)."""

    def __init__(
        self, address: str, token: Callable[[], Awaitable[str]], *, timeout_seconds: float = 10.0, forget_token: Callable[[], None] = lambda: None,
    ) -> None:
        self.address = address
        self.token = token
        self.forget_token = forget_token
        self.timeout_seconds = timeout_seconds
        self._channel: grpc.aio.Channel | None = None
        self._stub: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteLegalHolds:
        address = env_str("PAARS_GOALS_ADDR", f"127.0.0.1:{DEFAULT_PORTS['goals'][0]}")
        token = ServiceToken(settings, scopes=(HOLDS_SCOPE,))
        return cls(address, token.get, forget_token=token.forget)

    async def fetch(self) -> list[HoldInForce]:
        if self._stub is None:
            self._channel = grpc.aio.insecure_channel(self.address)
            self._stub = privacy_pb2_grpc.PersonalDataStub(self._channel)  # type: ignore[no-untyped-call]
        try:
            answer = await self._stub.ListLegalHolds(
                privacy_pb2.ListLegalHoldsRequest(), metadata=[("authorization", f"Bearer {await self.token()}")], timeout=self.timeout_seconds,
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                self.forget_token()
            raise
        return in_force(answer)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel, self._stub = None, None
