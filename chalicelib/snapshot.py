"""The built search indexes of a data folder, saved beside its files so that a cold start loads them.

Building every index from the CSV files (names, phonetic keys, postal codes, grids) costs a fresh
process ≈ 400 ms of CPU; loading what that build produced costs a quarter of it. `make data` and
`make package` (tools/data.py) save the snapshot next to the files they build; `brigades.directory()`
loads it when it is there and still describes these files with this code, and builds from the files
otherwise (the raw open-data folder, a snapshot of other files or of an older version of the code).

A snapshot is a pickle: it is only ever read from the data folder of the package or of `make data`,
written by this project's own build, never from anything a request carries.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE_NAME = "indexes.pickle"
# the modules whose code builds, or whose classes hold, what a snapshot keeps
CODE = ("brigades", "commune_search", "competence", "geo", "names", "place_query", "zones", "departements")
CHALICELIB = Path(__file__).resolve().parent


def fingerprint(data_dir: Path) -> str:
    """What a snapshot must have been built from: every CSV file of the folder and the code that
    reads them (BLAKE2b of both, ≈ 7 ms for the 4 MB of the open data)."""
    digest = hashlib.blake2b(digest_size=32)
    for path in [*sorted(data_dir.glob("*.csv")), *(CHALICELIB / f"{module}.py" for module in CODE)]:
        with path.open("rb") as handle:
            content = hashlib.file_digest(handle, "blake2b").digest()
        digest.update(path.name.encode() + b"\0" + content)
    return digest.hexdigest()


def save(data_dir: Path, state: dict[str, Any]) -> Path:
    """Write the snapshot of these files (atomically: a half-written one is never read)."""
    path = data_dir / FILE_NAME
    document = {"fingerprint": fingerprint(data_dir), "state": state}
    with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".indexes-", delete=False) as handle:
        try:
            pickle.dump(document, handle, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            Path(handle.name).unlink()
            raise
    os.chmod(handle.name, 0o644)  # read by whichever user runs the package (Lambda: not the builder)
    os.replace(handle.name, path)
    return path


def load(data_dir: Path) -> dict[str, Any] | None:
    """The saved state, if the folder has a snapshot of its current files made by this code (the
    caller pauses the cycle collector: hundreds of thousands of objects are created at once)."""
    path = data_dir / FILE_NAME
    if not path.exists():
        return None
    try:
        expected = fingerprint(data_dir)
        with path.open("rb") as handle:  # read as it is unpickled: no second copy in memory
            document = pickle.load(handle)  # noqa: S301 (our own build's file, see above)
    except Exception as error:  # unreadable, truncated, classes renamed since: build from the files
        log.warning("search indexes: snapshot %s not used (%s), building from the files", path, error)
        return None
    if not isinstance(document, dict) or document.get("fingerprint") != expected:
        log.warning("search indexes: snapshot %s is of other files or code, building from the files", path)
        return None
    state: dict[str, Any] = document["state"]
    return state
