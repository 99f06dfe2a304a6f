"""Benchmarks run by `make bench`: each module here exposes `run() -> list[dict]` (rows of figures)."""
