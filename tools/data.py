"""`make data`: check the brigade-search data, bring in official files, report what they change, build.

    python -m tools.data                                   # DATA_DIR → build/data: checked, indexed
    python -m tools.data --zones zones.csv --competence competence-territoriale.csv \\
        --annuaire all_latest.tar.bz2                      # validate + report the changes, write nothing
    python -m tools.data ... --apply                       # the same, then build build/data with them

Every run starts from the files of `--source` (default `DATA_DIR`), copies them into a staging folder,
replaces them with what the official files give, and validates the result: columns, INSEE codes
known, every commune of a covered département (zones) or of France (competence) listed, every unit
with a position, no duplicate id. Any error stops the run, nothing written. Given official files,
it then reports what they change against the current data (communes whose zone or unit changes,
units added or closed) and stops unless `--apply`. The output folder (`--out`, default `build/data`)
gets the data files, the derived index `commune_units.csv` (zone and unit of every commune, as the API
answers), `manifest.json` (date built, rows and sha256 of each file, what `/health` shows) and
`indexes.pickle`, the search indexes built from them, which a cold start loads instead of building
them (`chalicelib/snapshot.py`); `make package SOURCE_DATA_DIR=build/data` ships it.

Official files (docs/data.md):
- `--zones`: `zones_police_gendarmerie.csv` in the format of data/README.md (`code_insee, zone (ZPN/ZGN),
  csp`…), for the départements it covers;
- `--competence`: the Ministry of the Interior's « Compétence territoriale gendarmerie et police
  nationales » (`code_commune…, institution, id_service, service…`, `;` or `,`, UTF-8 or cp1252);
- `--annuaire`: DILA's « Base de données locales » of Service-Public.fr (a .tar.bz2, .tar.gz or .zip,
  or a folder) whose `gendarmerie-*.xml` and `commissariat_police-*.xml` `<Organisme>` records replace
  `brigades.csv` and `commissariats.csv` (address, phone, position, opening hours).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT_DIR / "build" / "data"
REQUIRED = ("communes.csv", "communes_deleguees.csv", "brigades.csv", "commissariats.csv")
OPTIONAL = ("zones_police_gendarmerie.csv", "competence.csv")
UNIT_COLUMNS = (
    "id", "identifiant_unite", "nom", "adresse", "code_postal", "commune", "code_insee", "code_insee_source",
    "departement", "telephone", "latitude", "longitude", "coord_note", "horaires", "horaires_note", "date_maj",
)  # fmt: skip
UNIT_KINDS = {"gendarmerie": "brigades.csv", "commissariat_police": "commissariats.csv"}
INDEX = "commune_units.csv"
INDEX_COLUMNS = (
    "code_insee", "zone", "zone_basis", "zone_estimate", "police_district", "competent_id", "competent_basis",
    "nearest_brigade_id", "nearest_police_station_id",
)  # fmt: skip
SHOWN = 15  # changes printed per section (all of them are in the JSON report)


class DataError(Exception):
    """The data cannot be used: every problem found, one per line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Communes:
    """What validation needs of communes.csv: current codes, their département, former codes."""

    department: dict[str, str]
    current_of: dict[str, str]  # former INSEE code → current one
    covered: set[str] = field(default_factory=set)  # communes proper (not arrondissements), metro + DROM

    @classmethod
    def read(cls, path: Path) -> Communes:
        rows = _rows(path)
        department = {r["code_insee"]: r["departement"] for r in rows}
        current_of = {old: r["code_insee"] for r in rows for old in (r.get("anciens_codes") or "").split("|") if old}
        covered = {r["code_insee"] for r in rows if r.get("type") == "commune" and r.get("zone") in ("metro", "drom")}
        return cls(department, current_of, covered)

    def current(self, code: str) -> str | None:
        code = code.strip().upper().zfill(5)
        return code if code in self.department else self.current_of.get(code)


# -- the run ---------------------------------------------------------------------------------------


def run(
    source: Path,
    out: Path,
    *,
    zones: Path | None = None,
    competence: Path | None = None,
    annuaire: Path | None = None,
    apply: bool = False,
) -> dict[str, Any]:
    """Stage, validate, report and (when nothing official is given, or with `apply`) build `out`.
    Returns the report; raises DataError when the data cannot be used."""
    official = any(path is not None for path in (zones, competence, annuaire))
    with tempfile.TemporaryDirectory() as folder:
        staging = Path(folder)
        stage(source, staging, zones=zones, competence=competence, annuaire=annuaire)
        report: dict[str, Any] = {}
        if official:
            report["changes"] = {
                **changes(index(source), index(staging), source, staging),
                "conflicts": conflicts(staging),
            }
        report["written"] = not official or apply
        if report["written"]:
            build(staging, out)
    return report


