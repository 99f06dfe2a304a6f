"""The Ministry's territorial-competence file, when present: commune → competent service.

"Compétence territoriale gendarmerie et police nationales" (Ministère de l'Intérieur, data.gouv.fr)
has one row per commune: code commune, libellé, institution, id_service, service, code postal…
No copy could be fetched (see data/README.md), so column names are matched loosely (case, accents,
spaces and underscores ignored, a few known spellings) and both `;` and `,` separators are read,
in UTF-8 or Windows-1252. Rows without a commune code or a service are skipped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from chalicelib.names import fold

FILE_NAME = "competence.csv"

_COLUMNS = {
    "commune": ("codecommune", "codecommuneinsee", "codeinsee", "insee", "codgeo", "com", "codecom"),
    "institution": ("institution", "force", "forcedesecurite"),
    "service_id": ("idservice", "identifiantservice", "identifiantpublicunite", "idunite", "codeunite"),
    "service": ("service", "libelleservice", "nomservice", "unite", "libelleunite"),
}


@dataclass(frozen=True)
class Assignment:
    """The service competent for one commune."""

    institution: str  # "gendarmerie" or "police"
    service_id: str
    service: str


def load(path: Path) -> dict[str, Assignment]:
    """Assignments by INSEE code; an empty dict when the file does not exist."""
    if not path.exists():
        return {}
    reader = csv.reader(io.StringIO(_decode(path.read_bytes())), dialect=_dialect_of(path))
    header = next(reader, [])
    columns = _locate(header)
    assignments: dict[str, Assignment] = {}
    for row in reader:
        cells = {name: row[index].strip() for name, index in columns.items() if index < len(row)}
        code = cells.get("commune", "").upper().zfill(5)
        service_id, service = cells.get("service_id", ""), cells.get("service", "")
        if code.strip("0") and (service_id or service):
            assignments[code] = Assignment(_institution(cells.get("institution", "")), service_id, service)
    return assignments


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def _dialect_of(path: Path) -> type[csv.Dialect]:
    with path.open("rb") as handle:
        first_line = handle.readline()
    return _Semicolon if first_line.count(b";") > first_line.count(b",") else csv.excel


class _Semicolon(csv.excel):
    delimiter = ";"


def _locate(header: list[str]) -> dict[str, int]:
    """Column index of each field; a 'commune' column and a service column are required."""
    folded = ["".join(fold(name).split()) for name in header]
    columns = {}
    for field, spellings in _COLUMNS.items():
        for index, name in enumerate(folded):
            if name in spellings:
                columns[field] = index
                break
    if "commune" not in columns or not {"service_id", "service"} & set(columns):
        raise ValueError(f"{FILE_NAME}: colonnes attendues introuvables ({', '.join(header)})")
    return columns


def _institution(raw: str) -> str:
    words = fold(raw).split()
    return "police" if "police" in words or "pn" in words else "gendarmerie"
