"""`make data` (tools/data.py) on small fixture files in the documented formats: the build, the
validation of official files, the report of what they change, and nothing used before `--apply`."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from chalicelib import brigades, dataset
from tools import data

FIXTURES = Path(__file__).parent / "fixtures" / "data"
CURRENT = FIXTURES / "current"
OFFICIAL = FIXTURES / "official"
ZONES = OFFICIAL / "zones_police_gendarmerie.csv"
COMPETENCE = OFFICIAL / "competence-territoriale.csv"  # the Ministry's layout: `;`, Windows-1252
ANNUAIRE = OFFICIAL / "annuaire"  # DILA's <Organisme> records, as in the « Base de données locales »
PROJECT = Path(__file__).parent.parent


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def official(**overrides: Path) -> dict[str, Path]:
    return {"zones": ZONES, "competence": COMPETENCE, "annuaire": ANNUAIRE, **overrides}


# -- building from the current data --------------------------------------------------------------------


def test_the_build_holds_the_files_their_index_and_a_manifest_the_api_reads(tmp_path: Path) -> None:
    out = tmp_path / "data"
    report = data.run(CURRENT, out)
    assert report == {"written": True}
    assert {p.name for p in CURRENT.glob("*.csv")} <= {p.name for p in out.iterdir()}
    index = {r["code_insee"]: r for r in rows(out / data.INDEX)}
    assert set(index) == {r["code_insee"] for r in rows(CURRENT / "communes.csv")}
    avon = index["77014"]
    assert (avon["zone"], avon["zone_basis"], avon["competent_id"], avon["competent_basis"]) == (
        "police",
        "official",
        "commissariat_police-77186-01",
        "official",
    )
    assert index["34172"]["zone"] == "unknown" and index["34172"]["nearest_police_station_id"]
    served = brigades.Directory(out)  # the index says what the API answers from the same files
    for commune, code in enumerate(served.insee):
        found = served.served(commune)
        assert (index[code]["zone"], index[code]["competent_id"]) == (found.zone, found.unit and found.unit["id"])
    manifest = json.loads((out / dataset.MANIFEST).read_text())
    assert manifest["data"]["units_updated"] == "2021-01-04"  # the newest record of the units' files
    assert manifest["data"]["official_zones"] == ["77"]
    assert manifest["files"]["communes.csv"]["rows"] == 7
    assert dataset.info(out)["built_at"] == manifest["data"]["built_at"]


def test_the_raw_folder_is_described_from_its_files_alone() -> None:
    described = dataset.info(CURRENT)
    assert described == {
        "units_updated": "2021-01-04",
        "official_zones": ["77"],
        "ministry_competence": False,
        "built_at": None,
    }


# -- official files: validated, reported, used only when applied ---------------------------------------


def test_official_files_are_reported_and_nothing_is_written_before_apply(tmp_path: Path) -> None:
    out = tmp_path / "data"
    report = data.run(CURRENT, out, **official())
    assert report["written"] is False and not out.exists()
    changes = report["changes"]
    assert {c["commune"]: c["after"] for c in changes["zone"]} == {
        "77316": "police/official",  # Moret-Loing-et-Orvanne joins the police zone in the new arrêté
        "34142": "gendarmerie/official",  # the Ministry's file speaks where no arrêté did
        "34172": "police/official",
    }
    assert changes["units_added"] == [{"id": "gendarmerie-34142-02", "name": "Brigade de gendarmerie - Lodève"}]
    assert changes["units_closed"] == [{"id": "gendarmerie-34142-01", "name": "Brigade de gendarmerie - Lodève"}]
    moved = {c["commune"]: c for c in changes["competent_unit"]}
    assert moved["77316"]["after"] == "commissariat_police-77186-01 (official)"  # the CSP's station


def test_a_commune_the_arrete_and_the_ministry_put_in_different_zones_is_reported(tmp_path: Path) -> None:
    police = replace("77053;BRAY-SUR-SEINE;Gendarmerie", "77053;BRAY-SUR-SEINE;Police", encoding="cp1252")
    report = data.run(CURRENT, tmp_path / "out", **official(competence=edited(tmp_path, COMPETENCE, police)))
    assert report["changes"]["conflicts"] == [{"commune": "77053", "zones_file": "gendarmerie", "ministry": "police"}]
    assert data.run(CURRENT, tmp_path / "out", **official())["changes"]["conflicts"] == []


def test_applied_official_files_become_the_data(tmp_path: Path) -> None:
    out = tmp_path / "data"
    data.run(CURRENT, out, apply=True, **official())
    bray = next(r for r in rows(out / "brigades.csv") if r["id"] == "gendarmerie-77053-01")
    assert bray["telephone"] == "01 60 67 10 01" and (bray["latitude"], bray["longitude"]) == ("48.41512", "3.24012")
    assert bray["horaires"] == "lundi-vendredi 08:00-12:00, 14:00-18:00; samedi 09:00-12:00"
    assert bray["horaires_note"] == "Accueil le dimanche sur rendez-vous." and bray["date_maj"] == "2026-09-14"
    assert [r["id"] for r in rows(out / "commissariats.csv")] == [
        "commissariat_police-34172-01",
        "commissariat_police-77186-01",
    ]  # a town hall of the archive is not a unit
    competence = {r["code_commune"]: r for r in rows(out / "competence.csv")}
    assert competence["77316"]["institution"] == "Police nationale"  # former code 77315 → current 77316
    directory = brigades.Directory(out)
    gravon = directory.served(directory.by_insee["77212"])
    assert (gravon.zone, gravon.zone_basis, gravon.basis, gravon.unit and gravon.unit["id"]) == (
        "gendarmerie",
        "official",
        "official",
        "gendarmerie-77053-01",
    )
    assert dataset.info(out)["ministry_competence"] is True


@pytest.mark.parametrize("kind", ["tar.bz2", "zip"])
def test_the_directory_archive_is_read_as_it_is_downloaded(tmp_path: Path, kind: str) -> None:
    archive = tmp_path / f"all_latest.{kind}"
    members = sorted(p for p in ANNUAIRE.rglob("*.xml"))
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as bundle:
            for path in members:
                bundle.write(path, path.relative_to(ANNUAIRE))
    else:
        with tarfile.open(archive, "w:bz2") as bundle:
            for path in members:
                bundle.add(path, str(path.relative_to(ANNUAIRE)))
    from_archive, from_folder = tmp_path / "a", tmp_path / "b"
    data.run(CURRENT, from_archive, annuaire=archive, apply=True)
    data.run(CURRENT, from_folder, annuaire=ANNUAIRE, apply=True)
    for name in ("brigades.csv", "commissariats.csv"):
        assert (from_archive / name).read_text() == (from_folder / name).read_text()


def edited(tmp_path: Path, source: Path, change: Any) -> Path:
    """A copy of an official file or folder with one change made by `change(copy)`."""
    copy = tmp_path / source.name
    if source.is_dir():
        shutil.copytree(source, copy)
    else:
        shutil.copyfile(source, copy)
    change(copy)
    return copy


def drop_line(containing: str, encoding: str = "utf-8") -> Any:
    def change(path: Path) -> None:
        text = path.read_text(encoding=encoding)
        path.write_text("".join(line for line in text.splitlines(True) if containing not in line), encoding=encoding)

    return change


def replace(old: str, new: str, *, encoding: str = "utf-8", inside: str = "") -> Any:
    def change(path: Path) -> None:
        target = path / inside if inside else path
        target.write_text(target.read_text(encoding=encoding).replace(old, new), encoding=encoding)

    return change


@pytest.mark.parametrize(
    ("which", "source", "change", "problem"),
    [
        ("zones", ZONES, drop_line("77212,"), "1 commune(s) du 77 absente(s) : 77212"),
        ("zones", ZONES, replace("77053,", "77999,"), "code INSEE inconnu : 77999"),
        ("zones", ZONES, replace("code_insee,nom,departement,zone,csp", "insee,nom,departement,zone,csp"), "colonnes"),
        ("zones", ZONES, replace(",ZGN,", ",ZXN,"), "ZPN ou ZGN"),
        ("competence", COMPETENCE, drop_line("GRAVON", "cp1252"), "1 commune(s) sans service : 77212"),
        ("competence", COMPETENCE, replace("34142;", "34999;", encoding="cp1252"), "code INSEE inconnu : 34999"),
        ("competence", COMPETENCE, replace("SERVICE;", "LIBELLE;", encoding="cp1252"), "colonnes attendues"),
        (
            "annuaire",
            ANNUAIRE,
            replace("<Latitude>43.73210</Latitude>", "", inside="organismes/34/gendarmerie-34142-02.xml"),
            "gendarmerie-34142-02 : unité sans position",
        ),
        (
            "annuaire",
            ANNUAIRE,
            replace('codeInsee="77053"', 'codeInsee="77999"', inside="organismes/77/gendarmerie-77053-01.xml"),
            "code INSEE inconnu ('77999')",
        ),
        (
            "annuaire",
            ANNUAIRE,
            replace("</Organisme>", "", inside="organismes/77/commissariat_police-77186-01.xml"),
            "commissariat_police-77186-01.xml",
        ),
    ],
)
def test_a_faulty_official_file_is_refused_and_nothing_is_written(
    tmp_path: Path, which: str, source: Path, change: Any, problem: str
) -> None:
    out = tmp_path / "out"
    faulty = edited(tmp_path, source, change)
    with pytest.raises(data.DataError) as refused:
        data.run(CURRENT, out, apply=True, **official(**{which: faulty}))
    assert any(problem in line for line in refused.value.problems), refused.value.problems
    assert not out.exists()


def test_current_data_missing_a_file_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(CURRENT, source)
    (source / "brigades.csv").unlink()
    with pytest.raises(data.DataError, match=r"fichier manquant : brigades\.csv"):
        data.run(source, tmp_path / "out")


# -- the command an operator runs ---------------------------------------------------------------------


def make_data(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`make data` as the README says, without `install` (the test's virtualenv is the project's)."""
    return subprocess.run(
        ["make", "--no-print-directory", "data", "STAMP=", *arguments],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_make_data_reports_then_applies_the_official_files(tmp_path: Path) -> None:
    out, report = tmp_path / "data", tmp_path / "report.json"
    given = [f"DATA_SOURCE={CURRENT}", f"DATA_OUT={out}", f"ZONES={ZONES}", f"COMPETENCE={COMPETENCE}"]
    reviewed = make_data(*given, f"ANNUAIRE={ANNUAIRE}", f"REPORT={report}")
    assert reviewed.returncode == 0, reviewed.stderr
    assert "Communes dont la zone change : 3" in reviewed.stdout and "Unités ajoutées : 1" in reviewed.stdout
    assert "relancez avec --apply" in reviewed.stdout and not out.exists()
    assert json.loads(report.read_text())["changes"]["units_closed"][0]["id"] == "gendarmerie-34142-01"
    applied = make_data(*given, f"ANNUAIRE={ANNUAIRE}", "APPLY=1")
    assert applied.returncode == 0, applied.stderr
    assert (out / dataset.MANIFEST).exists() and (out / "competence.csv").exists()


def test_make_data_refuses_a_faulty_file_with_the_reason(tmp_path: Path) -> None:
    faulty = edited(tmp_path, ZONES, drop_line("77212,"))
    refused = make_data(f"DATA_SOURCE={CURRENT}", f"DATA_OUT={tmp_path / 'out'}", f"ZONES={faulty}", "APPLY=1")
    assert refused.returncode != 0
    assert "rien n'est écrit" in refused.stderr and "77212" in refused.stderr
    assert not (tmp_path / "out").exists()
