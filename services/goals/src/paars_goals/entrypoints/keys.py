"""paars.privacy.v1.PersonKeys: the person keys of crypto-shredding, for the services only (the system identity)."""
from __future__ import annotations

import grpc

from paars.privacy.v1 import keys_pb2 as pb
from paars.privacy.v1 import keys_pb2_grpc
from paars_goals.adapters.key_store import KeyStore
from paars_platform.auth import identity
from paars_platform.errors import InvalidArgument, PermissionDenied
from paars_platform.keyring import KeyScope

# Ids per call: a relay's batch names at most its batch's people.
MAX_IDS = 1000


class PersonKeysServicer(keys_pb2_grpc.PersonKeysServicer):
    def __init__(self, store: KeyStore) -> None:
        self.store = store

    async def GetPersonKeys(self, request: pb.GetPersonKeysRequest, context: grpc.aio.ServicerContext) -> pb.GetPersonKeysResponse:
        who = identity()
        if who.kind != "system" or not who.has("system"):
            # A person never holds a data key: with it they could read what the events say about that person.
            raise PermissionDenied("person keys are served to the services (the system identity) only")
        if len(request.person_ids) + len(request.key_ids) + len(request.scopes) > MAX_IDS:
            raise InvalidArgument("person_ids", f"at most {MAX_IDS} scopes, person and key ids per call")
        if any(not i for i in [*request.person_ids, *request.key_ids, *(s.person_id for s in request.scopes)]):
            raise InvalidArgument("person_ids", "must not contain empty ids")
        # person_ids: a person's key from before kinds and periods (a caller of the first version of this RPC).
        scopes = [KeyScope(s.person_id, s.kind, s.period) for s in request.scopes] + [KeyScope(p) for p in request.person_ids]
        keys = await self.store.fetch(scopes, list(request.key_ids), request.create)
        return pb.GetPersonKeysResponse(keys=[
            pb.PersonKey(person_id=k.person_id, key_id=k.key_id, key=k.key or b"", erased=k.key is None, kind=k.kind, period=k.period) for k in keys
        ])
