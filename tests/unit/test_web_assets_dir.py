"""The image installs htmx outside the package (services/web/Dockerfile): PAARS_WEB_ASSETS_DIR says where."""
from __future__ import annotations

import pathlib

import pytest
from starlette.testclient import TestClient

from paars_web.app import create_app
from paars_web.clients import Stubs
from paars_web.config import WebConfig


def test_htmx_is_served_from_the_assets_directory_the_environment_names(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "htmx.org" / "dist"
    dist.mkdir(parents=True)
    (dist / "htmx.min.js").write_text("/* the image's htmx */")
    monkeypatch.setenv("PAARS_WEB_ASSETS_DIR", str(tmp_path))
    app = create_app(WebConfig.from_env(), stubs=Stubs(goals=None, org=None, feedback=None, notifications=None, analytics=None))
    with TestClient(app) as client:
        answer = client.get("/static/vendor/htmx/htmx.min.js")
    assert answer.status_code == 200 and answer.text == "/* the image's htmx */"
