"""What the ops tests share: the platform's binding facts, the tools, and helpers over rendered objects."""
from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
OVERLAYS = ("dev", "prod")
# The Kubernetes version whose OpenAPI schema every built-in object must match (kubernetes-validate).
KUBERNETES_VERSION = "1.33.0"

# The topics module has no third-party imports; the ops tests import nothing else of the platform.
sys.path.insert(0, str(ROOT / "libs" / "platform" / "src"))
from paars_platform import topics  # noqa: E402 (importable only after the sys.path line above)


@dataclass(frozen=True)
class Service:
    name: str
    grpc_port: int
    metrics_port: int
    kind: str
    has_database: bool
    # Named HTTP ports beside gRPC and metrics: goals serves SCIM provisioning (/scim/v2).
    http_ports: tuple[tuple[str, int], ...] = ()

    @property
    def package(self) -> str:
        return f"paars_{self.name}"

    @property
    def ports(self) -> dict[str, int]:
        """Every named port of its container and Service."""
        return {"grpc": self.grpc_port, "metrics": self.metrics_port, **dict(self.http_ports)}


SERVICES = {
    s.name: s
    for s in (
        Service("goals", 50051, 9101, "Deployment", True, (("scim", 8090),)),
        Service("feedback", 50052, 9102, "Deployment", True),
        Service("notifications", 50053, 9103, "Deployment", True),
        Service("analytics", 50054, 9104, "StatefulSet", False),
        Service("story", 50055, 9106, "Deployment", True),
        Service("conversations", 50056, 9107, "Deployment", True),
    )
}


@dataclass(frozen=True)
class WebApp:
    """The web app (paars_web): HTTP and metrics, no database, no Kafka; it calls the four services."""

    name: str = "web"
    http_port: int = 8080
    metrics_port: int = 9105
    package: str = "paars_web"


WEB = WebApp()
# Services drain for up to this long after SIGTERM (PAARS_SHUTDOWN_GRACE_SECONDS).
DRAIN_SECONDS = 20
ANALYTICS_STATE_DIR = "/var/lib/paars-analytics"

# Every metric the services export (the platform's binding list); rules and dashboards may use only these.
_PER_SERVICE = (
    "grpc_requests_total", "grpc_request_duration_seconds", "outbox_backlog", "outbox_oldest_age_seconds",
    "outbox_published_total", "outbox_publish_errors_total", "events_consumed_total", "consumer_lag",
    "dead_letters_total",
)
_HISTOGRAMS = ("grpc_request_duration_seconds", "prompt_latency_seconds")
KNOWN_METRICS = frozenset(
    [f"paars_{s}_{m}" for s in SERVICES for m in _PER_SERVICE]
    + [
        "paars_notifications_prompt_latency_seconds", "paars_notifications_prompts_total",
        "paars_notifications_delivery_failures_total", "paars_analytics_events_processed_total",
        "paars_analytics_event_lag_seconds", "paars_analytics_insights_total",
        # Events notifications parks until the directory knows everyone they name (service_layer/prompting.py).
        "paars_notifications_events_parked_total", "paars_notifications_events_unparked_total",
        "paars_notifications_events_parked_now",
        # Retention (paars_platform.retention, label service) and the key-encryption key's re-wrap (goals).
        "paars_retention_deleted_total", "paars_retention_runs_total", "paars_retention_last_run_timestamp_seconds",
        "paars_retention_interval_seconds", "paars_retention_started_timestamp_seconds", "paars_retention_keys_destroyed_total",
        "paars_retention_keys_held", "paars_retention_rows_held",
        "paars_person_keys_on_retired_kek", "paars_person_keys_rewrapped_total", "paars_person_keys_rewrap_failed_total",
    ]
)


def known_metric(name: str) -> bool:
    """True for an exported metric, or a histogram's _bucket/_sum/_count series of one."""
    if name in KNOWN_METRICS:
        return True
    for suffix in ("_bucket", "_sum", "_count"):
        base = name.removesuffix(suffix)
        if base != name and base in KNOWN_METRICS and base.endswith(_HISTOGRAMS):
            return True
    return False


def find_kubectl() -> str:
    """The kubectl install-ops-tools.sh settled on: this Python's scripts directory first, then PATH."""
    beside = pathlib.Path(sysconfig.get_path("scripts")) / "kubectl"
    for candidate in (str(beside), shutil.which("kubectl")):
        if candidate and pathlib.Path(candidate).is_file():
            version = subprocess.run([candidate, "version", "--client"], check=False, capture_output=True, text=True)
            if "Kustomize Version: v5" in version.stdout or "Kustomize Version: v6" in version.stdout:
                return candidate
    raise AssertionError("no kubectl with kustomize v5: scripts/install-ops-tools.sh should have installed one")


def kustomize(kubectl: str, directory: pathlib.Path) -> list[dict]:
    """Renders a kustomization; warnings (deprecated fields) fail like errors."""
    done = subprocess.run([kubectl, "kustomize", str(directory)], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"kubectl kustomize {directory.relative_to(ROOT)} failed:\n{done.stderr}"
    assert not done.stderr.strip(), f"kubectl kustomize {directory.relative_to(ROOT)} warned:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def ref(obj: dict) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


def of_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o["kind"] == kind]


def by_name(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in of_kind(objects, kind)}


def workloads(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")]


def service_workloads(objects: list[dict]) -> list[dict]:
    """The four gRPC services' workloads; the web app's own rules are in test_ops_web.py."""
    return [w for w in workloads(objects) if w["metadata"]["name"] in SERVICES]


def pod_spec(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def all_containers(pod: dict) -> Iterator[dict]:
    yield from pod.get("initContainers", [])
    yield from pod.get("containers", [])


def server_container(workload: dict) -> dict:
    [server] = [c for c in pod_spec(workload)["containers"] if c["name"] == "server"]
    return server


def config_map_for(objects: list[dict], workload: dict) -> dict[str, str]:
    """The data of the ConfigMap the server container takes its environment from."""
    [name] = [e["configMapRef"]["name"] for e in server_container(workload).get("envFrom", []) if "configMapRef" in e]
    return by_name(objects, "ConfigMap")[name]["data"]


def analytics_input_topics() -> list[topics.Topic]:
    """What analytics consumes: every event topic it does not produce itself (dead letters aside)."""
    return [t for t in topics.TOPICS if t.owner != "analytics" and t.message_type]
