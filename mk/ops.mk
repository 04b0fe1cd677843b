# Operations targets (included by the Makefile): container images, the tools tests/ops needs, and the
# manifests generated from one source (KafkaTopics from paars_platform.topics, PrometheusRule and the
# Grafana dashboard from deploy/prometheus/rules.yaml and deploy/tools/render_monitoring.py).
OPS_SERVICES := goals feedback notifications analytics story conversations web
# The manifests in deploy/k8s refer to paars/<service>:0.1.0; overlays retag with `images:`.
OPS_IMAGE_REPOSITORY ?= paars
OPS_IMAGE_TAG ?= 0.1.0
OPS_PYTHON ?= python3

.PHONY: images ops-tools ops-render ops-test $(addprefix image-,$(OPS_SERVICES))

# Needs a Docker engine; the build context is the repository root (see .dockerignore).
images: $(addprefix image-,$(OPS_SERVICES))

$(addprefix image-,$(OPS_SERVICES)): image-%:
	docker build -f services/$*/Dockerfile -t $(OPS_IMAGE_REPOSITORY)/$*:$(OPS_IMAGE_TAG) .

# promtool, kubectl (kustomize v5) and hadolint; tests/ops runs this itself, once per session.
ops-tools: $(STAMP)
	scripts/install-ops-tools.sh $(PY)

# Regenerate after editing topics.py, rules.yaml or the dashboard generator; commit the result.
ops-render:
	$(OPS_PYTHON) scripts/render_kafka_topics.py
	$(OPS_PYTHON) deploy/tools/render_monitoring.py

ops-test: $(STAMP)
	$(PY) -m pytest tests/ops
