"""Identity from tokens and the one mapping of domain errors to gRPC status details."""
from __future__ import annotations

import dataclasses
import time

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.rpc import error_details_pb2

from paars_platform.auth import TokenVerifier, mint_token
from paars_platform.config import Settings
from paars_platform.errors import InvalidArgument, StaleVersion, Unauthenticated, Validator, to_rpc_status


def settings(**kw: object) -> Settings:
    return dataclasses.replace(Settings.from_env("goals"), **kw)  # type: ignore[arg-type]


def test_a_development_token_carries_the_person_and_roles() -> None:
    s = settings()
    who = TokenVerifier(s).verify(mint_token("ann", ["employee", "manager"], secret=s.jwt_secret))
    assert who.employee_id == "ann" and who.has("manager") and who.kind == "person"


@pytest.mark.parametrize("case", ["expired", "wrong-secret", "tampered", "no-subject", "wrong-issuer", "alg-none"])
def test_bad_tokens_are_unauthenticated(case: str) -> None:
    s = settings()
    now = int(time.time())
    claims = {"sub": "ann", "roles": ["employee"], "iss": "paars", "iat": now, "exp": now + 60}
    if case == "expired":
        token = jwt.encode({**claims, "exp": now - 10}, s.jwt_secret, algorithm="HS256")
    elif case == "wrong-secret":
        token = jwt.encode(claims, "another-secret-of-sufficient-length-123", algorithm="HS256")
    elif case == "tampered":
        good = jwt.encode(claims, s.jwt_secret, algorithm="HS256")
        head, _body, sig = good.split(".")
        forged = jwt.encode({**claims, "roles": ["admin"]}, "x" * 32, algorithm="HS256").split(".")[1]
        token = f"{head}.{forged}.{sig}"
    elif case == "no-subject":
        token = jwt.encode({k: v for k, v in claims.items() if k != "sub"}, s.jwt_secret, algorithm="HS256")
    elif case == "wrong-issuer":
        token = jwt.encode({**claims, "iss": "elsewhere"}, s.jwt_secret, algorithm="HS256")
    else:
        token = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(Unauthenticated):
        TokenVerifier(s).verify(token)


def test_production_tokens_are_verified_with_the_identity_providers_public_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    verifier = TokenVerifier(settings(jwt_algorithm="RS256", jwt_public_key=public))
    now = int(time.time())
    token = jwt.encode({"sub": "ann", "roles": ["hr"], "iss": "paars", "exp": now + 60}, key, algorithm="RS256")
    assert verifier.verify(token).has("hr")
    # An HS256 token signed with the public key as secret (algorithm confusion) must not pass.
    with pytest.raises(Unauthenticated):
        verifier.verify(jwt.encode({"sub": "ann", "iss": "paars", "exp": now + 60}, "development-secret-that-is-long-enough", algorithm="HS256"))


def test_invalid_arguments_carry_every_field_violation() -> None:
    v = Validator()
    v.require("", "title")
    v.check(False, "key_results[0].target_value", "must differ from start_value")
    with pytest.raises(InvalidArgument) as err:
        v.raise_if_any()
    status = to_rpc_status(err.value)
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    detail = error_details_pb2.BadRequest()
    status.details[0].Unpack(detail)
    assert [f.field for f in detail.field_violations] == ["title", "key_results[0].target_value"]


def test_a_stale_version_is_aborted() -> None:
    assert to_rpc_status(StaleVersion("goal g at version 3")).code == grpc.StatusCode.ABORTED.value[0]


def test_production_tokens_can_be_verified_against_the_identity_providers_jwks_endpoint() -> None:
    import http.server
    import json
    import threading

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid="k1", use="sig", alg="RS256")
    body = json.dumps({"keys": [jwk]}).encode()

    class Jwks(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        verifier = TokenVerifier(settings(jwt_algorithm="RS256", jwt_jwks_url=f"http://127.0.0.1:{server.server_port}/jwks.json"))
        now = int(time.time())
        token = jwt.encode({"sub": "lotte", "roles": ["employee"], "iss": "paars", "exp": now + 60}, key, algorithm="RS256", headers={"kid": "k1"})
        assert verifier.verify(token).employee_id == "lotte"
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with pytest.raises(Unauthenticated):
            verifier.verify(jwt.encode({"sub": "lotte", "iss": "paars", "exp": now + 60}, other, algorithm="RS256", headers={"kid": "k1"}))
    finally:
        server.shutdown()
