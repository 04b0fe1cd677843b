"""The production broker: TLS and SCRAM on every listener, deny-by-default ACLs from the topic list, and clients set up for it."""
from __future__ import annotations

import pytest
from ops_support import SERVICES, by_name, config_map_for, of_kind, pod_spec, server_container, topics, workloads

CLUSTER_CA_SECRET = "paars-kafka-cluster-ca-cert"
TLS_PORT = 9093
INTERNAL_READER = "paars-internal-reader"
PUBLIC_TOPICS = {t.name for t in topics.TOPICS if t.message_type}


@pytest.fixture
def prod(rendered) -> list[dict]:
    return rendered["prod"]


def _kafka(objects: list[dict]) -> dict:
    [kafka] = of_kind(objects, "Kafka")
    return kafka["spec"]["kafka"]


def _users(objects: list[dict]) -> dict[str, dict]:
    return by_name(objects, "KafkaUser")


def _acls(user: dict, operation: str, resource_type: str = "topic") -> set[tuple[str, str]]:
    """(pattern type, name) of every resource of that type the user may perform the operation on."""
    return {
        (acl["resource"].get("patternType", "literal"), acl["resource"].get("name", ""))
        for acl in user["spec"]["authorization"]["acls"]
        if acl["resource"]["type"] == resource_type and acl.get("type", "allow") == "allow"
        and ({operation, "All"} & set(acl["operations"]))
    }


def _covers(pattern: str, name: str, topic: str) -> bool:
    return name == "*" or (topic == name if pattern == "literal" else topic.startswith(name))


def test_every_prod_listener_has_tls_and_authentication(prod) -> None:
    listeners = _kafka(prod)["listeners"]
    assert listeners
    for listener in listeners:
        assert listener["tls"] is True, listener["name"]
        assert listener.get("authentication", {}).get("type") in ("scram-sha-512", "tls"), listener["name"]


def test_the_prod_broker_denies_what_no_acl_allows(prod) -> None:
    kafka = _kafka(prod)
    assert kafka["authorization"] == {"type": "simple"}, "simple authorization, and no super users of our own"
    assert "allow.everyone.if.no.acl.found" not in kafka.get("config", {})
    [cluster] = of_kind(prod, "Kafka")
    assert "userOperator" in cluster["spec"]["entityOperator"], "the User Operator turns KafkaUsers into SCRAM users and ACLs"


def test_every_service_has_a_kafka_user_with_scram_credentials(prod) -> None:
    users = _users(prod)
    assert set(users) == {f"paars-{s}" for s in SERVICES} | {INTERNAL_READER}
    for name, user in users.items():
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == "paars-kafka", name
        assert user["spec"]["authentication"] == {"type": "scram-sha-512"}, name
        assert user["spec"]["authorization"]["type"] == "simple", name


def test_each_users_write_acls_cover_exactly_its_own_topics(prod) -> None:
    users = _users(prod)
    for service in SERVICES:
        own = {("literal", t.name) for t in topics.TOPICS if t.owner == service}
        assert f"{service}.dead-letter.v1" in {name for _, name in own}
        private = {("prefix", p) for s, p in topics.PRIVATE_TOPIC_PREFIXES.items() if s == service}
        assert _acls(users[f"paars-{service}"], "Write") == own | private, service
    assert not _acls(users[INTERNAL_READER], "Write"), "internal systems read only"


@pytest.mark.parametrize("operation", ["Write", "Create", "Delete", "Alter", "AlterConfigs"])
def test_no_user_but_goals_can_change_the_directory_topics(prod, operation: str) -> None:
    directory = [t.name for t in topics.TOPICS if t.name.startswith("org.")]
    assert directory and all(topics.BY_NAME[name].owner == "goals" for name in directory)
    for name, user in _users(prod).items():
        allowed = [t for t in directory if any(_covers(p, n, t) for p, n in _acls(user, operation))]
        expected = directory if (name == "paars-goals" and operation == "Write") else []
        assert allowed == expected, (name, operation, allowed)


def test_internal_systems_only_read_the_public_topics_in_their_own_groups(prod) -> None:
    reader = _users(prod)[INTERNAL_READER]
    assert _acls(reader, "Read") == {("literal", t) for t in PUBLIC_TOPICS}
    assert _acls(reader, "Read", "group") == {("prefix", INTERNAL_READER)}
    operations = {op for acl in reader["spec"]["authorization"]["acls"] for op in acl["operations"]}
    assert operations == {"Read", "Describe"}


def test_services_read_only_public_topics_and_no_one_elses_dead_letters(prod) -> None:
    for service in SERVICES:
        readable = _acls(_users(prod)[f"paars-{service}"], "Read")
        foreign = {(p, n) for p, n in readable if p == "literal" and n not in PUBLIC_TOPICS and topics.BY_NAME[n].owner != service}
        assert not foreign, (service, foreign)
        assert not {n for p, n in readable if p == "literal" and n.endswith(".dead-letter.v1")}, service


