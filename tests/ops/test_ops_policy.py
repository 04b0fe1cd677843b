"""Policies over the rendered objects: hardening, probes, resources, images, ports, secrets, scaling, topics."""
from __future__ import annotations

import re

import pytest
from ops_support import (
    ANALYTICS_STATE_DIR,
    DRAIN_SECONDS,
    SERVICES,
    WEB,
    all_containers,
    analytics_input_topics,
    by_name,
    config_map_for,
    of_kind,
    pod_spec,
    ref,
    server_container,
    service_workloads,
    topics,
    workloads,
)

SECRET_ENV = re.compile(r"(DATABASE_URL|SECRET|PASSWORD|TOKEN|PRIVATE_KEY|PUBLIC_KEY|SIGNING_KEY|VERIFY_KEYS)$")
# Where the services reach Kafka: the dev broker's plain listener, the production TLS listener.
KAFKA_PORT = {"dev": 9092, "prod": 9093}


def _violations(objects: list[dict], check) -> list[str]:
    return [f"{ref(w)}: {problem}" for w in workloads(objects) for problem in check(w)]


def test_the_four_services_and_the_web_app_run_as_the_expected_kinds(overlay) -> None:
    _, objects = overlay
    expected = {s.name: s.kind for s in SERVICES.values()} | {WEB.name: "Deployment"}
    assert {w["metadata"]["name"]: w["kind"] for w in workloads(objects)} == expected


def _security(workload: dict) -> list[str]:
    pod = pod_spec(workload)
    problems = []
    pod_ctx = pod.get("securityContext", {})
    if pod_ctx.get("runAsNonRoot") is not True:
        problems.append("pod securityContext.runAsNonRoot is not true")
    if pod_ctx.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append("pod seccompProfile is not RuntimeDefault")
    if pod_ctx.get("runAsUser", 0) == 0:
        problems.append("pod runAsUser is root or unset")
    if pod.get("automountServiceAccountToken") is not False:
        problems.append("service account token is mounted")
    if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
        problems.append("uses host namespaces")
    for c in all_containers(pod):
        ctx = c.get("securityContext", {})
        expected = {
            "runAsNonRoot": True,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
        }
        problems += [f"{c['name']}: {k} is not {v}" for k, v in expected.items() if ctx.get(k) is not v]
        if ctx.get("capabilities", {}).get("drop") != ["ALL"] or ctx.get("capabilities", {}).get("add"):
            problems.append(f"{c['name']}: capabilities are not drop [ALL]")
        if ctx.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{c['name']}: seccompProfile is not RuntimeDefault")
        if ctx.get("privileged"):
            problems.append(f"{c['name']}: privileged")
    return problems


def test_every_container_is_hardened(overlay) -> None:
    name, objects = overlay
    problems = _violations(objects, _security)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def _resources(workload: dict) -> list[str]:
    problems = []
    for c in all_containers(pod_spec(workload)):
        res = c.get("resources", {})
        for section in ("requests", "limits"):
            missing = {"cpu", "memory"} - set(res.get(section, {}))
            if missing:
                problems.append(f"{c['name']}: no {section} for {sorted(missing)}")
    return problems


def test_every_container_has_requests_and_limits(overlay) -> None:
    name, objects = overlay
    problems = _violations(objects, _resources)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def _images(workload: dict) -> list[str]:
    problems = []
    for c in all_containers(pod_spec(workload)):
        image = c.get("image", "")
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        if "@sha256:" not in image and (not tag or tag == "latest"):
            problems.append(f"{c['name']}: image {image!r} has no pinned tag")
        if c.get("imagePullPolicy") == "Always":
            problems.append(f"{c['name']}: imagePullPolicy Always (a pinned tag never changes)")
    return problems


