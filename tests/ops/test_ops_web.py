"""The web app on Kubernetes: HTTP probes, Ingress with TLS, a NetworkPolicy to the four services only,
no development sign-in in production, and its image."""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys
import sysconfig

from ops_support import (
    ROOT,
    SERVICES,
    WEB,
    by_name,
    config_map_for,
    of_kind,
    pod_spec,
    ref,
    server_container,
    service_workloads,
)
from test_ops_dockerfiles import IMAGE_UID, PINNED_BASE, parse
from test_ops_policy import _policies_for

DEV_SIGN_IN = "PAARS_WEB_DEV_SIGNIN"
PINNED_NODE = re.compile(r"^node:20\.\d+\.\d+-bookworm-slim(@sha256:[0-9a-f]{64})?$")


def _web(objects: list[dict]) -> dict:
    return by_name(objects, "Deployment")[WEB.name]


def _env(objects: list[dict]) -> dict[str, str]:
    """The web server's environment as the pod gets it: the ConfigMap, then the container's own env."""
    web = _web(objects)
    env = dict(config_map_for(objects, web))
    env.update({e["name"]: e.get("value", "<from a Secret>") for e in server_container(web).get("env", [])})
    return env


def test_the_web_server_has_http_probes_on_its_own_port(overlay) -> None:
    name, objects = overlay
    server = server_container(_web(objects))
    assert server["command"] == ["python", "-m", WEB.package], name
    assert {p["name"]: p["containerPort"] for p in server["ports"]} == {"http": WEB.http_port, "metrics": WEB.metrics_port}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        # /healthz answers without calling a service: an outage behind the web app never restarts it.
        assert server[probe]["httpGet"] == {"path": "/healthz", "port": "http"}, (name, probe)
    config = config_map_for(objects, _web(objects))
    assert (config["PAARS_WEB_HOST"], config["PAARS_WEB_PORT"], config["PAARS_WEB_METRICS_PORT"]) == (
        "0.0.0.0", str(WEB.http_port), str(WEB.metrics_port)
    )
    assert not pod_spec(_web(objects)).get("initContainers"), f"{name}: the web app has no database to migrate"


def test_the_web_app_calls_each_service_at_its_service_address(overlay) -> None:
    name, objects = overlay
    config = config_map_for(objects, _web(objects))
    services = by_name(objects, "Service")
    for service in SERVICES.values():
        port = {p["name"]: p["port"] for p in services[service.name]["spec"]["ports"]}["grpc"]
        assert config[f"PAARS_{service.name.upper()}_ADDR"] == f"{service.name}:{port}", name
    assert not {k for k in config if k.startswith(("PAARS_KAFKA", "PAARS_DATABASE"))}, f"{name}: the web app owns no data"


def test_the_ingress_serves_the_base_url_over_tls_to_the_web_service(overlay) -> None:
    name, objects = overlay
    ingress = by_name(objects, "Ingress")["web"]
    base_url = config_map_for(objects, _web(objects))["PAARS_WEB_BASE_URL"]
    assert base_url.startswith("https://"), f"{name}: links in e-mails must be https ({base_url})"
    host = base_url.removeprefix("https://").split("/")[0]
    rules = ingress["spec"]["rules"]
    assert [r["host"] for r in rules] == [host], name
    assert [t["hosts"] for t in ingress["spec"]["tls"]] == [[host]] and ingress["spec"]["tls"][0]["secretName"], name
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"
    backends = [p["backend"]["service"] for r in rules for p in r["http"]["paths"]]
    assert backends == [{"name": WEB.name, "port": {"name": "http"}}], name
    ports = {p["name"]: p for p in by_name(objects, "Service")[WEB.name]["spec"]["ports"]}
    assert {n: (p["port"], p["targetPort"]) for n, p in ports.items()} == {
        "http": (WEB.http_port, "http"), "metrics": (WEB.metrics_port, "metrics")
    }


