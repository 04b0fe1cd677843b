"""`paars login`, `paars logout`, `paars whoami`: the CLI signs a person in with their organisation's provider.

OAuth 2 device authorization grant (RFC 8628): the CLI asks the provider (found by OpenID discovery from
the issuer URL) for a code, shows it with the address to approve it at, and polls the token endpoint until
the person has signed in there. The tokens are kept in $XDG_CONFIG_HOME/paars/credentials.json (default
~/.config/paars), mode 0600 in a 0700 directory; an access token about to expire is refreshed with the
refresh token on the next command. `--as` (a minted development token) stays a development shortcut.

Internal systems use `client_credentials_token` (the client-credentials grant with their own secret and
the scopes naming the RPCs they may call); the services map them to `system` only through
PAARS_SYSTEM_CLIENTS.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx
import jwt
import typer
from authlib.deprecate import AuthlibDeprecationWarning

with warnings.catch_warnings():
    # authlib 1.9 announces a move to httpx2 on import; the httpx client is what it supports today.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_SCOPE = "openid offline_access"
# An access token with less life left than this is refreshed before it is used.
REFRESH_MARGIN_SECONDS = 60
HTTP_TIMEOUT_SECONDS = 10.0


class LoginError(Exception):
    """Signing in failed or is needed; the message says what to do."""


def config_dir() -> pathlib.Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(pathlib.Path.home() / ".config")
    return pathlib.Path(base) / "paars"


def credentials_path() -> pathlib.Path:
    return config_dir() / "credentials.json"


@dataclass
class Credentials:
    issuer: str
    client_id: str
    audience: str
    token_endpoint: str
    access_token: str
    refresh_token: str
    # Seconds since the epoch.
    expires_at: float
    subject: str
    revocation_endpoint: str = ""

    def save(self) -> pathlib.Path:
        """Written whole (a temporary file renamed over the old one), readable by the user alone."""
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        path = credentials_path()
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(self), handle)
        os.chmod(partial, 0o600)
        os.replace(partial, path)
        return path

    @classmethod
    def load(cls) -> Credentials | None:
        path = credentials_path()
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise LoginError(f"{path} cannot be read ({exc}); run 'paars login' again") from None
        try:
            return cls(**data)
        except TypeError:
            raise LoginError(f"{path} is not a credentials file of this version; run 'paars login' again") from None


def discover(issuer: str) -> dict[str, Any]:
    """The provider's OpenID configuration; its issuer must be exactly the one asked for."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        config: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise LoginError(f"cannot read the provider's configuration at {url}: {exc}") from None
    if config.get("issuer") != issuer:
        raise LoginError(f"{url} names the issuer {config.get('issuer')!r}, not {issuer!r}")
    return config


def _subject(access_token: str) -> str:
    """Who the token names, for display and defaults only: the services verify it, the CLI does not need to."""
    try:
        sub = jwt.decode(access_token, options={"verify_signature": False}).get("sub", "")
    except jwt.PyJWTError:
        return ""
    return sub if isinstance(sub, str) else ""


def _token_params(audience: str) -> dict[str, str]:
    # RFC 8707: the token is for the Paars API (its audience), not for the provider's userinfo.
    return {"resource": audience} if audience else {}