def test_analytics_internal_topics_are_private_to_analytics(prod) -> None:
    prefix = topics.PRIVATE_TOPIC_PREFIXES["analytics"]
    examples = [f"{prefix}people-changelog", f"{prefix}given-by-giver", f"{prefix}__assignor-__leader"]
    for name, user in _users(prod).items():
        for acl in user["spec"]["authorization"]["acls"]:
            resource = acl["resource"]
            if resource["type"] != "topic":
                continue
            touches = any(_covers(resource.get("patternType", "literal"), resource.get("name", ""), t) for t in examples)
            assert touches == (name == "paars-analytics" and resource == {"type": "topic", "name": prefix, "patternType": "prefix"}), (name, resource)


def test_consumer_groups_are_per_service(prod) -> None:
    users = _users(prod)
    claimed: dict[str, str] = {}
    for service in SERVICES:
        groups = _acls(users[f"paars-{service}"], "Read", "group")
        assert groups == {("literal", g) for g in topics.CONSUMER_GROUPS[service]}, service
        for _, group in groups:
            assert group not in claimed, f"{group} is shared by {claimed[group]} and {service}"
            claimed[group] = service
    assert not [g for g in claimed if g.startswith(INTERNAL_READER)]


def test_the_broker_admits_only_the_paars_services_internal_readers_and_the_strimzi_operator(prod) -> None:
    [listener] = _kafka(prod)["listeners"]
    peers = listener["networkPolicyPeers"]
    assert peers[0] == {"podSelector": {"matchExpressions": [
        {"key": "app.kubernetes.io/name", "operator": "In", "values": list(SERVICES)},
    ]}}
    assert {tuple(p["podSelector"]["matchLabels"].items()) for p in peers[1:]} == {
        (("paars.dev/kafka-reader", "true"),), (("strimzi.io/kind", "cluster-operator"),),
    }
    assert all("ipBlock" not in p for p in peers), "no address range bypasses the pod selectors"


def test_every_service_connects_to_the_tls_listener_as_its_own_kafka_user(prod) -> None:
    [listener] = _kafka(prod)["listeners"]
    assert listener["port"] == TLS_PORT
    for w in workloads(prod):
        service = w["metadata"]["name"]
        if service not in SERVICES:
            continue
        config = config_map_for(prod, w)
        assert config["PAARS_KAFKA_BOOTSTRAP"] == f"paars-kafka-kafka-bootstrap:{TLS_PORT}", service
        assert config["PAARS_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL", service
        assert config["PAARS_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512", service
        assert config["PAARS_KAFKA_SASL_USERNAME"] == f"paars-{service}", service
        server = server_container(w)
        env = {e["name"]: e for e in server.get("env", [])}
        assert env["PAARS_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": f"paars-{service}", "key": "password"}
        ca_dir, _, ca_name = config["PAARS_KAFKA_SSL_CA_FILE"].rpartition("/")
        [mount] = [m for m in server["volumeMounts"] if m["mountPath"] == ca_dir]
        [volume] = [v for v in pod_spec(w)["volumes"] if v["name"] == mount["name"]]
        assert volume["secret"]["secretName"] == CLUSTER_CA_SECRET and volume["secret"]["items"] == [{"key": "ca.crt", "path": ca_name}]
        assert mount.get("readOnly") is True


def test_the_services_egress_reaches_the_listener_port_of_their_overlay(rendered) -> None:
    for name, objects in rendered.items():
        listeners = {listener["port"] for listener in _kafka(objects)["listeners"]}
        policy = by_name(objects, "NetworkPolicy")["paars-egress-common"]
        kafka_ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"] if p["port"] != 53}
        assert kafka_ports == listeners, name


def test_goals_signs_the_directory_events_and_their_consumers_verify_them(prod) -> None:
    signed_owners = {t.owner for t in topics.TOPICS if t.signed}
    assert signed_owners == {"goals"}
    for w in workloads(prod):
        service = w["metadata"]["name"]
        if service not in SERVICES:
            continue
        env = {e["name"]: e for e in server_container(w).get("env", [])}
        if service in signed_owners:
            assert env["PAARS_EVENT_SIGNING_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "goals-event-signing", "key": "signing-key"}
            assert "PAARS_EVENT_VERIFY_KEYS" not in env
        else:
            assert "PAARS_EVENT_SIGNING_KEY" not in env, f"{service} must not hold goals' private key"
            assert env["PAARS_EVENT_VERIFY_KEYS"]["valueFrom"]["secretKeyRef"] == {"name": "paars-event-keys", "key": "verify-keys"}
        for c in pod_spec(w).get("initContainers", []):
            names = {e["name"] for e in c.get("env", [])}
            assert not names & {"PAARS_KAFKA_SASL_PASSWORD", "PAARS_EVENT_SIGNING_KEY"}, f"{service}/{c['name']} never talks to Kafka"


def test_dev_keeps_the_plain_listener_of_the_local_broker(rendered) -> None:
    dev = rendered["dev"]
    assert [(listener["port"], listener["tls"]) for listener in _kafka(dev)["listeners"]] == [(9092, False)]
    assert not of_kind(dev, "KafkaUser")
