"""The make targets, the tool pins and the local Prometheus configuration agree with the manifests."""
from __future__ import annotations

import re
import subprocess

from ops_support import ROOT, SERVICES, WEB, all_containers, pod_spec, workloads


def test_make_images_builds_exactly_the_images_the_overlays_run(rendered) -> None:
    done = subprocess.run(["make", "-n", "-f", "mk/ops.mk", "images"], check=False, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    builds = re.findall(r"^docker build -f services/(\w+)/Dockerfile -t (\S+) \.$", done.stdout, re.MULTILINE)
    assert sorted(service for service, _ in builds) == sorted([*SERVICES, WEB.name])
    built = {tag for _, tag in builds}
    for name, objects in rendered.items():
        running = {c["image"] for w in workloads(objects) for c in all_containers(pod_spec(w))}
        assert running == built, name


def test_ops_tools_runs_the_install_script() -> None:
    done = subprocess.run(["make", "-n", "-f", "mk/ops.mk", "ops-tools", "PY=.venv/bin/python", "STAMP="],
                          check=False, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "scripts/install-ops-tools.sh .venv/bin/python" in done.stdout


def test_the_install_script_and_the_requirements_pin_the_same_hadolint() -> None:
    script = (ROOT / "scripts" / "install-ops-tools.sh").read_text()
    requirements = (ROOT / "mk" / "ops-requirements.txt").read_text().splitlines()
    [pin] = re.findall(r'HADOLINT_WHEEL="([^"]+)"', script)
    assert pin in requirements


def test_every_requirement_is_pinned_exactly() -> None:
    lines = [ln for ln in (ROOT / "mk" / "ops-requirements.txt").read_text().splitlines() if ln and ln[0] != "#"]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*", ln) for ln in lines), lines


def test_the_local_prometheus_config_is_valid_and_scrapes_each_service_as_its_job(ops_tools) -> None:
    config = ROOT / "deploy" / "prometheus" / "local" / "prometheus.yml"
    done = subprocess.run([ops_tools.promtool, "check", "config", str(config)], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    text = config.read_text()
    for service in SERVICES.values():
        assert f"- job_name: {service.name}\n" in text
        assert f'"127.0.0.1:{service.metrics_port}"' in text
