# Benchmarks and the soak run (included by the Makefile; not part of `make test`).
# `make bench` writes bench/results/latest.{json,md} and PNG plots; `make soak DURATION=30s|10m|1h`
# writes bench/results/soak.{json,png} and fails on unbounded growth of memory, latency or backlog.
DURATION ?= 10m
BENCH_ARGS ?=

bench: $(STAMP)
	$(PY) bench/run.py $(BENCH_ARGS)

soak: $(STAMP)
	$(PY) bench/soak.py --duration $(DURATION)
