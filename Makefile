# Paars: the two commands are `make run` and `make test`; everything else is here for them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PACKAGES := libs/contracts libs/platform libs/cli $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
PROTOS := $(shell find protos -name '*.proto')

.PHONY: run test bench chaos soak protos check-protos lint typecheck clean images test-unit test-integration

EXTRA_REQUIREMENTS := $(foreach f,$(wildcard mk/*-requirements.txt),-r $(f))

$(STAMP): constraints.txt $(wildcard mk/*-requirements.txt) $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt $(foreach p,$(PACKAGES),-e $(p)) \
		pytest pytest-asyncio pytest-timeout hypothesis grpcio-tools ruff $(EXTRA_REQUIREMENTS)
	touch $(STAMP)

venv: $(STAMP)

# Generated code is committed so that imports work everywhere; tests/contract fails if it drifts.
protos: $(STAMP)
	$(PY) scripts/gen_protos.py

run: $(STAMP)
	$(VENV)/bin/paars run $(ARGS)

# ruff and mypy first: they take seconds, and a finding fails the run before the suite's minutes.
# The suite on PYTEST_WORKERS pytest-xdist workers (0: in this process). Tests sharing an expensive
# fixture stay on one worker (tests/conftest.py, xdist_group); see docs in mk/test-requirements.txt.
# The 25 slowest steps are listed at the end, so a run that grows past its budget (about 15 minutes here) says where.
PYTEST_WORKERS ?= 2
test: $(STAMP) lint typecheck
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=25 $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check libs services tests bench scripts deploy

# mypy strict on the platform and the services' domain and service layers (mypy.ini says which files).
typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .paars

-include mk/*.mk
