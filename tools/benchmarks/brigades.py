"""Brigade search (issue 3): index build time, memory, and per-query latency against the naive way.

- Build and memory are measured in fresh processes: every index ready, then every commune's
  competent unit worked out, RSS read from /proc/self/status. Twice: from the package's data folder
  (built here as `make package` builds it, with the snapshot of the indexes that a Lambda cold start
  loads, `chalicelib/snapshot.py`), and from the raw CSV files (every index built: `make run`).
- Name search: a mix of exact names, type-ahead prefixes, typos and codes, timed one call at a time
  (the per-commune competent-unit memo starts cold). Naive: fold every name of the files and
  compare it with the query, for every query.
- Position: random points near commune centres of metropolitan France and the DROM, different
  from the warm-up points. Naive: geopy's `geodesic` from the point to every brigade.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
NAME = "brigades"

QUERIES = [
    # exact names and codes
    "Montpellier", "BÉZIERS", "saint etienne", "Lyon", "Ajaccio", "Le Havre", "Meythet", "Fort-de-France",
    "34000", "75015", "13001", "2A004", "97400", "74182",
    # type-ahead prefixes
    "montp", "bord", "sai", "saint m", "l abe", "mars", "tou", "stras", "ste ma", "paris 1", "lyon 3",
    "aix en p", "3450", "ch", "villen",
    # one typo
    "montpelier", "bezier", "tolouse", "strasbourgg", "marseile", "grenobel", "bordeau", "narbone",
    "saintetienne", "perpignant", "limoge", "clermont ferant", "sant malo",
]  # fmt: skip

_CHILD = """
import gc, json, sys, time
sys.path.insert(0, {project!r})

def rss_kb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))

from chalicelib import brigades
gc.collect()
before = rss_kb()
started, cpu = time.perf_counter(), time.process_time()
found = brigades.directory().build_all()
built, cpu = time.perf_counter() - started, time.process_time() - cpu
for commune in range(len(found.insee)):
    found.competent(commune)
