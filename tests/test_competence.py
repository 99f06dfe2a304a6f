"""Loading the Ministry's territorial-competence file (a small fixture in its column layout)."""

from pathlib import Path

import pytest

from chalicelib import competence
from chalicelib.competence import Assignment

FIXTURE = Path(__file__).parent / "fixtures" / "competence.csv"


def test_the_ministry_file_maps_each_commune_to_its_service() -> None:
    assignments = competence.load(FIXTURE)
    assert assignments["01001"] == Assignment(
        "gendarmerie", "1008600", "BRIGADE TERRITORIALE AUTONOME D'AMBÉRIEU-EN-BUGEY"
    )
    assert assignments["01053"] == Assignment("police", "", "CIRCONSCRIPTION DE SÉCURITÉ PUBLIQUE DE BOURG-EN-BRESSE")


def test_codes_are_normalised_and_rows_without_a_commune_are_skipped() -> None:
    assignments = competence.load(FIXTURE)
    assert set(assignments) == {"01001", "01053", "01002", "75056", "2A004"}  # "1001" lost its 0 in a spreadsheet
    assert assignments["2A004"].institution == "police"  # "PN"


def test_no_file_means_no_assignment(tmp_path: Path) -> None:
    assert competence.load(tmp_path / "competence.csv") == {}


def test_a_comma_separated_windows_1252_export_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "competence.csv"
    text = "Code commune,Libellé,Institution,Id service,Service\n34172,Montpellier,Police nationale,,Hôtel de police\n"
    path.write_bytes(text.encode("cp1252"))
    assert competence.load(path) == {"34172": Assignment("police", "", "Hôtel de police")}


def test_a_file_without_the_expected_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "competence.csv"
    path.write_text("a;b;c\n1;2;3\n")
    with pytest.raises(ValueError, match="colonnes"):
        competence.load(path)
