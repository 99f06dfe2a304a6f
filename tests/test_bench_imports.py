"""`make bench` imports what it measures inside its functions (each module when it runs): every such
import must still name something that exists, or the bench stops at the module that moved."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
FILES = sorted([TOOLS / "bench.py", *(TOOLS / "benchmarks").glob("*.py")])


def imported_names(path: Path) -> list[tuple[str, str, int]]:
    """(module, name, line) of every `from chalicelib|tools… import name`, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("chalicelib", "tools"):
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_import_of_the_benchmarks_names_something_that_exists(path: Path) -> None:
    missing = []
    for module, name, line in imported_names(path):
        imported = importlib.import_module(module)
        if not hasattr(imported, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ModuleNotFoundError:
                missing.append(f"{path.name}:{line}: {module}.{name}")
    assert missing == []
