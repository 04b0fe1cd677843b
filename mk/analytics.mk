# Analytics throughput against its references (see services/analytics/README.md, "Performance").
# The machine is shared: BENCH_ARGS="--repeat 3" interleaves three rounds of every case and reports medians.
.PHONY: bench-analytics
bench-analytics: $(STAMP)
	$(PY) bench/analytics_bench.py $(BENCH_ARGS)

# Analytics on 1, 2 and 3 workers with one SIGKILLed (issue 14 item 2), alone. It is part of make test too (marker
# workers): services/analytics/README.md, "Several workers", says what it checks and what was fixed for it.
.PHONY: test-workers
test-workers: $(STAMP)
	$(PY) -m pytest -m workers tests/integration/test_analytics_workers.py $(PYTEST_ARGS)
