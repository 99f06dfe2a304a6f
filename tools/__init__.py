"""Developer tools: local runner, resource bootstrap, benchmarks."""
