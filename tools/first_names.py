"""Build `chalicelib/rules/first_names.txt`, the first names the person rule recognises.

Source: the person providers of Faker (MIT licence, a dev requirement, never deployed), for the
French-speaking locales and for the Latin-script locales of the largest communities living in
France (Portuguese, Spanish, Italian, Maghreb names in French spelling, Polish, Romanian, Turkish,
British). The INSEE « Fichier des prénoms » would be the reference but cannot be downloaded here;
Faker's lists are its most frequent names. One name a line, folded (lower case, no accents), sorted.

Usage: python -m tools.first_names [--check]   (--check: exit 1 if the committed file is stale)
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from chalicelib.rules.persons import FIRST_NAMES_FILE, fold_name

LOCALES = (
    "fr_FR", "fr_BE", "fr_CH", "fr_CA", "fr_QC", "fr_DZ",
    "pt_PT", "es_ES", "it_IT", "pl_PL", "ro_RO", "tr_TR", "en_GB",
)  # fmt: skip
_ATTRIBUTES = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")


def build() -> list[str]:
    found: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in _ATTRIBUTES:
            names = getattr(provider, attribute, None) or ()
            found.update(fold_name(name) for name in names)
    return sorted(name for name in found if len(name) >= 3 and name.replace("-", "").isalpha() and name.isascii())


def main(argv: list[str]) -> int:
    content = "\n".join(build()) + "\n"
    if "--check" in argv:
        stale = not FIRST_NAMES_FILE.exists() or FIRST_NAMES_FILE.read_text() != content
        print(f"{FIRST_NAMES_FILE}: {'stale' if stale else 'up to date'}")
        return 1 if stale else 0
    Path(FIRST_NAMES_FILE).write_text(content)
    print(f"written: {FIRST_NAMES_FILE} ({content.count(chr(10))} names, {len(content)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
