"""Settings of the web app from the environment, with local defaults that make `make run` work as is."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from paars_platform.config import DEFAULT_PORTS, DEV_JWT_SECRET, env_bool, env_float, env_int, env_str

DEVELOPMENT = "development"
# The services the web app calls, each on its own channel; OrgService is served by goals.
SERVICES = ("goals", "feedback", "notifications", "analytics", "story", "conversations")


@dataclass(frozen=True)
class WebConfig:
    host: str
    port: int
    metrics_port: int
    base_url: str
    environment: str
    # Asked for by `make run`; honoured only when the environment is development (see dev_sign_in).
    dev_sign_in_requested: bool
    service_addresses: dict[str, str]
    session_secret: str
    session_max_age_seconds: int
    # Secret and issuer of development tokens (the same as the services verify in development).
    jwt_secret: str
    jwt_issuer: str
    jwt_audience: str
    rpc_deadline_seconds: float
    log_level: str
    # OpenID Connect sign-in (paars_web.oidc); empty issuer: no OIDC sign-in offered.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # The services' audience (PAARS_JWT_AUDIENCE there): the resource the access tokens are asked for.
    oidc_audience: str = ""
    # Where htmx.org/ lies (the image's npm stage); empty: services/web/node_modules of the source tree.
    assets_dir: str = ""

    @property
    def is_development(self) -> bool:
        return self.environment == DEVELOPMENT

    @property
    def dev_sign_in(self) -> bool:
        """The development sign-in exists only in development and only when asked for: the prod
        overlay sets PAARS_ENVIRONMENT=production, so no flag it might carry can switch it on."""
        return self.is_development and self.dev_sign_in_requested

    @property
    def secure_cookies(self) -> bool:
        return not self.is_development

    def link(self, path: str) -> str:
        """An absolute link to a page, for e-mails and prompts."""
        return self.base_url.rstrip("/") + path

    @classmethod
    def from_env(cls) -> WebConfig:
        environment = env_str("PAARS_ENVIRONMENT", DEVELOPMENT)
        host = env_str("PAARS_WEB_HOST", "127.0.0.1")
        port = env_int("PAARS_WEB_PORT", 8080)
        session_secret = os.environ.get("PAARS_WEB_SESSION_SECRET", "")
        if not session_secret:
            if environment != DEVELOPMENT:
                raise ValueError("PAARS_WEB_SESSION_SECRET must be set outside development")
            # Sessions live in this process's memory anyway, so a fresh secret per start loses nothing.
            session_secret = secrets.token_urlsafe(32)
        return cls(
            host=host,
            port=port,
            metrics_port=env_int("PAARS_WEB_METRICS_PORT", 9105),
            base_url=env_str("PAARS_WEB_BASE_URL", f"http://{host}:{port}"),
            environment=environment,
            dev_sign_in_requested=env_bool("PAARS_WEB_DEV_SIGNIN", False),
            service_addresses={
                s: env_str(f"PAARS_{s.upper()}_ADDR", f"127.0.0.1:{DEFAULT_PORTS[s][0]}") for s in SERVICES
            },
            session_secret=session_secret,
            session_max_age_seconds=env_int("PAARS_WEB_SESSION_MAX_AGE_SECONDS", 12 * 3600),
            jwt_secret=env_str("PAARS_JWT_SECRET", DEV_JWT_SECRET if environment == DEVELOPMENT else ""),
            jwt_issuer=env_str("PAARS_JWT_ISSUER", "paars"),
            jwt_audience=env_str("PAARS_JWT_AUDIENCE", ""),
            rpc_deadline_seconds=env_float("PAARS_WEB_RPC_DEADLINE_SECONDS", 5.0),
            log_level=env_str("PAARS_LOG_LEVEL", "INFO"),
            oidc_issuer=env_str("PAARS_WEB_OIDC_ISSUER", ""),
            oidc_client_id=env_str("PAARS_WEB_OIDC_CLIENT_ID", ""),
            oidc_client_secret=env_str("PAARS_WEB_OIDC_CLIENT_SECRET", ""),
            oidc_audience=env_str("PAARS_WEB_OIDC_AUDIENCE", ""),
            assets_dir=env_str("PAARS_WEB_ASSETS_DIR", ""),
        )
