"""Prometheus rules (promtool check and unit tests), their runbooks, the PrometheusRule and the Grafana dashboard."""
from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from typing import Any

import yaml
from ops_support import ROOT, SERVICES, known_metric

RULES = ROOT / "deploy" / "prometheus" / "rules.yaml"
RULE_TESTS = sorted((ROOT / "deploy" / "prometheus" / "tests").glob("*.yaml"))
PROMETHEUS_RULE = ROOT / "deploy" / "k8s" / "base" / "monitoring" / "prometheusrule.yaml"
DASHBOARD = ROOT / "deploy" / "k8s" / "base" / "monitoring" / "dashboards" / "paars-overview.json"
RUNBOOKS = ROOT / "docs" / "runbooks.md"
RUNBOOK_PREFIX = "https://github.com/paars/paars/blob/main/docs/runbooks.md#"

# What the issue asks alerts for, and the alert that answers it.
REQUIRED_ALERTS = {
    "error rate": "PaarsGrpcHighErrorRate",
    "p99 latency": "PaarsGrpcHighLatency",
    "outbox backlog": "PaarsOutboxBacklog",
    "outbox age": "PaarsOutboxStale",
    "consumer lag": "PaarsConsumerLag",
    "dead-letter growth": "PaarsDeadLettersGrowing",
    "prompt-delivery failures": "PaarsPromptDeliveryFailing",
    "prompt latency": "PaarsPromptLatencyHigh",
    "analytics lag": "PaarsAnalyticsLagging",
}


def _rules() -> list[dict[str, Any]]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]