def test_no_image_is_latest_or_untagged(overlay) -> None:
    name, objects = overlay
    problems = _violations(objects, _images)
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_every_server_has_native_grpc_probes_on_its_grpc_port(overlay) -> None:
    name, objects = overlay
    problems = []
    for w in service_workloads(objects):
        service = SERVICES[w["metadata"]["name"]]
        server = server_container(w)
        ports = {p["name"]: p["containerPort"] for p in server.get("ports", [])}
        if ports != service.ports:
            problems.append(f"{ref(w)}: container ports {ports}")
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            spec = server.get(probe)
            if not spec or "grpc" not in spec:
                problems.append(f"{ref(w)}: {probe} is not a native gRPC probe")
                continue
            if spec["grpc"].get("port") != service.grpc_port:
                problems.append(f"{ref(w)}: {probe} checks port {spec['grpc'].get('port')}")
            # Service "" is the server as a whole; a named service might report on dependencies.
            if spec["grpc"].get("service", "") != "":
                problems.append(f"{ref(w)}: {probe} asks for service {spec['grpc']['service']!r}")
        for c in pod_spec(w).get("initContainers", []):
            if any(p in c for p in ("startupProbe", "readinessProbe", "livenessProbe")):
                problems.append(f"{ref(w)}: init container {c['name']} has a probe")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_servers_listen_where_their_probes_and_services_look(overlay) -> None:
    """The ConfigMap's ports match the container ports, and gRPC binds all interfaces (its default is 127.0.0.1)."""
    name, objects = overlay
    problems = []
    for w in service_workloads(objects):
        service = SERVICES[w["metadata"]["name"]]
        config = config_map_for(objects, w)
        expected = {
            "PAARS_GRPC_HOST": "0.0.0.0",
            "PAARS_GRPC_PORT": str(service.grpc_port),
            "PAARS_METRICS_PORT": str(service.metrics_port),
            "PAARS_KAFKA_BOOTSTRAP": f"paars-kafka-kafka-bootstrap:{KAFKA_PORT[name]}",
            "PAARS_KAFKA_IDEMPOTENCE": "true",
            "PAARS_MIGRATE_ON_START": "false",
            "PAARS_PROVISION_TOPICS": "false",
            "PAARS_SHUTDOWN_GRACE_SECONDS": str(DRAIN_SECONDS),
            "PAARS_ANONYMITY_K": "3",
        }
        problems += [f"{ref(w)}: {k}={config.get(k)!r}, expected {v!r}" for k, v in expected.items() if config.get(k) != v]
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_jwt_is_rs256_by_the_providers_jwks_in_prod_and_hs256_only_in_dev(rendered) -> None:
    """Production verifies against the provider's JWKS (keys rotate without a restart), no PEM key, no secret."""
    for name, algorithm, secret_env in (("prod", "RS256", None), ("dev", "HS256", "PAARS_JWT_SECRET")):
        for w in service_workloads(rendered[name]):
            config = config_map_for(rendered[name], w)
            assert config["PAARS_JWT_ALGORITHM"] == algorithm, (name, ref(w))
            env = {e["name"] for e in server_container(w).get("env", [])}
            if secret_env:
                assert secret_env in env, (name, ref(w), env)
            else:
                assert config.get("PAARS_JWT_JWKS_URL", "").startswith(f"{config['PAARS_JWT_ISSUER']}/"), (name, ref(w))
            assert not ({"PAARS_JWT_SECRET", "PAARS_JWT_PUBLIC_KEY"} - {secret_env}) & env, (name, ref(w), env)


def test_secrets_are_referenced_never_inlined(overlay) -> None:
    name, objects = overlay
    assert not of_kind(objects, "Secret"), f"{name}: Secret objects carry secret values in the manifests"
    problems = []
    for w in workloads(objects):
        for c in all_containers(pod_spec(w)):
            for e in c.get("env", []):
                if SECRET_ENV.search(e["name"]) and "secretKeyRef" not in e.get("valueFrom", {}):
                    problems.append(f"{ref(w)}/{c['name']}: {e['name']} is not a secretKeyRef")
        config = config_map_for(objects, w)
        problems += [f"{ref(w)}: ConfigMap holds {k}" for k in config if SECRET_ENV.search(k)]
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_services_with_a_database_get_its_url_from_a_secret(overlay) -> None:
    name, objects = overlay
    for w in service_workloads(objects):
        service = SERVICES[w["metadata"]["name"]]
        for c in all_containers(pod_spec(w)):
            env = {e["name"]: e for e in c.get("env", [])}
            if service.has_database:
                assert env["PAARS_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
                    "name": f"{service.name}-database", "key": "url"
                }, (name, ref(w), c["name"])
            else:
                assert "PAARS_DATABASE_URL" not in env, (name, ref(w))


