"""The saved search indexes (chalicelib/snapshot.py): a cold start loads them only when they were
built from the folder's current files by the current code, and then answers as a fresh build does."""

from __future__ import annotations

import logging
import pickle
import shutil
from pathlib import Path

import pytest

from chalicelib import snapshot
from chalicelib.brigades import Directory

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "data" / "current"
QUERIES = ["montpellier", "lodeve", "34000", "montpelier", "mont", "lodève 34", "saint"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(FIXTURE_DATA, folder)
    return folder


def answers(found: Directory) -> list[object]:
    """What the routes would answer: searches, a position, every commune's view."""
    searched = [[(h.commune, h.match, h.matched_name) for h in found.search(q, 10)] for q in QUERIES]
    located = found.commune_view(found.locate(43.61, 3.87), None)
    return [searched, located, [found.commune_view(c, None) for c in range(len(found.insee))]]


def test_a_folder_with_its_snapshot_loads_the_indexes_and_answers_as_a_fresh_build(data_dir: Path) -> None:
    Directory(data_dir).save_snapshot()

    loaded = Directory.load(data_dir)

    assert "name_search" in vars(loaded) and "commune_grid" in vars(loaded)  # loaded, not rebuilt
    assert loaded.data_dir == data_dir and answers(loaded) == answers(Directory(data_dir))


def test_a_folder_without_a_snapshot_builds_from_its_files(data_dir: Path) -> None:
    built = Directory.load(data_dir)

    assert "name_search" not in vars(built)  # built when first needed, as before
    assert answers(built) == answers(Directory(data_dir))


def test_a_snapshot_of_other_files_is_not_used(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    Directory(data_dir).save_snapshot()
    communes = data_dir / "communes.csv"
    communes.write_text(communes.read_text(encoding="utf-8").replace("Lodève", "Lodève-Nouvelle"), encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="chalicelib.snapshot"):
        found = Directory.load(data_dir)

    assert "name_search" not in vars(found) and "other files or code" in caplog.text
    assert found.name[found.search("lodeve nouvelle", 1)[0].commune] == "Lodève-Nouvelle"


def test_a_snapshot_made_by_other_code_is_not_used(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Directory(data_dir).save_snapshot()
    code = tmp_path / "chalicelib"
    shutil.copytree(snapshot.CHALICELIB, code, ignore=shutil.ignore_patterns("__pycache__", "data"))
    monkeypatch.setattr(snapshot, "CHALICELIB", code)
    assert Directory.load(data_dir).__dict__.get("name_search") is not None  # same code, copied

    (code / "names.py").write_text((code / "names.py").read_text() + "\n# changed\n")

    assert "name_search" not in vars(Directory.load(data_dir))


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage"], ids=["empty", "text", "truncated"])
def test_an_unreadable_snapshot_is_not_used_and_the_files_are_read(data_dir: Path, damage: bytes) -> None:
    (data_dir / snapshot.FILE_NAME).write_bytes(damage)

    found = Directory.load(data_dir)

    assert "name_search" not in vars(found) and found.search("montpellier", 1)


def test_the_snapshot_is_readable_by_another_user_and_never_half_written(data_dir: Path) -> None:
    path = Directory(data_dir).save_snapshot()

    assert path == data_dir / snapshot.FILE_NAME and path.stat().st_mode & 0o444 == 0o444
    assert [p.name for p in data_dir.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_snapshot_that_cannot_be_written_leaves_nothing_behind(data_dir: Path) -> None:
    with pytest.raises((AttributeError, TypeError, pickle.PicklingError)):
        snapshot.save(data_dir, {"resolver": lambda unit: unit})  # closures do not pickle

    assert not (data_dir / snapshot.FILE_NAME).exists()
    assert [p.name for p in data_dir.iterdir() if p.name.startswith(".")] == []
