"""What the data of `DATA_DIR` is and how recent: shown by `GET /health` and the brigade page's footer.

`make data` (tools/data.py) writes `manifest.json` beside the files it builds (the date it was built,
each file's rows and checksum); without it (the raw open-data folder), the same facts are read from
the files themselves. Read once per process.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
UNIT_FILES = ("brigades.csv", "commissariats.csv")
ZONES_FILE = "zones_police_gendarmerie.csv"
COMPETENCE_FILE = "competence.csv"


@cache
def info(data_dir: Path) -> dict[str, Any]:
    """`{"units_updated", "official_zones", "ministry_competence", "built_at"}` of the data."""
    manifest = data_dir / MANIFEST
    if manifest.exists():
        described: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))["data"]
        return described
    return {**describe(data_dir), "built_at": None}


def describe(data_dir: Path) -> dict[str, Any]:
    """The facts a citizen may want to know: the newest update of the units' directory records,
    the départements whose zone is official, and whether the Ministry's competence file is used."""
    updated = [day for name in UNIT_FILES for day in _column(data_dir / name, "date_maj") if day]
    return {
        "units_updated": max(updated) if updated else None,
        "official_zones": sorted(set(_column(data_dir / ZONES_FILE, "departement"))),
        "ministry_competence": (data_dir / COMPETENCE_FILE).exists(),
    }


def _column(path: Path, name: str) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [row.get(name) or "" for row in csv.DictReader(handle)]
