"""Benchmarks and the soak run of Paars (`make bench`, `make soak`); see bench/README.md."""