def test_termination_grace_covers_the_drain(overlay) -> None:
    name, objects = overlay
    for w in workloads(objects):
        grace = pod_spec(w).get("terminationGracePeriodSeconds")
        assert grace is not None and DRAIN_SECONDS + 5 <= grace <= 60, (name, ref(w), grace)


def test_tmp_is_a_writable_empty_dir(overlay) -> None:
    name, objects = overlay
    for w in workloads(objects):
        pod = pod_spec(w)
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for c in all_containers(pod):
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            assert "/tmp" in mounts, (name, ref(w), c["name"])
            assert "emptyDir" in volumes[mounts["/tmp"]], (name, ref(w), c["name"])


def test_migrations_run_in_an_init_container_before_the_server(overlay) -> None:
    name, objects = overlay
    for w in service_workloads(objects):
        service = SERVICES[w["metadata"]["name"]]
        pod = pod_spec(w)
        inits = pod.get("initContainers", [])
        if not service.has_database:
            assert not inits, f"{name}: {ref(w)} has no SQL database, so no migrate init container"
            continue
        [migrate] = [c for c in inits if c["name"] == "migrate"]
        assert migrate["command"] == ["python", "-m", service.package, "migrate"], (name, ref(w))
        assert migrate["image"] == server_container(w)["image"], f"{name}: {ref(w)} migrates with another image"
        assert server_container(w)["command"] == ["python", "-m", service.package], (name, ref(w))


