"""OAuth 2 for every client, against the real provider: the CLI's device flow and refresh, internal
systems' client credentials and scopes, wrong audience, expiry, and signing keys rotated at the provider.
The rotation test restarts the provider (its grants are in memory), so it runs last in this file."""
from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import time

import grpc
import httpx
import jwt

from paars.org.v1 import org_pb2, org_pb2_grpc
from tests.identity.conftest import AUDIENCE, OTHER_AUDIENCE, Identity, Key, wait_until
from tests.identity.test_identity_scim import codes

LIST = ("goals", org_pb2_grpc.OrgServiceStub, "ListEmployees", org_pb2.ListEmployeesRequest())
IMPORT = ("goals", org_pb2_grpc.OrgServiceStub, "ImportDirectory", org_pb2.ImportDirectoryRequest(
    employees=[org_pb2.Employee(id="scoped-hire", name="Scoped Hire", email="scoped@paars.example", roles=[org_pb2.ROLE_EMPLOYEE], active=True)],
    idempotency_key="identity-scopes-1",
))


def sign_in(identity: Identity, person: str, config_home: object) -> str:
    """`paars login` as a person runs it: the CLI shows the address, the person approves it in a browser."""
    process = identity.cli("login", config_home=config_home, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert isinstance(process, subprocess.Popen)
    assert process.stderr is not None
    line = process.stderr.readline()
    assert line.startswith("To sign in, open "), line + process.stderr.read()
    url = line.removeprefix("To sign in, open ").split()[0]
    assert identity.approve_device(url, person) == "Sign-in Success"
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return out


def run(identity: Identity, *args: str, config_home: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    process = identity.cli(*args, config_home=config_home, extra_env=env or {}, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert isinstance(process, subprocess.Popen)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(args, process.returncode, out, err)


def test_the_cli_signs_in_with_the_device_flow_keeps_its_tokens_private_and_refreshes_them(identity: Identity, tmp_path) -> None:
    out = sign_in(identity, "emma", tmp_path)
    assert "signed in as emma" in out
    folder = tmp_path / "paars"
    credentials = folder / "credentials.json"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    stored = json.loads(credentials.read_text())
    assert (stored["subject"], stored["issuer"], stored["audience"]) == ("emma", identity.issuer, AUDIENCE)

    # Every command acts as the signed-in person, with no --as: the services resolve emma in their directory.
    people = run(identity, "org", "people", config_home=tmp_path)
    assert people.returncode == 0, people.stderr
    assert "emma" in people.stdout and "Emma Jacobs" in people.stdout

    # An access token about to expire is refreshed with the refresh token before the next call.
    stored["expires_at"] = time.time() - 1
    credentials.write_text(json.dumps(stored))
    again = run(identity, "whoami", config_home=tmp_path)
    assert again.returncode == 0, again.stderr
    refreshed = json.loads(credentials.read_text())
    assert refreshed["access_token"] != stored["access_token"]
    assert refreshed["expires_at"] > time.time() + 60
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert run(identity, "org", "people", config_home=tmp_path).returncode == 0

    # Signing out revokes the refresh token at the provider; the CLI then says to sign in.
    assert run(identity, "logout", config_home=tmp_path).returncode == 0
    assert not credentials.exists()
    revoked = httpx.post(f"{identity.issuer}/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"], "client_id": "paars-cli", "resource": AUDIENCE,
    })
    assert revoked.status_code == 400 and revoked.json()["error"] == "invalid_grant"
    after = run(identity, "org", "people", config_home=tmp_path)
    assert after.returncode == 1 and "paars login" in after.stderr


def test_a_sign_in_the_person_aborts_at_the_provider_leaves_the_cli_signed_out(identity: Identity, tmp_path) -> None:
    process = identity.cli("login", config_home=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert isinstance(process, subprocess.Popen) and process.stderr is not None
    url = process.stderr.readline().removeprefix("To sign in, open ").split()[0]
    identity.approve_device(url, "emma", abort=True)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "declined" in err
    assert not (tmp_path / "paars" / "credentials.json").exists()


def test_as_mints_development_tokens_only_in_development(identity: Identity, tmp_path) -> None:
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path), PAARS_GOALS_ADDR=identity.address("goals"), PAARS_ENVIRONMENT="production")
    refused = subprocess.run([sys.executable, "-m", "paars_cli", "org", "people", "--as", "emma"], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1
    assert "only PAARS_ENVIRONMENT=development" in refused.stderr
    assert "Emma Jacobs" not in refused.stdout


def test_internal_systems_get_the_system_identity_only_by_the_allow_list_and_only_for_their_scopes(identity: Identity) -> None:
    assert identity.code(*LIST, identity.system_token("hris-sync")) == grpc.StatusCode.OK
    assert identity.code(*IMPORT, identity.system_token("hris-sync")) == grpc.StatusCode.OK
    reporting = identity.system_token("reporting")
    assert identity.code(*LIST, reporting) == grpc.StatusCode.OK
    # Reporting may list the directory, never change it.
    assert identity.code(*IMPORT, reporting) == grpc.StatusCode.PERMISSION_DENIED
    # A valid client with every scope that is not in PAARS_SYSTEM_CLIENTS is nobody.
    assert identity.code(*LIST, identity.system_token("stranger")) == grpc.StatusCode.PERMISSION_DENIED
    # A token asked without scopes grants nothing, even to an allowed client.
    assert identity.code(*LIST, identity.system_token("hris-sync", scopes=[])) == grpc.StatusCode.PERMISSION_DENIED
    # The provider itself refuses a scope the client was not given.
    asked = httpx.post(f"{identity.issuer}/token", auth=("reporting", identity.secrets["reporting"]), timeout=10, data={
        "grant_type": "client_credentials", "scope": "rpc:paars.org.v1.OrgService/ImportDirectory", "resource": AUDIENCE,
    })
    assert asked.status_code == 400 and asked.json()["error"] == "invalid_scope"


def test_an_internal_system_runs_the_cli_with_its_own_client_credentials(identity: Identity, tmp_path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("id,name,email\nhris-import,Imported By The HRIS,hris-import@paars.example\n")
    system = {"PAARS_OIDC_CLIENT_ID": "hris-sync", "PAARS_OIDC_CLIENT_SECRET": identity.secrets["hris-sync"]}
    scoped = run(identity, "org", "import", str(people), config_home=tmp_path,
                 env={**system, "PAARS_OIDC_SCOPE": "rpc:paars.org.v1.OrgService/ImportDirectory"})
    assert scoped.returncode == 0, scoped.stderr
    assert "employees_created" in scoped.stdout
    # Without the scope of the RPC, the same client is refused.
    unscoped = run(identity, "org", "import", str(people), config_home=tmp_path, env={**system, "PAARS_OIDC_SCOPE": "rpc:paars.org.v1.OrgService/ListEmployees"})
    assert unscoped.returncode == 1 and "PERMISSION_DENIED" in unscoped.stderr and "ImportDirectory" in unscoped.stderr


def test_a_token_for_another_audience_is_refused_by_every_service(identity: Identity) -> None:
    elsewhere = identity.system_token("hris-sync", scopes=[], audience=OTHER_AUDIENCE)
    assert identity.code(*LIST, elsewhere) == grpc.StatusCode.UNAUTHENTICATED
    person = identity.signed("emma", identity.keys[0])
    assert set(codes(identity, "emma", person).values()) == {grpc.StatusCode.OK}
    claims = jwt.decode(person, options={"verify_signature": False})
    wrong = jwt.encode({**claims, "aud": OTHER_AUDIENCE}, identity.keys[0].private_pem, algorithm="RS256", headers={"kid": identity.keys[0].kid})
    assert set(codes(identity, "emma", wrong).values()) == {grpc.StatusCode.UNAUTHENTICATED}


def test_an_expired_token_is_refused(identity: Identity) -> None:
    token = identity.system_token("short-lived")  # lives 5 s at the provider
    assert identity.code(*LIST, token) == grpc.StatusCode.OK
    wait_until(lambda: identity.code(*LIST, token) == grpc.StatusCode.UNAUTHENTICATED, "an expired token was still accepted", timeout=30)
    try:
        identity.call(*LIST, token)
    except grpc.aio.AioRpcError as err:
        assert "expired" in (err.details() or "")
    else:
        raise AssertionError("an expired token was accepted")


def test_rotated_signing_keys_are_fetched_by_kid_and_a_retired_key_stops_working(identity: Identity) -> None:
    old = identity.keys[0]
    by_old = identity.signed("emma", old, ttl=600)
    new = Key.generate("key-2026-b")
    # Rotation, step 1: the new key signs, the old one is still published.
    identity.restart_provider([new, old])
    fresh = identity.system_token("hris-sync")
    assert json.loads(base64.urlsafe_b64decode(fresh.split(".")[0] + "==")).get("kid") == new.kid
    wait_until(lambda: identity.code(*LIST, fresh) == grpc.StatusCode.OK, "a token signed with the new key was refused")
    assert set(codes(identity, "emma", identity.signed("emma", new)).values()) == {grpc.StatusCode.OK}
    assert set(codes(identity, "emma", by_old).values()) == {grpc.StatusCode.OK}
    # Step 2: the old key is retired; within the JWKS cache's age every service stops trusting it.
    identity.restart_provider([new])
    wait_until(
        lambda: set(codes(identity, "emma", identity.signed("emma", old)).values()) == {grpc.StatusCode.UNAUTHENTICATED},
        "a token signed with a retired key was still accepted",
    )
    assert set(codes(identity, "emma", identity.signed("emma", new)).values()) == {grpc.StatusCode.OK}
