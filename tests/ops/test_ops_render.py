"""Every kustomize overlay renders cleanly, into namespaced objects with unique names."""
from __future__ import annotations

from collections import Counter

from ops_support import ROOT, kustomize

CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"}


def test_every_overlay_renders_without_warnings(ops_tools) -> None:
    overlays = sorted(p for p in (ROOT / "deploy" / "k8s" / "overlays").iterdir() if p.is_dir())
    assert [p.name for p in overlays] == ["dev", "prod"]
    for directory in [ROOT / "deploy" / "k8s" / "base", *overlays]:
        assert kustomize(ops_tools.kubectl, directory), f"{directory} rendered nothing"


def test_every_object_lands_in_the_overlay_namespace(overlay) -> None:
    name, objects = overlay
    namespaces = [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"]
    assert len(namespaces) == 1, namespaces
    stray = [
        f"{o['kind']}/{o['metadata']['name']} in {o['metadata'].get('namespace')}"
        for o in objects
        if o["kind"] not in CLUSTER_SCOPED and o["metadata"].get("namespace") != namespaces[0]
    ]
    assert not stray, f"{name}: objects outside namespace {namespaces[0]}: {stray}"


def test_object_names_are_unique_per_kind(overlay) -> None:
    name, objects = overlay
    counts = Counter((o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in objects)
    assert not [k for k, n in counts.items() if n > 1], f"{name}: duplicates"


def test_every_object_is_part_of_paars(overlay) -> None:
    name, objects = overlay
    unlabelled = [
        f"{o['kind']}/{o['metadata']['name']}"
        for o in objects
        if o["kind"] not in ("Namespace", "Kafka", "KafkaNodePool")
        and o["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") != "paars"
    ]
    assert not unlabelled, f"{name}: without app.kubernetes.io/part-of=paars: {unlabelled}"
