# Analytics throughput against its references (see services/analytics/README.md, "Performance").
# The machine is shared: BENCH_ARGS="--repeat 3" interleaves three rounds of every case and reports medians.
.PHONY: bench-analytics
bench-analytics: $(STAMP)
	$(PY) bench/analytics_bench.py $(BENCH_ARGS)
