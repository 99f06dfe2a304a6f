"""Commune search as people type (issue 18): the typed-query set of tests/fixtures/typed_queries.jsonl.

For each habit (postal code, département, region, arrondissement, abbreviations, typos, spelling
by ear…): the share of queries whose commune comes first, in the first 3, and within the rank the
fixture sets; then the latency of those queries, one call at a time, after one warm-up pass
(the per-commune competent-unit memo and the per-département indexes are then warm, as in a
container that has served a few requests).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
NAME = "communes"
REPEAT = 5


def run() -> list[dict[str, Any]]:
    sys.path.insert(0, str(PROJECT))
    from chalicelib import brigades
    from tools import typed_queries

    rows = typed_queries.load()
    brigades.directory().build_all()
    stats = typed_queries.evaluate(rows, lambda q: [c["insee"] for c in brigades.search_communes(q, limit=10)])
    times = []
    for _ in range(REPEAT):
        for row in rows:
            started = time.perf_counter_ns()
            brigades.search_communes(row["query"], limit=10)
            times.append((time.perf_counter_ns() - started) / 1e6)
    cpu = []
    for row in rows:
        started = time.thread_time_ns()
        brigades.search_communes(row["query"], limit=10)
        cpu.append((time.thread_time_ns() - started) / 1e6)
    table = []
    for habit, found in sorted(stats.items(), key=lambda item: item[0] == "all"):
        count = found["count"]
        share = 100 * found["topk"] / count
        target = "≥ 98" if habit == "all" else "≥ 90"
        table += [
            _row(f"{habit}: top-1 ({count} queries)", 100 * found["top1"] / count, "%"),
            _row(f"{habit}: top-3", 100 * found["top3"] / count, "%"),
            _row(f"{habit}: within the rank meant", share, "%", target, share >= (98 if habit == "all" else 90)),
        ]
    p95 = _p95(times)
    return [
        *table,
        *_generated(),
        _row(f"typed queries p50 ({len(times)} calls)", statistics.median(times), "ms"),
        _row("typed queries p95", p95, "ms", "≤ 1", p95 <= 1),
        _row("typed queries p95, CPU time of the thread (what the machine's load does not add)", _p95(cpu), "ms"),
        _row("missed: " + "; ".join(stats["all"]["missed"]) if stats["all"]["missed"] else "missed: none", 0, ""),
    ]


def _generated() -> list[dict[str, Any]]:
    """The generated checks (`typed_queries.generated`, seeds 1 to 4: 1,000 communes nobody chose)."""
    from chalicelib import brigades
    from chalicelib.config import get_settings
    from tools import typed_queries

    rows = [row for seed in range(1, 5) for row in typed_queries.generated(get_settings().data_dir, seed)]
    stats = typed_queries.evaluate(rows, lambda q: [c["insee"] for c in brigades.search_communes(q, limit=10)])
    return [
        _row(f"generated, {habit}: within the rank meant ({stats[habit]['count']} queries)",
             100 * stats[habit]["topk"] / stats[habit]["count"], "%")
        for habit in typed_queries.GENERATED_HABITS
    ]  # fmt: skip


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def _row(metric: str, value: float, unit: str, target: str | None = None, ok: bool | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"benchmark": NAME, "metric": metric, "value": round(value, 4), "unit": unit}
    if target is not None:
        row.update(target=target, ok=ok)
    return row
