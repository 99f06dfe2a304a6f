"""The citizen's reading pages (prevention, victim, OTV) kept as JSON data files beside this module.

Each page cites its `sources`; the OPP edits the files, the code only serves them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from chalicelib.errors import AppError

DIRECTORY = Path(__file__).resolve().parent
AUDIENCES = ("particulier", "commercant")


@cache
def load(name: str) -> dict[str, Any]:
    """A data file of this directory, parsed once per container, its prose in French typography
    (the files are written with plain spaces; `chalicelib.typography` sets the no-break ones)."""
    from chalicelib.typography import french_document

    document: dict[str, Any] = french_document(json.loads((DIRECTORY / f"{name}.json").read_text(encoding="utf-8")))
    return document


def bare_domain(url: str) -> bool:
    """A link to a site's home page (or a language root such as `/fr`), not to the page that says
    the fact: sources must be deep links."""
    from urllib.parse import urlsplit

    path = urlsplit(url).path.strip("/")
    return len(path) <= 2  # "", "fr", "en"


def prevention(audience: str | None) -> dict[str, Any]:
    """Prevention advice for `particulier` or `commercant`; anything else is a 400 listing both."""
    if audience not in AUDIENCES:
        message = f"« audience » doit valoir {' ou '.join(AUDIENCES)}."
        raise AppError(
            "invalid_parameter",
            message,
            errors=[{"field": "audience", "message": message}],
            extra={"valid_audiences": list(AUDIENCES)},
        )
    return load(f"prevention_{audience}")


def victim() -> dict[str, Any]:
    return load("victim")


def otv(commune: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OTV page; for a commune (as `GET /communes` describes it), only the rules of its zone,
    or both with the `unknown_zone` warning when the zone is not known, and the commune itself."""
    page = load("otv")
    if commune is None:
        return page
    known = commune["zone"] in {rules["zone"] for rules in page["zones"]}
    return {
        **page,
        "zones": [rules for rules in page["zones"] if not known or rules["zone"] == commune["zone"]],
        "unknown_zone": None if known else page["unknown_zone"],
        "commune": commune,
    }