def device_login(
    issuer: str, client_id: str, audience: str, scope: str = DEFAULT_SCOPE, *,
    show: Callable[[str, str, str, int], None], sleep: Callable[[float], None] = time.sleep,
) -> Credentials:
    """RFC 8628 from start to end: show(user_code, verification_uri, verification_uri_complete, expires_in)."""
    config = discover(issuer)
    device_endpoint = config.get("device_authorization_endpoint")
    token_endpoint = config.get("token_endpoint")
    if not device_endpoint or not token_endpoint:
        raise LoginError(f"the provider at {issuer} offers no device authorization grant (RFC 8628)")
    with OAuth2Client(client_id=client_id, token_endpoint_auth_method="none", scope=scope, timeout=HTTP_TIMEOUT_SECONDS) as client:
        try:
            response = httpx.post(
                device_endpoint, data={"client_id": client_id, "scope": scope, **_token_params(audience)}, timeout=HTTP_TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as exc:
            raise LoginError(f"cannot reach the provider's device endpoint {device_endpoint}: {exc}") from None
        if response.status_code != 200:
            raise LoginError(f"the provider refused to start signing in: {_describe(response)}")
        grant = response.json()
        expires_in = int(grant.get("expires_in", 600))
        show(grant["user_code"], grant["verification_uri"], grant.get("verification_uri_complete", ""), expires_in)
        interval = float(grant.get("interval", 5))
        deadline = time.monotonic() + expires_in
        while True:
            sleep(interval)
            try:
                token = client.fetch_token(
                    token_endpoint, grant_type=DEVICE_CODE_GRANT, device_code=grant["device_code"], **_token_params(audience)
                )
                break
            except OAuthError as exc:
                if exc.error == "authorization_pending" and time.monotonic() < deadline:
                    continue
                if exc.error == "slow_down" and time.monotonic() < deadline:
                    interval += 5  # RFC 8628 3.5
                    continue
                if exc.error in ("authorization_pending", "slow_down", "expired_token"):
                    raise LoginError("the code expired before it was approved; run 'paars login' again") from None
                if exc.error == "access_denied":
                    raise LoginError("signing in was declined at the provider") from None
                raise LoginError(f"the provider refused the sign-in: {exc.error}: {exc.description or ''}") from None
    if not token.get("refresh_token"):
        raise LoginError("the provider issued no refresh token (the client needs the refresh_token grant and offline_access)")
    access = token["access_token"]
    return Credentials(
        issuer=issuer, client_id=client_id, audience=audience, token_endpoint=token_endpoint,
        access_token=access, refresh_token=token["refresh_token"],
        expires_at=float(token.get("expires_at") or time.time() + int(token.get("expires_in", 0))),
        subject=_subject(access), revocation_endpoint=config.get("revocation_endpoint", ""),
    )


def _describe(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError):
        body = response.json()
        return f"{body.get('error', response.status_code)}: {body.get('error_description', '')}"
    return f"HTTP {response.status_code}"


def refresh(credentials: Credentials) -> Credentials:
    """A new access token (and, when the provider rotates them, a new refresh token), saved at once."""
    with OAuth2Client(client_id=credentials.client_id, token_endpoint_auth_method="none", timeout=HTTP_TIMEOUT_SECONDS) as client:
        try:
            token = client.refresh_token(
                credentials.token_endpoint, refresh_token=credentials.refresh_token, **_token_params(credentials.audience)
            )
        except OAuthError as exc:
            raise LoginError(f"your sign-in has ended ({exc.error}); run 'paars login' again") from None
        except httpx.HTTPError as exc:
            raise LoginError(f"cannot reach the provider to refresh your sign-in: {exc}") from None
    credentials.access_token = token["access_token"]
    credentials.refresh_token = token.get("refresh_token") or credentials.refresh_token
    credentials.expires_at = float(token.get("expires_at") or time.time() + int(token.get("expires_in", 0)))
    credentials.subject = _subject(credentials.access_token) or credentials.subject
    credentials.save()
    return credentials


def current(clock: Callable[[], float] = time.time) -> Credentials:
    """The signed-in person's credentials with an access token good for at least REFRESH_MARGIN_SECONDS."""
    credentials = Credentials.load()
    if credentials is None:
        raise LoginError("not signed in: run 'paars login' (or, in development, pass --as <employee id>)")
    if credentials.expires_at - clock() < REFRESH_MARGIN_SECONDS:
        credentials = refresh(credentials)
    return credentials


def client_credentials_token(issuer: str, client_id: str, client_secret: str, audience: str, scopes: list[str]) -> str:
    """An internal system's access token: the client-credentials grant, asking for the RPC scopes it needs."""
    token_endpoint = discover(issuer).get("token_endpoint")
    if not token_endpoint:
        raise LoginError(f"the provider at {issuer} names no token endpoint")
    with OAuth2Client(
        client_id=client_id, client_secret=client_secret, scope=" ".join(scopes),
        token_endpoint_auth_method="client_secret_basic", timeout=HTTP_TIMEOUT_SECONDS,
    ) as client:
        try:
            token = client.fetch_token(token_endpoint, grant_type="client_credentials", **_token_params(audience))
        except OAuthError as exc:
            raise LoginError(f"the provider refused client {client_id}: {exc.error}: {exc.description or ''}") from None
    return str(token["access_token"])


ISSUER_OPTION = typer.Option(..., "--issuer", envvar="PAARS_OIDC_ISSUER", help="Your organisation's OpenID provider (its issuer URL).")
CLIENT_OPTION = typer.Option("paars-cli", "--client-id", envvar="PAARS_OIDC_CLIENT_ID", help="The CLI's client id at the provider.")
AUDIENCE_OPTION = typer.Option(
    "", "--audience", envvar="PAARS_OIDC_AUDIENCE", help="The Paars API's audience (resource indicator), as the services check it."
)


def login(
    issuer: str = ISSUER_OPTION, client_id: str = CLIENT_OPTION, audience: str = AUDIENCE_OPTION,
    scope: str = typer.Option(DEFAULT_SCOPE, help="Scopes to ask for (offline_access brings the refresh token)."),
) -> None:
    """Sign in with your organisation's provider (device flow): approve the code shown here in any browser.

    The tokens are kept in $XDG_CONFIG_HOME/paars/credentials.json (mode 0600) and refreshed when needed;
    every command then acts as you. Without signing in, only development tokens (--as) work."""

    def show(code: str, uri: str, complete: str, expires_in: int) -> None:
        typer.echo(f"To sign in, open {complete or uri}" + ("" if complete else f" and enter the code {code}"), err=True)
        typer.echo(f"code: {code} (valid {expires_in // 60} minutes)", err=True)

    try:
        credentials = device_login(issuer, client_id, audience, scope, show=show)
        path = credentials.save()
    except LoginError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"signed in as {credentials.subject or '?'} (tokens in {path})")


def logout() -> None:
    """Forget your sign-in: the refresh token is revoked at the provider and the credentials file removed."""
    try:
        credentials = Credentials.load()
    except LoginError:
        credentials = None
    if credentials is not None and credentials.revocation_endpoint:
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(
                credentials.revocation_endpoint, timeout=HTTP_TIMEOUT_SECONDS,
                data={"token": credentials.refresh_token, "token_type_hint": "refresh_token", "client_id": credentials.client_id},
            )
    credentials_path().unlink(missing_ok=True)
    typer.echo("signed out")


def whoami() -> None:
    """Who the CLI acts as, and until when its access token holds (refreshed when needed)."""
    try:
        credentials = current()
    except LoginError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    left = int(credentials.expires_at - time.time())
    typer.echo(f"{credentials.subject} at {credentials.issuer} (access token valid {left} s more)")
