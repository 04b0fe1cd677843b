# make chaos: traffic with faults injected (SIGKILL of every service, of one of analytics' 2 workers, broker SIGSTOP, network cut,
# PostgreSQL restart, poison records) and the history checker; writes bench/results/chaos.json.
CHAOS_DURATION ?= 120

chaos: $(STAMP)
	$(PY) -m tests.chaos.run --duration $(CHAOS_DURATION)