gc.collect()
print(json.dumps({{"build_ms": built * 1000, "cpu_ms": cpu * 1000, "rss_mb": (rss_kb() - before) / 1024}}))
"""


def run() -> list[dict[str, Any]]:
    sys.path.insert(0, str(PROJECT))
    from chalicelib import brigades

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as packaged:
        _package_data(Path(packaged))
        cold = [_fresh_process(Path(packaged)) for _ in range(3)]
    raw = [_fresh_process(None) for _ in range(3)]
    cold_ms, cold_cpu_ms = (statistics.median(c[k] for c in cold) for k in ("build_ms", "cpu_ms"))
    build_ms, build_cpu_ms = (statistics.median(c[k] for c in raw) for k in ("build_ms", "cpu_ms"))
    rss_mb = max(c["rss_mb"] for c in cold + raw)

    found = brigades.directory().build_all()
    name_times = _timed([lambda q=q: brigades.search_communes(q, limit=10) for q in QUERIES] * 40)
    naive_name_times = _timed([lambda q=q: _naive_search(found, q, 10) for q in QUERIES])

    rng = random.Random(2026)
    for lat, lon in _points(found, rng, 300):  # warm-up: caches, branch predictors, nothing of the timed points
        brigades.nearest(lat=lat, lon=lon, limit=3)
    points = _points(found, rng, 2000)
    position_times = _timed([lambda p=p: brigades.nearest(lat=p[0], lon=p[1], limit=3) for p in points])
    naive_position_times = _timed([lambda p=p: _naive_nearest(found, *p, 3) for p in points[:12]])

    name_p95, naive_name_p95 = _p95(name_times), _p95(naive_name_times)
    position_p95, naive_position_p95 = _p95(position_times), _p95(naive_position_times)
    return [
        _row("machine load average (1 min) at the start", load, ""),
        _row("indexes ready in a fresh process, package's data and snapshot (cold start, median of 3)", cold_ms,
             "ms", "≤ 300", cold_ms <= 300),
        _row("indexes ready, CPU time (same processes)", cold_cpu_ms, "ms"),
        _row("index build from the CSV files, fresh process (no snapshot: make run, median of 3)", build_ms, "ms"),
        _row("index build from the CSV files, CPU time", build_cpu_ms, "ms"),
        _row("RSS of the loaded indexes + every competent unit", rss_mb, "MB", "≤ 100", rss_mb <= 100),
        _row(f"name search p50 ({len(name_times)} queries)", statistics.median(name_times), "ms"),
        _row("name search p95", name_p95, "ms", "≤ 1", name_p95 <= 1),
        _row(f"naive name search p95 (fold + scan, {len(naive_name_times)} queries)", naive_name_p95, "ms"),
        _row("name search speed-up (naive p95 / p95)", naive_name_p95 / name_p95, "×", "≥ 100",
             naive_name_p95 / name_p95 >= 100),
        _row(f"position p50 ({len(position_times)} points)", statistics.median(position_times), "ms"),
        _row("position p95", position_p95, "ms", "≤ 0.2", position_p95 <= 0.2),
        _row(f"naive position p95 (geopy geodesic × every brigade, {len(naive_position_times)} points)",
             naive_position_p95, "ms"),
        _row("geopy geodesic per call in this run (STACK-NOTES, quiet machine: ≈ 0.071)",
             statistics.median(naive_position_times) / len(found.brigades), "ms"),
        _row("position speed-up (naive p95 / p95)", naive_position_p95 / position_p95, "×", "≥ 100",
             naive_position_p95 / position_p95 >= 100),
    ]  # fmt: skip


def _package_data(folder: Path) -> None:
    """The data folder a package carries (checked files, derived index, manifest, snapshot)."""
    from tools import data
    from tools.package import source_data_dir

    data.run(source_data_dir(), folder)


def _fresh_process(data_dir: Path | None) -> dict[str, float]:
    """Figures of a new interpreter that reads `data_dir` (None: the settings' raw CSV files)."""
    env = {**os.environ, **({"DATA_DIR": str(data_dir)} if data_dir else {})}
    command = [sys.executable, "-c", _CHILD.format(project=str(PROJECT))]
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return dict(json.loads(output))


def _timed(calls: list[Callable[[], Any]]) -> list[float]:
    """Milliseconds of each call."""
    times = []
    for call in calls:
        started = time.perf_counter_ns()
        call()
        times.append((time.perf_counter_ns() - started) / 1e6)
    return times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def _row(metric: str, value: float, unit: str, target: str | None = None, ok: bool | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"benchmark": NAME, "metric": metric, "value": round(value, 4), "unit": unit}
    if target is not None:
        row.update(target=target, ok=ok)
    return row


def _points(found: Any, rng: random.Random, count: int) -> list[tuple[float, float]]:
    """Points within about 2 km of random commune centres (metropolitan France and DROM)."""
    centres = [(lat, lon) for lat, lon, d in zip(found.lat, found.lon, found.department, strict=True) if lat]
    return [(lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02)) for lat, lon in rng.sample(centres, count)]


# -- the naive ways, for the speed-up ratios ---------------------------------------------------------------


def _naive_search(found: Any, text: str, limit: int) -> list[dict[str, Any]]:
    """Fold every current and former name and compare it with the query: exact, prefix, one typo."""
    from rapidfuzz.distance import OSA

    from chalicelib import names

    query = names.fold(text)
    candidates = [(name, commune, None) for commune, name in enumerate(found.name)]
    candidates += [(name, commune, name) for name, commune in found.former[2]]
    ranked = []
    for name, commune, matched in candidates:
        key = names.fold(name)
        if key == query:
            tier = 0
        elif key.startswith(query):
            tier = 1
        elif OSA.distance(query, key, score_cutoff=1) <= 1:
            tier = 2
        elif any(OSA.distance(query, key[: len(query) + d], score_cutoff=1) <= 1 for d in (-1, 0, 1)):
            tier = 3
        else:
            continue
        ranked.append((tier, matched is not None, -found.population[commune], commune, matched))
    ranked.sort()
    return [found.commune_view(commune, matched) for *_, commune, matched in ranked[:limit]]


def _naive_nearest(found: Any, lat: float, lon: float, limit: int) -> list[tuple[float, str]]:
    from geopy.distance import geodesic

    distances = [
        (geodesic((lat, lon), (b["lat"], b["lon"])).km, b["id"]) for b in found.brigades if b["lat"] is not None
    ]
    return sorted(distances)[:limit]
