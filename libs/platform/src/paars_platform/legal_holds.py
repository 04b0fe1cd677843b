"""How a service's retention job learns the legal holds in force (issue 18 item 5): it asks goals, which keeps them
(legal_holds, placed and released by HR through paars.privacy.v1.PersonalData), with ListLegalHolds at
PAARS_GOALS_ADDR as the system identity, the way the KeyRing asks goals' PersonKeys (paars_platform.keyring). The
token is a ServiceToken of its own with the one scope rpc:paars.privacy.v1.PersonalData/ListLegalHolds (a provider's
client that was not given it leaves the keys working and the held kinds' retention paused, never the other way).

Asked at the start of each run, not projected from events: a hold placed a minute ago keeps its rows from the next
run on, and a job that cannot reach goals deletes nothing a hold could keep (paars_platform.retention.RetentionJob)."""
from __future__ import annotations

from paars.privacy.v1 import privacy_pb2, privacy_pb2_grpc
from paars_platform.config import Settings
from paars_platform.keyring import GoalsRpc, ServiceToken
from paars_platform.retention import HoldInForce

HOLDS_METHOD = "/paars.privacy.v1.PersonalData/ListLegalHolds"
HOLDS_SCOPE = "rpc:" + HOLDS_METHOD.lstrip("/")


def in_force(answer: privacy_pb2.ListLegalHoldsResponse) -> list[HoldInForce]:
    """The holds of ListLegalHolds' answer that are in force (released ones are listed too)."""
    return [HoldInForce(h.person_id, h.service, h.kind, h.reason, h.id) for h in answer.holds if not h.released_at]


class RemoteLegalHolds(GoalsRpc):
    """goals' ListLegalHolds at `address`, every person's holds, as a retention job's HoldSource (`fetch`)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteLegalHolds:
        token = ServiceToken(settings, scopes=(HOLDS_SCOPE,))
        return cls(cls.goals_address(), token.get, timeout_seconds=10.0, forget_token=token.forget)

    async def fetch(self) -> list[HoldInForce]:
        answer = await self.call(privacy_pb2_grpc.PersonalDataStub, "ListLegalHolds", privacy_pb2.ListLegalHoldsRequest())
        return in_force(answer)