def test_analytics_keeps_no_state_on_a_persistent_volume(overlay) -> None:
    # Every worker rebuilds people's state from the changelogs at each start (its read model, tables.py): a
    # persistent volume would be read by nobody. Faust's data directory is a small emptyDir, and the store knob
    # (RocksDB) is gone with the Faust tables.
    name, objects = overlay
    analytics = by_name(objects, "StatefulSet")["analytics"]
    config = config_map_for(objects, analytics)
    assert config["PAARS_ANALYTICS_STATE_DIR"] == ANALYTICS_STATE_DIR
    assert "PAARS_ANALYTICS_STORE" not in config, name
    assert not analytics["spec"].get("volumeClaimTemplates"), name
    assert not [o for o in objects if o["kind"] == "PersistentVolumeClaim" and "analytics" in o["metadata"]["name"]], name
    volumes = {v["name"]: v for v in analytics["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in server_container(analytics)["volumeMounts"]}
    assert "emptyDir" in volumes[mounts[ANALYTICS_STATE_DIR]], (name, mounts)
    headless = by_name(objects, "Service")[analytics["spec"]["serviceName"]]
    assert headless["spec"]["clusterIP"] == "None"


def test_every_service_exposes_named_grpc_and_metrics_ports(overlay) -> None:
    name, objects = overlay
    services = by_name(objects, "Service")
    unnamed = [f"Service/{n}: port {p.get('port')}" for n, s in services.items() for p in s["spec"]["ports"] if not p.get("name")]
    assert not unnamed, f"{name}: {unnamed}"
    for service in SERVICES.values():
        ports = {p["name"]: p for p in services[service.name]["spec"]["ports"]}
        assert {n: p["port"] for n, p in ports.items()} == service.ports
        assert ports["grpc"]["targetPort"] == "grpc" and ports["metrics"]["targetPort"] == "metrics"
        assert services[service.name]["spec"]["selector"] == {"app.kubernetes.io/name": service.name}


def test_every_service_is_scraped_on_its_metrics_port(overlay) -> None:
    name, objects = overlay
    monitors = by_name(objects, "ServiceMonitor")
    assert set(monitors) == set(SERVICES) | {WEB.name}, name
    for service_name, monitor in monitors.items():
        assert monitor["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": service_name}
        assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"]
        # The rules and dashboards tell services apart by job = service name.
        assert monitor["spec"]["jobLabel"] == "app.kubernetes.io/name"


def _policies_for(objects: list[dict], labels: dict[str, str]) -> list[dict]:
    def selects(policy: dict) -> bool:
        selector = policy["spec"]["podSelector"]
        if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
            return False
        return all(expr["operator"] == "In" and labels.get(expr["key"]) in expr["values"] for expr in selector.get("matchExpressions", []))

    return [p for p in of_kind(objects, "NetworkPolicy") if selects(p)]


def _allowed_ports(policies: list[dict], direction: str) -> set[object]:
    return {
        port.get("port")
        for p in policies
        for rule in p["spec"].get(direction, [])
        for port in rule.get("ports", [])
    }


def test_network_policies_allow_only_the_needed_flows(overlay) -> None:
    name, objects = overlay
    for w in service_workloads(objects):
        service = SERVICES[w["metadata"]["name"]]
        policies = _policies_for(objects, w["spec"]["template"]["metadata"]["labels"])
        own = [p for p in policies if p["metadata"]["name"] == service.name]
        assert own and set(own[0]["spec"]["policyTypes"]) == {"Ingress", "Egress"}, (name, ref(w))
        # Every rule names its ports: no policy opens everything.
        for p in policies:
            for direction in ("ingress", "egress"):
                assert all(rule.get("ports") for rule in p["spec"].get(direction, [])), (name, p["metadata"]["name"])
        assert _allowed_ports(policies, "ingress") == set(service.ports), (name, ref(w))
        expected_egress = {53, KAFKA_PORT[name]} | ({5432} if service.has_database else set())
        if service.name == "notifications":
            expected_egress |= {587, 443}  # e-mail and webhooks
        if name == "prod":
            expected_egress |= {443}  # the identity provider's JWKS
        if service.name != "goals":
            expected_egress |= {"grpc"}  # goals' PersonKeys (network/egress-person-keys.yaml)
        assert _allowed_ports(policies, "egress") == expected_egress, (name, ref(w))
        metrics_rules = [
            rule for p in own for rule in p["spec"]["ingress"] if {x["port"] for x in rule["ports"]} == {"metrics"}
        ]
        assert metrics_rules and all(
            peer["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "prometheus"}
            for rule in metrics_rules for peer in rule["from"]
        ), (name, ref(w))


def test_dev_runs_one_replica_of_everything(rendered) -> None:
    objects = rendered["dev"]
    assert {ref(w): w["spec"].get("replicas") for w in workloads(objects)} == {
        f"{s.kind}/{s.name}": 1 for s in SERVICES.values()
    } | {f"Deployment/{WEB.name}": 1}
    assert not of_kind(objects, "HorizontalPodAutoscaler")
    [pool] = of_kind(objects, "KafkaNodePool")
    assert pool["spec"]["replicas"] == 1 and sorted(pool["spec"]["roles"]) == ["broker", "controller"]


def _scaled_objects(objects: list[dict]) -> dict[str, dict]:
    """KEDA ScaledObjects by target, in the HPA's terms (KEDA makes and owns that HPA)."""
    return {
        o["spec"]["scaleTargetRef"]["name"]: {"spec": {
            "scaleTargetRef": o["spec"]["scaleTargetRef"], "minReplicas": o["spec"]["minReplicaCount"],
            "maxReplicas": o["spec"]["maxReplicaCount"]}}
        for o in of_kind(objects, "ScaledObject")
    }


def test_prod_runs_every_service_redundantly_and_spread(rendered) -> None:
    objects = rendered["prod"]
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(objects, "HorizontalPodAutoscaler")}
    hpas |= _scaled_objects(objects)
    pdbs = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]: p for p in of_kind(objects, "PodDisruptionBudget")}
    for w in workloads(objects):
        name = w["metadata"]["name"]
        hpa = hpas.get(name)
        if hpa:
            # The HPA owns the count: a replicas field would reset it on every apply.
            assert "replicas" not in w["spec"], name
            assert hpa["spec"]["scaleTargetRef"]["kind"] == w["kind"]
            assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"], name
        else:
            assert w["spec"].get("replicas", 1) >= 2, name
        assert name in pdbs and pdbs[name]["spec"].get("maxUnavailable") == 1, name
        anti = pod_spec(w).get("affinity", {}).get("podAntiAffinity", {})
        terms = anti.get("preferredDuringSchedulingIgnoredDuringExecution", [])
        assert {t["podAffinityTerm"]["topologyKey"] for t in terms} >= {"kubernetes.io/hostname"}, name
        assert all(
            t["podAffinityTerm"]["labelSelector"]["matchLabels"] == {"app.kubernetes.io/name": name} for t in terms
        ), name
    assert set(hpas) == {"goals", "feedback", "notifications", "story", "conversations", "analytics", WEB.name}