def stage(source: Path, staging: Path, *, zones: Path | None, competence: Path | None, annuaire: Path | None) -> None:
    """Copy the current files into `staging`, replace them with the official ones given, validate."""
    missing = [name for name in REQUIRED if not (source / name).exists()]
    if missing:
        raise DataError([f"{source}: fichier manquant : {name}" for name in missing])
    for name in REQUIRED + OPTIONAL:
        if (source / name).exists():
            shutil.copyfile(source / name, staging / name)
    communes = Communes.read(staging / "communes.csv")
    problems: list[str] = []
    if zones is not None:
        problems += stage_zones(zones, staging, communes)
    if competence is not None:
        problems += stage_competence(competence, staging, communes)
    if annuaire is not None:
        problems += stage_annuaire(annuaire, staging, communes)
    problems += validate_units(staging, communes, strict=annuaire is not None)
    if problems:
        raise DataError(problems)


def build(staging: Path, out: Path) -> None:
    """`out` ← the staged files, the derived index and the manifest."""
    from chalicelib import brigades, dataset, snapshot

    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("*.csv"), out / dataset.MANIFEST, out / snapshot.FILE_NAME]:
        stale.unlink(missing_ok=True)
    for path in sorted(staging.glob("*.csv")):
        shutil.copyfile(path, out / path.name)
    rows = index(out)
    with (out / INDEX).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(INDEX_COLUMNS)
        writer.writerows([code, *values] for code, values in sorted(rows.items()))
    files = {
        path.name: {"rows": _count_rows(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        for path in sorted(out.glob("*.csv"))
    }
    built_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = {"data": {**dataset.describe(out), "built_at": built_at}, "files": files}
    (out / dataset.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    brigades.Directory(out).save_snapshot()  # what a cold start loads instead of building (snapshot.py)


# -- official files ----------------------------------------------------------------------------------


def stage_zones(path: Path, staging: Path, communes: Communes) -> list[str]:
    """A new zones file: well formed, codes current, every commune of each département it covers."""
    from chalicelib import zones

    text = path.read_text(encoding="utf-8-sig")
    try:
        parsed = zones.parse(text, name=path.name)
    except ValueError as error:
        return [str(error)]
    problems = [f"{path.name} : code INSEE inconnu : {code}" for code in parsed if code not in communes.department]
    covered = {communes.department[code] for code in parsed if code in communes.department}
    for department in sorted(covered):
        absent = sorted(c for c in communes.covered if communes.department[c] == department and c not in parsed)
        if absent:
            problems.append(
                f"{path.name} : {len(absent)} commune(s) du {department} absente(s) : {', '.join(absent[:10])}"
            )
    (staging / "zones_police_gendarmerie.csv").write_text(text, encoding="utf-8")
    return problems


def stage_competence(path: Path, staging: Path, communes: Communes) -> list[str]:
    """The Ministry's file, normalised (current INSEE codes, one row per commune), every commune covered."""
    from chalicelib import competence

    try:
        assignments = competence.load(path)
    except ValueError as error:
        return [str(error)]
    problems, rows = [], {}
    for code, assignment in assignments.items():
        current = communes.current(code)
        if current is None:
            problems.append(f"{path.name} : code INSEE inconnu : {code}")
        else:
            rows[current] = assignment
    absent = sorted(communes.covered - set(rows))
    if absent:
        problems.append(f"{path.name} : {len(absent)} commune(s) sans service : {', '.join(absent[:10])}")
    with (staging / "competence.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("code_commune", "institution", "id_service", "service"))
        for code, a in sorted(rows.items()):
            institution = "Police nationale" if a.institution == "police" else "Gendarmerie nationale"
            writer.writerow((code, institution, a.service_id, a.service))
    return problems


def stage_annuaire(path: Path, staging: Path, communes: Communes) -> list[str]:
    """Brigades and police stations from DILA's directory records (`<Organisme>` XML)."""
    units: dict[str, list[dict[str, str]]] = {name: [] for name in UNIT_KINDS.values()}
    problems = []
    for name, xml in _archive_members(path):
        kind = Path(name).name.split("-")[0]
        if kind not in UNIT_KINDS:
            continue
        try:
            row = organisme(xml, communes)
        except (ElementTree.ParseError, ValueError) as error:
            problems.append(f"{path.name} : {name} : {error}")
            continue
        units[UNIT_KINDS[kind]].append(row)
    for file_name, rows in units.items():
        if not rows:
            problems.append(
                f"{path.name} : aucune fiche pour {file_name} (gendarmerie-*.xml, commissariat_police-*.xml)"
            )
        with (staging / file_name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, UNIT_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(sorted(rows, key=lambda r: r["id"]))
    return problems


def organisme(xml: bytes, communes: Communes) -> dict[str, str]:
    """One `<Organisme>` record as a row of brigades.csv / commissariats.csv."""
    root = ElementTree.fromstring(xml)
    for element in root.iter():  # namespaces, if any, do not matter here
        element.tag = element.tag.rsplit("}", 1)[-1]
    source_code = root.get("codeInsee") or ""
    current = communes.current(source_code)
    if current is None:
        raise ValueError(f"code INSEE inconnu ({source_code!r})")
    address = next((a for a in root.iter("Adresse") if a.find("Localisation") is not None), root.find("Adresse"))
    point = address.find("Localisation") if address is not None else None
    lat, lon = (_text(point, "Latitude"), _text(point, "Longitude")) if point is not None else ("", "")
    return {
        "id": root.get("id") or "",
        "identifiant_unite": root.get("idPresta") or "",
        "nom": _text(root, "Nom"),
        "adresse": " ".join(line.text.strip() for line in address.iter("Ligne") if line.text)
        if address is not None
        else "",
        "code_postal": _text(address, "CodePostal"),
        "commune": _text(address, "NomCommune"),
        "code_insee": current,
        "code_insee_source": source_code,
        "departement": communes.department[current],
        "telephone": _text(root.find("CoordonnéesNum"), "Téléphone"),
        "latitude": f"{float(lat):.5f}" if lat else "",
        "longitude": f"{float(lon):.5f}" if lon else "",
        "coord_note": "",
        "horaires": opening_hours(root.find("Ouverture")),
        "horaires_note": _text(root.find("Ouverture"), "Note"),
        "date_maj": root.get("dateMiseAJour") or "",
    }


def opening_hours(opening: ElementTree.Element | None) -> str:
    """`lundi-vendredi 08:00-12:00, 14:00-18:00; samedi 08:00-12:00` from `<PlageJ>`/`<PlageH>`."""
    if opening is None:
        return ""
    days = []
    for span in opening.iter("PlageJ"):
        first, last = span.get("début") or "", span.get("fin") or ""
        name = first if not last or last == first else f"{first}-{last}"
        hours = [f"{(h.get('début') or '')[:5]}-{(h.get('fin') or '')[:5]}" for h in span.iter("PlageH")]
        days.append(f"{name} {', '.join(hours)}".strip())
    return "; ".join(days)


def validate_units(staging: Path, communes: Communes, *, strict: bool) -> list[str]:
    """Unit files: columns, unique ids, known INSEE codes; with new official records (`strict`),
    every unit must have a position too (the current open data has a few dropped points)."""
    problems = []
    for file_name in UNIT_KINDS.values():
        path = staging / file_name
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            absent = [
                c
                for c in ("id", "nom", "code_insee", "departement", "latitude", "longitude")
                if c not in (reader.fieldnames or ())
            ]
            if absent:
                problems.append(f"{file_name} : colonnes manquantes ({', '.join(absent)})")
                continue
            rows = list(reader)
        ids = [r["id"] for r in rows]
        problems += [f"{file_name} : identifiant en double : {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
        problems += [
            f"{file_name} : {r['id']} : code INSEE inconnu ({r['code_insee']})"
            for r in rows
            if r["code_insee"] not in communes.department
        ]
        if strict:
            problems += [
                f"{file_name} : {r['id']} : unité sans position" for r in rows if not (r["latitude"] and r["longitude"])
            ]
    return problems


# -- what changes --------------------------------------------------------------------------------------


def index(data_dir: Path) -> dict[str, tuple[str, ...]]:
    """The zone and units of every commune as the API answers them from `data_dir`."""
    from chalicelib import brigades

    directory = brigades.Directory(data_dir)
    rows = {}
    for commune, code in enumerate(directory.insee):
        found = directory.served(commune)
        rows[code] = (
            found.zone, found.zone_basis, found.zone_estimate or "", found.district or "",
            _id(found.unit), found.basis, _id(found.nearest_brigade), _id(found.nearest_police_station),
        )  # fmt: skip
    return rows


def changes(
    before: dict[str, tuple[str, ...]], after: dict[str, tuple[str, ...]], old_dir: Path, new_dir: Path
) -> dict[str, Any]:
    """Communes whose zone or competent unit changes, units added or closed."""
    zone, unit = [], []
    for code in sorted(set(before) & set(after)):
        old, new = before[code], after[code]
        if old[:2] != new[:2]:
            zone.append({"commune": code, "before": "/".join(old[:2]), "after": "/".join(new[:2])})
        if old[4:6] != new[4:6]:
            unit.append({"commune": code, "before": f"{old[4]} ({old[5]})", "after": f"{new[4]} ({new[5]})"})
    old_units, new_units = _unit_names(old_dir), _unit_names(new_dir)
    return {
        "zone": zone,
        "competent_unit": unit,
        "units_added": [{"id": i, "name": new_units[i]} for i in sorted(set(new_units) - set(old_units))],
        "units_closed": [{"id": i, "name": old_units[i]} for i in sorted(set(old_units) - set(new_units))],
    }


def conflicts(data_dir: Path) -> list[dict[str, str]]:
    """Communes the zones file and the Ministry's file put in different zones (the Ministry's wins:
    check the arrêté, or whether the Ministry's file is late)."""
    from chalicelib import competence, zones

    by_text = zones.load(data_dir / zones.FILE_NAME)
    by_ministry = competence.load(data_dir / competence.FILE_NAME)
    return [
        {"commune": code, "zones_file": by_text[code].zone, "ministry": by_ministry[code].institution}
        for code in sorted(set(by_text) & set(by_ministry))
        if by_text[code].zone != by_ministry[code].institution
    ]


def print_report(report: dict[str, Any]) -> None:
    titles = {
        "zone": "Communes dont la zone change",
        "competent_unit": "Communes dont l'unité change",
        "units_added": "Unités ajoutées",
        "units_closed": "Unités fermées (absentes des nouvelles fiches)",
        "conflicts": "Communes où l'arrêté et le fichier du ministère diffèrent (le ministère l'emporte)",
    }
    for key, title in titles.items():
        entries = report.get("changes", {}).get(key, [])
        print(f"{title} : {len(entries)}")
        for entry in entries[:SHOWN]:
            print("  " + " | ".join(str(value) for value in entry.values()))
        if len(entries) > SHOWN:
            print(f"  … et {len(entries) - SHOWN} de plus (rapport JSON : --report)")


# -- helpers -------------------------------------------------------------------------------------------


def _archive_members(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, content) of the XML files of a folder, a tar archive or a zip archive."""
    if path.is_dir():
        for member in sorted(path.rglob("*.xml")):
            yield str(member.relative_to(path)), member.read_bytes()
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in sorted(n for n in archive.namelist() if n.endswith(".xml")):
                yield name, archive.read(name)
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            for member in archive:
                handle = archive.extractfile(member) if member.isfile() and member.name.endswith(".xml") else None
                if handle is not None:
                    yield member.name, handle.read()
    else:
        raise DataError([f"{path} : ni dossier, ni archive .tar(.bz2/.gz) ou .zip"])


def _text(parent: ElementTree.Element | None, tag: str) -> str:
    found = parent.find(tag) if parent is not None else None
    return (found.text or "").strip() if found is not None else ""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _unit_names(data_dir: Path) -> dict[str, str]:
    return {r["id"]: r["nom"] for name in UNIT_KINDS.values() for r in _rows(data_dir / name)}


def _id(unit: dict[str, Any] | None) -> str:
    return unit["id"] if unit else ""


def main(argv: list[str] | None = None) -> int:
    from chalicelib.config import get_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, default=None, help="current data (default: DATA_DIR)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to build (default: build/data)")
    parser.add_argument("--zones", type=Path, help="updated zones_police_gendarmerie.csv")
    parser.add_argument("--competence", type=Path, help="the Ministry's territorial-competence CSV")
    parser.add_argument("--annuaire", type=Path, help="DILA's « Base de données locales » archive or folder")
    parser.add_argument("--apply", action="store_true", help="build with the official files once reviewed")
    parser.add_argument("--report", type=Path, help="write the report of changes as JSON")
    args = parser.parse_args(argv)
    source = (args.source or get_settings().data_dir).resolve()
    try:
        report = run(
            source, args.out.resolve(), zones=args.zones, competence=args.competence, annuaire=args.annuaire,
            apply=args.apply,
        )  # fmt: skip
    except DataError as error:
        print("make data : données refusées, rien n'est écrit :", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    if "changes" in report:
        print_report(report)
    if args.report:
        args.report.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    if report["written"]:
        print(f"données construites dans {args.out} : make package SOURCE_DATA_DIR={args.out}")
    else:
        print("rien n'est écrit : vérifiez ces changements, puis relancez avec --apply (make data ... APPLY=1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
