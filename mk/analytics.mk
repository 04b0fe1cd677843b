# Analytics throughput against its references (see services/analytics/README.md, "Performance").
.PHONY: bench-analytics
bench-analytics: $(STAMP)
	$(PY) bench/analytics_bench.py $(BENCH_ARGS)

