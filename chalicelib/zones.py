"""Police zone or gendarmerie zone: the official list of `zones_police_gendarmerie.csv` (data/README.md).

One row per commune of the départements an arrêté covers (77 and 95: the circonscriptions de
sécurité publique; 75, 92, 93, 94: the préfecture de police everywhere): `ZPN` (police nationale,
with the circonscription `csp` in 77 and 95) or `ZGN` (gendarmerie nationale). Where the file does not
speak, the zone is not known: nothing here guesses.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "zones_police_gendarmerie.csv"
COLUMNS = ("code_insee", "nom", "departement", "zone", "csp", "name_in_text", "source")
ZONES = {"ZPN": "police", "ZGN": "gendarmerie"}
# The préfecture de police (Paris and the petite couronne) is not a circonscription with a station
# of its own name: each commune (or arrondissement) has its commissariat.
PREFECTURE_DE_POLICE = "prefecture de police"
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


@dataclass(frozen=True)
class OfficialZone:
    zone: str  # "police" or "gendarmerie"
    district: str | None  # circonscription de sécurité publique named by the arrêté, if any
    source: str


def load(path: Path) -> dict[str, OfficialZone]:
    """Official zones by INSEE code; an empty dict when the file does not exist. A malformed file is
    a ValueError saying which line (the data pipeline reports it before anything is deployed)."""
    if not path.exists():
        return {}
    return parse(path.read_text(encoding="utf-8-sig"), name=path.name)


def parse(text: str, *, name: str = FILE_NAME) -> dict[str, OfficialZone]:
    rows = csv.DictReader(io.StringIO(text))
    missing = [column for column in ("code_insee", "zone", "csp") if column not in (rows.fieldnames or ())]
    if missing:
        raise ValueError(f"{name} : colonnes manquantes ({', '.join(missing)})")
    zones: dict[str, OfficialZone] = {}
    for line, row in enumerate(rows, start=2):
        code, zone = (row["code_insee"] or "").strip().upper(), (row["zone"] or "").strip().upper()
        if not _INSEE.match(code):
            raise ValueError(f"{name}, ligne {line} : code INSEE invalide ({code!r})")
        if zone not in ZONES:
            raise ValueError(f"{name}, ligne {line} : zone {zone!r} (ZPN ou ZGN attendu)")
        if code in zones:
            raise ValueError(f"{name}, ligne {line} : la commune {code} apparaît deux fois")
        district = (row["csp"] or "").strip() if zone == "ZPN" else ""
        zones[code] = OfficialZone(ZONES[zone], district or None, (row.get("source") or "").strip())
    return zones


def key(text: str) -> str:
    """A name as a comparison key: no accents, no case, words separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def is_prefecture_de_police(district: str | None) -> bool:
    return district is None or key(district) == PREFECTURE_DE_POLICE
