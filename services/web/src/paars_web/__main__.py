"""`python -m paars_web`: serve the web app with uvicorn (metrics on their own port, JSON logs)."""
from __future__ import annotations

import uvicorn

from paars_platform import logs, metrics
from paars_platform.parent import die_with_parent_from_env
from paars_web.app import create_app
from paars_web.config import WebConfig


def main() -> None:
    die_with_parent_from_env()
    config = WebConfig.from_env()
    logs.configure("web", config.log_level)
    metrics.serve_metrics(config.metrics_port, host=config.host)
    # uvicorn's own access log would repeat what WebMiddleware logs, and not as JSON. Open prompt
    # streams never end by themselves: a stop waits for them only briefly (browsers reconnect elsewhere).
    uvicorn.run(
        create_app(config), host=config.host, port=config.port, log_config=None, access_log=False, proxy_headers=True, timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