def test_a_signed_in_person_keeps_reaching_the_replica_that_holds_their_session(overlay) -> None:
    """Sessions are kept in the web process's memory, and production scales the web app out (HPA)."""
    name, objects = overlay
    ingress = by_name(objects, "Ingress")["web"]
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie", name
    assert annotations["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent", name
    assert annotations["nginx.ingress.kubernetes.io/session-cookie-secure"] == "true", name


def test_the_web_app_may_reach_the_four_services_dns_and_the_identity_provider_only(overlay) -> None:
    name, objects = overlay
    labels = _web(objects)["spec"]["template"]["metadata"]["labels"]
    policies = _policies_for(objects, labels)
    assert [p["metadata"]["name"] for p in policies] == [WEB.name], f"{name}: no shared policy adds Kafka or PostgreSQL"
    [policy] = policies
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    assert {port["port"] for rule in policy["spec"]["ingress"] for port in rule["ports"]} == {"http", "metrics"}
    egress: dict[object, list[dict]] = {}
    for rule in policy["spec"]["egress"]:
        assert rule.get("ports"), f"{name}: an egress rule without ports opens everything"
        for port in rule["ports"]:
            egress.setdefault(port["port"], []).extend(rule.get("to", [{}]))
    assert set(egress) == {53, 443} | {s.grpc_port for s in SERVICES.values()}, name
    for service in SERVICES.values():
        assert egress[service.grpc_port] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": service.name}}}], name
    assert all("kube-dns" in json.dumps(peer) for peer in egress[53]), name


def test_every_service_lets_the_web_app_in_on_its_grpc_port(overlay) -> None:
    name, objects = overlay
    labels = _web(objects)["spec"]["template"]["metadata"]["labels"]
    for service in SERVICES:
        [own] = [p for p in of_kind(objects, "NetworkPolicy") if p["metadata"]["name"] == service]
        admitted = [
            rule for rule in own["spec"]["ingress"]
            if {p["port"] for p in rule["ports"]} == {"grpc"}
            and any(all(labels.get(k) == v for k, v in peer.get("podSelector", {}).get("matchLabels", {}).items()) for peer in rule["from"])
        ]
        assert admitted, f"{name}: {service} does not admit the web app's pods"


def test_in_production_the_services_accept_the_tokens_the_web_app_forwards(rendered) -> None:
    """The provider's access tokens carry its issuer and the Paars audience; each service must expect both."""
    objects = rendered["prod"]
    web = config_map_for(objects, _web(objects))
    for w in service_workloads(objects):
        config = config_map_for(objects, w)
        assert config["PAARS_JWT_ALGORITHM"] == "RS256", ref(w)
        assert config.get("PAARS_JWT_ISSUER") == web["PAARS_WEB_OIDC_ISSUER"], ref(w)
        assert config.get("PAARS_JWT_AUDIENCE") == web["PAARS_WEB_OIDC_AUDIENCE"], ref(w)


def test_the_web_apps_secrets_come_from_a_secret(overlay) -> None:
    name, objects = overlay
    env = {e["name"]: e for e in server_container(_web(objects))["env"]}
    for variable, key in (("PAARS_WEB_SESSION_SECRET", "session-secret"), ("PAARS_WEB_OIDC_CLIENT_SECRET", "oidc-client-secret")):
        assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": "paars-web", "key": key}, name


def test_production_cannot_switch_on_the_development_sign_in(rendered) -> None:
    """The prod overlay runs the web app as production, where the flag means nothing, and does not carry it."""
    objects = rendered["prod"]
    env = _env(objects)
    assert env["PAARS_ENVIRONMENT"] == "production"
    assert DEV_SIGN_IN not in env
    assert "PAARS_ENVIRONMENT" not in {e["name"] for e in server_container(_web(objects))["env"]}, "nothing overrides the ConfigMap"
    assert env["PAARS_WEB_OIDC_ISSUER"].startswith("https://")
    # Even with the flag added to that environment, the web app's own settings keep the development sign-in off.
    config = {k: v for k, v in env.items() if v != "<from a Secret>"} | {DEV_SIGN_IN: "true", "PAARS_WEB_SESSION_SECRET": "s" * 32}
    probe = "from paars_web.config import WebConfig; print(WebConfig.from_env().dev_sign_in)"
    done = subprocess.run(
        [sys.executable, "-c", probe], env={"PATH": os.environ.get("PATH", ""), **config}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_only_the_dev_overlay_offers_the_development_sign_in(rendered) -> None:
    env = _env(rendered["dev"])
    assert (env["PAARS_ENVIRONMENT"], env[DEV_SIGN_IN]) == ("development", "true")
    # Its services verify HS256 development tokens, which OpenID Connect sign-in would not give them.
    assert env["PAARS_WEB_OIDC_ISSUER"] == ""


def _dockerfile() -> pathlib.Path:
    return ROOT / "services" / WEB.name / "Dockerfile"


def test_the_web_image_follows_the_image_policy_with_its_assets_from_npm() -> None:
    instructions = parse(_dockerfile())
    froms = [i.args.split()[0] for i in instructions if i.keyword == "FROM"]
    assert PINNED_NODE.match(froms[0]), f"the assets stage {froms[0]!r} is a pinned node:20 slim"
    assert len(froms) == 3 and all(PINNED_BASE.match(f) for f in froms[1:]) and froms[1] == froms[2]
    assert not [i for i in instructions if i.keyword == "ADD"]
    asset_runs = " ".join(i.args for i in instructions if i.keyword == "RUN" and i.stage == 0)
    assert "npm ci" in asset_runs, "assets come from the lock file"
    build_runs = " ".join(i.args for i in instructions if i.keyword == "RUN" and i.stage == 1)
    assert "scripts/gen_protos.py" in build_runs and "-c constraints.txt libs/contracts libs/platform services/web" in build_runs
    users = [i for i in instructions if i.keyword == "USER"]
    assert users and users[-1].stage == 2 and users[-1].args.split(":")[0] == IMAGE_UID
    final_runs = " ".join(i.args for i in instructions if i.keyword == "RUN" and i.stage == 2)
    assert "pip install" not in final_runs and "npm" not in final_runs
    # The app serves htmx from PAARS_WEB_ASSETS_DIR: the assets stage's node_modules must land there.
    [assets] = re.findall(r"PAARS_WEB_ASSETS_DIR=(\S+)", " ".join(i.args for i in instructions if i.keyword == "ENV" and i.stage == 2))
    assert any(i.keyword == "COPY" and i.args == f"--from=assets /assets/node_modules {assets}" for i in instructions)
    [cmd] = [i for i in instructions if i.keyword == "CMD"]
    assert json.loads(cmd.args) == ["python", "-m", WEB.package]
    assert {p for i in instructions if i.keyword == "EXPOSE" for p in i.args.split()} == {str(WEB.http_port), str(WEB.metrics_port)}
    assert "**/node_modules" in (ROOT / ".dockerignore").read_text().splitlines(), "a developer's node_modules stays out of the context"


def test_hadolint_finds_nothing_in_the_web_image(ops_tools) -> None:
    hadolint = pathlib.Path(sysconfig.get_path("scripts")) / "hadolint"
    done = subprocess.run([str(hadolint), "--failure-threshold", "style", str(_dockerfile())], check=False, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
