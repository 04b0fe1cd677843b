"""SCIM provisioning on Kubernetes: the identity provider reaches goals' /scim/v2 through the Ingress over
TLS only, goals takes it from the ingress controller only, and the bearer secret comes from a Secret."""
from __future__ import annotations

from ops_support import SERVICES, by_name, config_map_for, ref, server_container, service_workloads
from test_ops_policy import _policies_for

GOALS = SERVICES["goals"]


def test_the_scim_ingress_sends_only_scim_v2_to_goals_over_tls(overlay) -> None:
    name, objects = overlay
    ingress = by_name(objects, "Ingress")["goals-scim"]
    web = by_name(objects, "Ingress")["web"]
    assert ingress["spec"]["tls"] == web["spec"]["tls"], name
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true", name
    assert "nginx.ingress.kubernetes.io/affinity" not in ingress["metadata"]["annotations"], name
    paths = [(p["path"], p["pathType"], p["backend"]["service"]) for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    assert paths == [("/scim/v2", "Prefix", {"name": "goals", "port": {"name": "scim"}})], name
    assert [r["host"] for r in ingress["spec"]["rules"]] == [r["host"] for r in web["spec"]["rules"]], name


def test_goals_serves_scim_on_its_port_with_the_secret_from_a_secret_and_only_to_the_ingress_controller(overlay) -> None:
    name, objects = overlay
    [goals] = [w for w in service_workloads(objects) if w["metadata"]["name"] == "goals"]
    config = config_map_for(objects, goals)
    assert (config["PAARS_SCIM_HOST"], int(config["PAARS_SCIM_PORT"])) == ("0.0.0.0", GOALS.ports["scim"]), (name, ref(goals))
    assert config["PAARS_SCIM_BASE_URL"].startswith("https://"), name
    env = {e["name"]: e for e in server_container(goals).get("env", [])}
    assert env["PAARS_SCIM_TOKEN"]["valueFrom"]["secretKeyRef"] == {"name": "goals-scim", "key": "token"}, name
    policies = _policies_for(objects, goals["spec"]["template"]["metadata"]["labels"])
    peers = [rule["from"] for p in policies for rule in p["spec"].get("ingress", []) if any(port["port"] == "scim" for port in rule["ports"])]
    assert peers and all("ingress-nginx" in str(peer) for peer in peers), name
