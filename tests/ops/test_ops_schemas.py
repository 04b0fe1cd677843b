"""Rendered objects validate: built-in kinds against Kubernetes' OpenAPI schema, custom resources against CRDs."""
from __future__ import annotations

import copy
import functools
import hashlib
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from ops_support import KUBERNETES_VERSION, ROOT

CRD_DIR = ROOT / "deploy" / "k8s" / "schemas" / "crds"
BUILTIN_GROUPS = ("", "apps", "autoscaling", "batch", "policy", "networking.k8s.io", "rbac.authorization.k8s.io")


def _group_version(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


def _strict(schema: Any) -> Any:
    """Rejects fields a CRD does not declare: the API server would silently prune them, hiding typos."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@functools.cache
def crd_validators() -> dict[tuple[str, str, str], jsonschema.Draft7Validator]:
    """(group, version, kind) -> validator, for every served version of the copied CRDs."""
    validators = {}
    for path in sorted(CRD_DIR.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                schema = _strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
                validators[(group, version["name"], kind)] = jsonschema.Draft7Validator(schema)
    return validators


def validate_custom_resource(obj: dict) -> list[str]:
    group, version = _group_version(obj["apiVersion"])
    validator = crd_validators().get((group, version, obj["kind"]))
    if validator is None:
        return [f"no CRD in {CRD_DIR.relative_to(ROOT)} serves {obj['apiVersion']} {obj['kind']}"]
    return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(obj)]


def validate_builtin(obj: dict) -> list[str]:
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as err:
        # kubernetes-validate stops at the first error.
        return [f"{'.'.join(map(str, err.absolute_path)) or '<root>'}: {err.message}"]
    except kubernetes_validate.SchemaNotFoundError as err:
        return [str(err)]
    return []


def validate(obj: dict) -> list[str]:
    group, _ = _group_version(obj["apiVersion"])
    return validate_builtin(obj) if group in BUILTIN_GROUPS else validate_custom_resource(obj)


def test_every_rendered_object_matches_its_schema(overlay) -> None:
    name, objects = overlay
    problems = [f"{o['kind']}/{o['metadata']['name']}: {p}" for o in objects for p in validate(o)]
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_every_custom_resource_kind_has_a_crd_copy(overlay) -> None:
    name, objects = overlay
    kinds = {(o["apiVersion"], o["kind"]) for o in objects if _group_version(o["apiVersion"])[0] not in BUILTIN_GROUPS}
    expected = {
        ("kafka.strimzi.io/v1", "Kafka"), ("kafka.strimzi.io/v1", "KafkaNodePool"), ("kafka.strimzi.io/v1", "KafkaTopic"),
        ("monitoring.coreos.com/v1", "ServiceMonitor"), ("monitoring.coreos.com/v1", "PrometheusRule"),
    }
    # Production authenticates and authorizes every Kafka client as a KafkaUser, and scales analytics with KEDA.
    if name == "prod":
        expected |= {("kafka.strimzi.io/v1", "KafkaUser"), ("keda.sh/v1alpha1", "ScaledObject")}
    assert kinds == expected


@pytest.mark.parametrize(
    "obj, expected",
    [
        ({"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic", "metadata": {"name": "t"},
          "spec": {"partitons": 6, "replicas": 1}}, "'partitons' was unexpected"),
        ({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "KafkaTopic", "metadata": {"name": "t"},
          "spec": {"partitions": 6}}, "no CRD"),
        ({"apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic", "metadata": {"name": "t"},
          "spec": {"partitions": 0}}, "less than the minimum"),
        ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
          "spec": {"replica": 2, "selector": {}, "template": {}}}, "replica"),
        ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
          "spec": {"ports": [{"name": "grpc", "port": "fifty"}]}}, "fifty"),
    ],
    ids=["crd-unknown-field", "strimzi-v1beta2", "crd-minimum", "k8s-unknown-field", "k8s-wrong-type"],
)
def test_the_validators_reject_broken_objects(obj: dict, expected: str) -> None:
    problems = validate(obj)
    assert problems and any(expected in p for p in problems), problems


def test_the_crd_copies_are_unchanged_upstream_files() -> None:
    """Nobody edits a CRD into agreement with the manifests: the copies match their recorded checksums."""
    recorded = dict(
        reversed(line.split()) for line in (CRD_DIR / "SHA256SUMS").read_text().splitlines() if line.strip()
    )
    copies = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(CRD_DIR.glob("*.yaml"))}
    assert copies == recorded
    readme = (CRD_DIR / "README.md").read_text()
    for name in copies:
        crd = yaml.safe_load((CRD_DIR / name).read_text())
        assert crd["kind"] == "CustomResourceDefinition" and crd["apiVersion"] == "apiextensions.k8s.io/v1", name
        assert name in readme, f"{name} is not listed in the README"
