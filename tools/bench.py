"""`make bench`: runs every module of `tools/benchmarks`, prints one table, writes artifacts/bench.json.

Each benchmark module exposes `run() -> list[dict]`; a row has at least `benchmark`, `metric`,
`value`, `unit` and, where the issue sets one, `target` and `ok` (bool). Each module runs in a
fresh interpreter, as a Lambda container would: what an earlier one leaves in memory (moto's
state, garbage for the collector to walk) would slow the timings of the next.
Usage: python -m tools.bench [name ...] (default: all).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tools import benchmarks

OUTPUT = Path(__file__).resolve().parent.parent / "artifacts" / "bench.json"


def discover(selected: list[str]) -> list[str]:
    names = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))
    return [n for n in names if not selected or n in selected]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--module"]:  # one module, in the interpreter the loop below started
        rows = importlib.import_module(f"tools.benchmarks.{argv[1]}").run()
        Path(argv[2]).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        return 0
    results: dict[str, Any] = {"started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rows": []}
    failed = False
    for name in discover(argv):
        print(f"== {name} …", flush=True)
        rows = _run_alone(name)
        results["rows"].extend(rows)
        failed |= any(row.get("ok") is False for row in rows)
    _print_table(results["rows"])
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nwritten: {OUTPUT}")
    return 1 if failed else 0


def _run_alone(name: str) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rows.json"
        subprocess.run([sys.executable, "-m", "tools.bench", "--module", name, str(out)], check=True)
        rows: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
    return rows


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
