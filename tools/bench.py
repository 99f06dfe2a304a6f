"""`make bench`: runs every module of `tools/benchmarks`, prints one table, writes artifacts/bench.json.

Each benchmark module exposes `run() -> list[dict]`; a row has at least `benchmark`, `metric`,
`value`, `unit` and, where the issue sets one, `target` and `ok` (bool).
Usage: python -m tools.bench [name ...] (default: all).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path
from typing import Any

from tools import benchmarks

OUTPUT = Path(__file__).resolve().parent.parent / "artifacts" / "bench.json"


def discover(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))
    return [n for n in names if not selected or n in selected]


def main(argv: list[str]) -> int:
    results: dict[str, Any] = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rows": []}
    failed = False
    for name in discover(argv):
        print(f"== {name} …", flush=True)
        module = importlib.import_module(f"tools.benchmarks.{name}")
        rows = module.run()
        results["rows"].extend(rows)
        failed |= any(row.get("ok") is False for row in rows)
    _print_table(results["rows"])
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwritten: {OUTPUT}")
    return 1 if failed else 0


def _print_table(rows: list[dict[str, Any]]) -> None:
    header = ("benchmark", "metric", "value", "unit", "target", "ok")
    lines = [header] + [
        (
            str(r.get("benchmark", "")),
            str(r.get("metric", "")),
            _fmt(r.get("value")),
            str(r.get("unit", "")),
            str(r.get("target", "")),
            {True: "yes", False: "NO", None: ""}[r.get("ok")],
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for i, line in enumerate(lines):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    return str(value)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
