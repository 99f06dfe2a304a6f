"""The package check: what Lambda's python3.11 cannot load, and an import in a clean folder."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import yaml

from tools import check_package

PROJECT = Path(__file__).parent.parent


def test_symbol_versions_newer_than_amazon_linux_2_are_found() -> None:
    elf = b"\x7fELF...GLIBC_2.2.5\x00GLIBC_2.17\x00GLIBC_2.34\x00GLIBCXX_3.4.21\x00GLIBCXX_3.4.30\x00GLIBC_PRIVATE\x00"
    assert check_package.newer_than_lambda(elf) == ["GLIBCXX_3.4.30", "GLIBC_2.34"]
    assert check_package.newer_than_lambda(b"\x7fELF GLIBC_2.26\x00GLIBCXX_3.4.24\x00") == []


def test_a_wheel_built_on_this_machine_and_a_too_new_library_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("pillow-13.0.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: cp311-cp311-linux_x86_64\n")
        archive.writestr("rapidfuzz-3.13.0.dist-info/WHEEL", "Tag: cp311-cp311-manylinux2014_x86_64\n")
        archive.writestr("PIL/_imaging.cpython-311-x86_64-linux-gnu.so", b"\x7fELF GLIBC_2.29\x00")
        archive.writestr("rapidfuzz/fuzz_cpp.cpython-311-x86_64-linux-gnu.so", b"\x7fELF GLIBC_2.17\x00")
    with zipfile.ZipFile(path) as archive:
        assert check_package.incompatible_libraries(archive) == {
            "pillow-13.0.0.dist-info": ["built on this machine, not a manylinux wheel"],
            "PIL/_imaging.cpython-311-x86_64-linux-gnu.so": ["GLIBC_2.29"],
        }


MINI_APP = """
class App:
    routes = {"/health": {}}

    def __call__(self, event, context):
        return {"statusCode": 200 if event["requestContext"]["resourcePath"] == "/health" else 404}


app = App()


def worker(event, context):
    return None
"""


def _build(folder: Path, extra: dict[str, str]) -> Path:
    """A miniature `build/<stage>`: an app with two handlers, the real config module, data."""
    folder.mkdir()
    files = {
        "app.py": MINI_APP,
        "chalicelib/__init__.py": "",
        "chalicelib/config.py": (PROJECT / "chalicelib" / "config.py").read_text(),
        "chalicelib/data/communes.csv": "code_insee\n",
        "chalicelib/data/manifest.json": json.dumps({"data": {"units_updated": "2022-01-04", "built_at": "x"}}),
        "chalicelib/data/indexes.pickle": "",
        **extra,
    }
    with zipfile.ZipFile(folder / "deployment.zip", "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    function = {
        "Type": "AWS::Serverless::Function",
        "Properties": {"Environment": {"Variables": {"DATA_DIR": "chalicelib/data"}}},
    }
    resources = {
        "APIHandler": {**function, "Properties": {**function["Properties"], "Handler": "app.app"}},
        "Worker": {**function, "Properties": {**function["Properties"], "Handler": "app.worker"}},
    }
    (folder / "sam.yaml").write_text(yaml.safe_dump({"Resources": resources}))
    return folder


def test_a_package_that_imports_in_a_clean_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_package, "IMPORT_RUNS", 2)
    report = check_package.check(_build(tmp_path / "ok", {"helper.py": "import json\n"}))
    assert report["handlers"] == ["app.app", "app.worker"]
    assert report["data_files"] == ["communes.csv", "indexes.pickle", "manifest.json"]
    assert report["data"]["units_updated"] == "2022-01-04"  # the check says what data the package carries
    assert report["modules_imported"] == 3  # app, chalicelib, helper
    assert report["import_app_ms"] > 0
    assert report["smoke_requests"]["/health"]["status"] == 200


def without(build: Path, file_name: str) -> Path:
    """The package rewritten without the file of that name."""
    with zipfile.ZipFile(build / "deployment.zip") as archive:
        kept = {name: archive.read(name) for name in archive.namelist() if not name.endswith(file_name)}
    with zipfile.ZipFile(build / "deployment.zip", "w") as archive:
        for name, content in kept.items():
            archive.writestr(name, content)
    return build


def test_a_package_whose_data_has_no_manifest_fails_the_check(tmp_path: Path) -> None:
    with pytest.raises(check_package.CheckError, match="make data"):
        check_package.check(without(_build(tmp_path / "raw", {}), "manifest.json"))


def test_a_package_whose_indexes_were_not_saved_or_are_stale_fails_the_check(tmp_path: Path) -> None:
    with pytest.raises(check_package.CheckError, match=r"indexes\.pickle"):
        check_package.check(without(_build(tmp_path / "unsaved", {}), "indexes.pickle"))
    stale = {f"chalicelib/{name}": (PROJECT / "chalicelib" / name).read_text() for name in ("snapshot.py",)}
    with pytest.raises(check_package.CheckError, match="other files or code"):  # an empty file is no snapshot
        check_package.check(_build(tmp_path / "stale", stale))


def test_a_dependency_that_does_not_import_fails_the_check(tmp_path: Path) -> None:
    build = _build(tmp_path / "broken", {"needs_host.py": "import yaml\n"})  # only on this machine
    with pytest.raises(check_package.CheckError, match="needs_host"):
        check_package.check(build)
