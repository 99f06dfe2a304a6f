"""`make package` without the registry: what it refuses, what it pins, what it copies and compiles."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import yaml

from chalicelib.brigades import Directory
from tools import data, package

CHALICE_MISSING_WHEEL = """Creating deployment package.

Could not install dependencies:
cryptography==50.0.2
You will have to build these yourself and vendor them in
the chalice vendor folder.
"""


def test_a_dependency_chalice_could_not_install_fails_the_build() -> None:
    with pytest.raises(package.PackageError, match="left dependencies out"):
        package.check_chalice_output(0, CHALICE_MISSING_WHEEL)


def test_a_failing_chalice_fails_the_build_and_a_clean_one_passes() -> None:
    with pytest.raises(package.PackageError, match="failed"):
        package.check_chalice_output(2, "Error: something")
    package.check_chalice_output(0, "Creating deployment package.\n")


def test_only_deployable_stages_can_be_packaged() -> None:
    with pytest.raises(package.PackageError, match="dev, prod"):
        package.stage_config("local")
    assert package.stage_config("prod") == {"prefix": "stopcamb-prod", "data_dir": "chalicelib/data", "mfa": "ON"}


def test_the_merge_template_is_pinned_to_the_stage_prefix(tmp_path: Path) -> None:
    path = package.pinned_merge_template("prod", tmp_path)
    pinned = yaml.safe_load(path.read_text())
    assert pinned["Parameters"]["ResourcePrefix"]["AllowedValues"] == ["stopcamb-prod"]
    assert pinned["Resources"]["UserPool"]["Properties"]["UserPoolName"] == {"Fn::Sub": "${ResourcePrefix}-operators"}


FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data" / "current"


def test_raw_search_data_is_checked_indexed_and_described_in_the_package_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "chalicelib-data"
    target.mkdir()
    (target / "stale.csv").write_text("from an older build")
    monkeypatch.setattr(package, "PACKAGED_DATA", target)
    copied = package.copy_data(FIXTURE_DATA)
    expected = [*(p.name for p in FIXTURE_DATA.glob("*.csv")), "commune_units.csv", "manifest.json", "indexes.pickle"]
    assert copied == sorted(expected)
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["data"]["built_at"] and manifest["data"]["units_updated"] == "2021-01-04"


def test_a_folder_make_data_built_is_packaged_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = tmp_path / "built"
    data.run(FIXTURE_DATA, built)
    monkeypatch.setattr(package, "PACKAGED_DATA", tmp_path / "chalicelib-data")
    package.copy_data(built)
    assert (tmp_path / "chalicelib-data" / "manifest.json").read_bytes() == (built / "manifest.json").read_bytes()
    assert "name_search" in vars(Directory.load(tmp_path / "chalicelib-data"))  # its indexes, for this code


def test_a_data_directory_without_csv_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(package, "PACKAGED_DATA", tmp_path / "chalicelib-data")
    with pytest.raises(package.PackageError, match="SOURCE_DATA_DIR"):
        package.copy_data(tmp_path)
    assert not (tmp_path / "chalicelib-data").exists()


def test_the_packaged_data_folder_is_ignored_by_git() -> None:
    ignored = (package.PROJECT_DIR / ".gitignore").read_text().splitlines()
    assert "chalicelib/data/" in ignored


def test_bytecode_is_added_for_every_module_and_used_without_source_checks(tmp_path: Path) -> None:
    zip_path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("app.py", "VALUE = 1\n")
        archive.writestr("chalicelib/__init__.py", "")
        archive.writestr("chalicelib/data/communes.csv", "code_insee\n")
    assert package.precompile(zip_path) == 2
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        pyc = archive.read("__pycache__/app.cpython-311.pyc")
    assert "chalicelib/__pycache__/__init__.cpython-311.pyc" in names
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, unchecked (PEP 552)
    assert package.precompile(zip_path) == 0  # already there: nothing added twice