def test_prod_scales_analytics_out_on_its_consumer_lag(rendered) -> None:
    """Several workers again (issue 14): KEDA's HPA of the StatefulSet follows the records the workers are behind."""
    [scaled] = of_kind(rendered["prod"], "ScaledObject")
    assert scaled["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "analytics"}
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "prometheus" and "paars_analytics_consumer_lag" in trigger["metadata"]["query"]
    assert int(trigger["metadata"]["threshold"]) > 0 and scaled["spec"]["minReplicaCount"] >= 2
    # Scaling is on: several workers are exact (tests/integration/test_analytics_workers.py runs in make test), so
    # nothing pauses KEDA at a fixed count.
    assert "autoscaling.keda.sh/paused-replicas" not in (scaled["metadata"].get("annotations") or {})


def test_analytics_never_has_more_workers_than_partitions(rendered) -> None:
    """A Faust worker without a partition of each input topic idles; more workers than partitions is waste."""
    partitions = min(t.partitions for t in analytics_input_topics())
    assert partitions == 6
    for name, objects in rendered.items():
        analytics = by_name(objects, "StatefulSet")["analytics"]
        most = max(
            [analytics["spec"].get("replicas", 1)]
            + [h["spec"]["maxReplicas"] for h in of_kind(objects, "HorizontalPodAutoscaler")
               if h["spec"]["scaleTargetRef"]["name"] == "analytics"]
            + [o["spec"]["maxReplicaCount"] for o in of_kind(objects, "ScaledObject")
               if o["spec"]["scaleTargetRef"]["name"] == "analytics"]
        )
        assert most <= partitions, (name, most)


@pytest.mark.parametrize("name, replicas, min_insync", [("dev", 1, "1"), ("prod", 3, "2")])
def test_every_topic_is_a_kafka_topic_with_the_environments_replication(rendered, name, replicas, min_insync) -> None:
    kafka_topics = by_name(rendered[name], "KafkaTopic")
    assert set(kafka_topics) == set(topics.BY_NAME)
    for topic in topics.TOPICS:
        resource = kafka_topics[topic.name]
        assert resource["apiVersion"] == "kafka.strimzi.io/v1"
        assert resource["metadata"]["labels"]["strimzi.io/cluster"] == "paars-kafka"
        assert resource["spec"]["topicName"] == topic.name
        assert resource["spec"]["partitions"] == topic.partitions
        assert resource["spec"]["replicas"] == replicas
        assert resource["spec"]["config"] == topic.config(min_insync_replicas=int(min_insync))
    [kafka] = of_kind(rendered[name], "Kafka")
    assert kafka["metadata"]["name"] == "paars-kafka"
    assert {listener["port"] for listener in kafka["spec"]["kafka"]["listeners"]} == {KAFKA_PORT[name]}
    brokers = sum(
        p["spec"]["replicas"] for p in of_kind(rendered[name], "KafkaNodePool") if "broker" in p["spec"]["roles"]
    )
    assert brokers >= replicas
    assert int(kafka["spec"]["kafka"]["config"]["min.insync.replicas"]) == int(min_insync)


def test_the_dashboard_is_provisioned_for_the_grafana_sidecar(overlay) -> None:
    name, objects = overlay
    [dashboards] = [c for c in of_kind(objects, "ConfigMap") if c["metadata"]["name"] == "paars-grafana-dashboards"]
    assert dashboards["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert list(dashboards["data"]) == ["paars-overview.json"]
    [rule] = of_kind(objects, "PrometheusRule")
    assert rule["spec"]["groups"], name