def _alerts() -> list[dict[str, Any]]:
    return [r for r in _rules() if "alert" in r]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, check=False, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_promtool_accepts_the_rules(ops_tools) -> None:
    done = _run(ops_tools.promtool, "check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_unit_tests_pass(ops_tools) -> None:
    assert RULE_TESTS
    done = _run(ops_tools.promtool, "test", "rules", *map(str, RULE_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_required_alert_exists() -> None:
    names = {a["alert"] for a in _alerts()}
    missing = {need: alert for need, alert in REQUIRED_ALERTS.items() if alert not in names}
    assert not missing


def test_every_alert_is_unit_tested_both_firing_and_silent() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for path in RULE_TESTS:
        suite = yaml.safe_load(path.read_text())
        assert suite["rule_files"] == ["../rules.yaml"], path
        for case in suite["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check["exp_alerts"] else silent).add(check["alertname"])
    names = {a["alert"] for a in _alerts()}
    assert names - firing == set(), "alerts never seen firing in a unit test"
    assert names - silent == set(), "alerts never seen staying silent in a unit test"


def _runbook_sections() -> dict[str, str]:
    """GitHub anchor of each `## ` heading -> the section's text."""
    sections: dict[str, str] = {}
    current = None
    for line in RUNBOOKS.read_text().splitlines():
        if line.startswith("## "):
            current = re.sub(r"[^a-z0-9 -]", "", line[3:].strip().lower()).replace(" ", "-")
            sections[current] = ""
        elif current:
            sections[current] += line + "\n"
    return sections


def test_every_alert_has_a_summary_a_description_and_a_runbook_section() -> None:
    sections = _runbook_sections()
    for alert in _alerts():
        name = alert["alert"]
        assert alert["labels"]["severity"] in ("critical", "warning"), name
        annotations = alert["annotations"]
        assert annotations["summary"].strip() and annotations["description"].strip(), name
        url = annotations["runbook_url"]
        assert url.startswith(RUNBOOK_PREFIX), (name, url)
        anchor = url.removeprefix(RUNBOOK_PREFIX)
        assert anchor == name.lower(), (name, url)
        assert anchor in sections, f"docs/runbooks.md has no section {name}"
        for part in ("Meaning", "Impact", "Diagnosis", "Fix"):
            assert f"### {part}" in sections[anchor], f"runbook {name} lacks a {part} part"
    assert set(sections) == {a["alert"].lower() for a in _alerts()}, "runbook sections without an alert"


def test_the_operations_guide_explains_every_alert_and_links_its_runbook() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    for alert in _alerts():
        name = alert["alert"]
        assert f"| {name} | {alert['labels']['severity']} |" in guide, name
        assert f"(runbooks.md#{name.lower()})" in guide, name


def test_the_prometheus_rule_is_fresh_and_embeds_the_rules_file() -> None:
    done = _run(sys.executable, "deploy/tools/render_monitoring.py", "--check")
    assert done.returncode == 0, done.stderr
    resource = yaml.safe_load(PROMETHEUS_RULE.read_text())
    assert resource["apiVersion"] == "monitoring.coreos.com/v1" and resource["kind"] == "PrometheusRule"
    assert resource["spec"] == yaml.safe_load(RULES.read_text())


def test_the_kafka_topics_are_fresh() -> None:
    done = _run(sys.executable, "scripts/render_kafka_topics.py", "--check")
    assert done.returncode == 0, done.stderr


def _metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression, expanding paars_(a|b)_thing selectors on __name__."""
    names = set()
    for alternatives, rest in re.findall(r"paars_\(([a-z|]+)\)_([a-z0-9_]+)", expr):
        names |= {f"paars_{a}_{rest}" for a in alternatives.split("|")}
    names |= set(re.findall(r"\bpaars_[a-z0-9_]+", re.sub(r"paars_\([a-z|]+\)_[a-z0-9_]+", "", expr)))
    return names


def _dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def _dashboard_exprs() -> list[str]:
    return [t["expr"] for p in _dashboard()["panels"] for t in p.get("targets", [])]


def test_rules_and_dashboard_use_only_metrics_the_services_export() -> None:
    exprs = [r["expr"] for r in _rules()] + _dashboard_exprs()
    unknown = sorted({m for e in exprs for m in _metric_names(e) if not known_metric(m)})
    assert not unknown, f"not exported by any service: {unknown}"
    recorded = {r["record"] for r in _rules() if "record" in r}
    used = {m for e in exprs for m in re.findall(r"\bpaars:[a-z0-9_:]+", e)}
    assert used <= recorded, f"recording rules that do not exist: {used - recorded}"


def test_every_dashboard_query_is_valid_promql(ops_tools, tmp_path) -> None:
    """promtool parses each panel query (Grafana variables replaced) as if it were a recording rule."""
    exprs = [e.replace("$__rate_interval", "5m").replace("$namespace", "paars") for e in _dashboard_exprs()]
    rules = {"groups": [{"name": "dashboard", "rules": [{"record": f"dashboard:q{i}", "expr": e} for i, e in enumerate(exprs)]}]}
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump(rules))
    done = _run(ops_tools.promtool, "check", "rules", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dashboard_shows_red_per_service_event_flow_lag_outbox_and_prompts() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] == "paars-overview"
    panels = dashboard["panels"]
    titles = [p["title"] for p in panels]
    for service in SERVICES:
        for part in ("requests by code", "server error ratio", "unary latency"):
            assert f"{service} {part}" in titles
    for title in ("Published per topic", "Consumed per topic and outcome", "Consumer lag", "Analytics event lag",
                  "Outbox oldest unsent event", "Prompt latency (cause commit to in-app delivery)",
                  "Events waiting for the directory"):
        assert title in titles
    assert len({p["id"] for p in panels}) == len(panels)
    cells = [
        (x, y)
        for p in panels
        for x, y in itertools.product(range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"]),
                                      range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"]))
    ]
    assert len(cells) == len(set(cells)), "panels overlap"
    assert all(p["gridPos"]["x"] + p["gridPos"]["w"] <= 24 for p in panels)
    for panel in panels:
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
            assert panel["targets"], panel["title"]
