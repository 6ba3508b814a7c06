"""Benchmarks of the running platform (see bench/README.md); not part of the deployed app."""
