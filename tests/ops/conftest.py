"""Fixtures of the ops tests: the tools (installed by scripts/install-ops-tools.sh) and the rendered overlays."""
from __future__ import annotations

import shutil
from dataclasses import dataclass

import pytest
from ops_support import OVERLAYS, ROOT, find_kubectl, kustomize


@dataclass(frozen=True)
class Tools:
    kubectl: str
    promtool: str


@pytest.fixture(scope="session")
def ops_tools(ops_tools_installed: None) -> Tools:
    """kubectl (kustomize v5) and promtool; the script installs whichever is missing, so nothing is skipped."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool is not on PATH after install-ops-tools.sh"
    return Tools(kubectl=find_kubectl(), promtool=promtool)


@pytest.fixture(scope="session")
def rendered(ops_tools: Tools) -> dict[str, list[dict]]:
    """Every overlay rendered once: overlay name -> its objects."""
    return {name: kustomize(ops_tools.kubectl, ROOT / "deploy" / "k8s" / "overlays" / name) for name in OVERLAYS}


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest, rendered: dict[str, list[dict]]) -> tuple[str, list[dict]]:
    """One overlay's name and objects; tests using it run once per overlay."""
    return request.param, rendered[request.param]
