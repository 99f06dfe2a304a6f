"""What a person types to find a commune, split into the name and the hints around it.

People add what they know to a commune's name, before or after it: a postal code (`toulon 83000`,
`83000 toulon`), a département number, in brackets or not (`rennes 35`, `montauban (82)`, `2A`), a
département, region or overseas territory name (`saint-quentin aisne`, `saint-paul réunion`), an
arrondissement in any written form (`3`, `3e`, `3ème`, `3e arr`, `IIIe`, `1er`, `3ème arrondissement`).
`parse` peels such hints off both ends of the folded query; what is left is the name. A number
may be read two ways (`lyon 3`: an arrondissement; `rennes 35`: a département): every reading is
kept, the search keeps the one the candidates agree with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from chalicelib import departements
from chalicelib.names import fold, fold_query

# Overseas collectivities (COM): their INSEE département codes, as communes.csv has them.
COLLECTIVITIES = {
    "975": "Saint-Pierre-et-Miquelon", "977": "Saint-Barthélemy", "978": "Saint-Martin",
    "984": "Terres australes et antarctiques françaises", "986": "Wallis-et-Futuna", "987": "Polynésie française",
    "988": "Nouvelle-Calédonie", "989": "Clipperton",
}  # fmt: skip

# Regions, current and former (people still write « Picardie »), and common names of territories.
REGIONS: dict[str, tuple[str, ...]] = {
    "Auvergne-Rhône-Alpes": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "Bourgogne-Franche-Comté": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "Bretagne": ("22", "29", "35", "56"),
    "Centre-Val de Loire": ("18", "28", "36", "37", "41", "45"),
    "Centre": ("18", "28", "36", "37", "41", "45"),
    "Corse": ("2A", "2B"),
    "Grand Est": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "Hauts-de-France": ("02", "59", "60", "62", "80"),
    "Île-de-France": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "IDF": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "Normandie": ("14", "27", "50", "61", "76"),
    "Nouvelle-Aquitaine": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "Occitanie": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "Pays de la Loire": ("44", "49", "53", "72", "85"),
    "Provence-Alpes-Côte d'Azur": ("04", "05", "06", "13", "83", "84"),
    "PACA": ("04", "05", "06", "13", "83", "84"),
    "Provence": ("04", "05", "06", "13", "83", "84"),
    "Côte d'Azur": ("06", "83"),
    "Alsace": ("67", "68"),
    "Aquitaine": ("24", "33", "40", "47", "64"),
    "Auvergne": ("03", "15", "43", "63"),
    "Basse-Normandie": ("14", "50", "61"),
    "Haute-Normandie": ("27", "76"),
    "Bourgogne": ("21", "58", "71", "89"),
    "Champagne-Ardenne": ("08", "10", "51", "52"),
    "Champagne": ("08", "10", "51", "52"),
    "Franche-Comté": ("25", "39", "70", "90"),
    "Languedoc-Roussillon": ("11", "30", "34", "48", "66"),
    "Languedoc": ("11", "30", "34", "48"),
    "Roussillon": ("66",),
    "Limousin": ("19", "23", "87"),
    "Lorraine": ("54", "55", "57", "88"),
    "Midi-Pyrénées": ("09", "12", "31", "32", "46", "65", "81", "82"),
    "Nord-Pas-de-Calais": ("59", "62"),
    "Picardie": ("02", "60", "80"),
    "Poitou-Charentes": ("16", "17", "79", "86"),
    "Rhône-Alpes": ("01", "07", "26", "38", "42", "69", "73", "74"),
    "Bretagne Sud": ("29", "56"),
    "Pays basque": ("64",),
    "Béarn": ("64",),
    "Antilles": ("971", "972"),
    "Île de la Réunion": ("974",),
    "Réunion": ("974",),
    "Guyane française": ("973",),
    "DOM": ("971", "972", "973", "974", "976"),
    "SPM": ("975",),
    "Saint-Barth": ("977",),
    "TAAF": ("984",),
    "Wallis": ("986",),
    "Futuna": ("986",),
    "Polynésie": ("987",),
    "Tahiti": ("987",),
    "Calédonie": ("988",),
}
# Words that only announce a hint: `dept 35`, `35 département`, `3e arr`, `cedex`, `france`.
_ANNOUNCE_DEPARTMENT = frozenset({"dept", "dep", "dpt", "departement", "departements"})
_ANNOUNCE_ARRONDISSEMENT = frozenset({"arr", "arrt", "arrdt", "ardt", "arrond", "arrondissement", "ar"})
_ANNOUNCING = _ANNOUNCE_DEPARTMENT | _ANNOUNCE_ARRONDISSEMENT | {"france", "cedex"}
_CONNECTORS = frozenset({"de", "du", "des", "d", "en", "a", "au", "aux", "dans", "l", "la", "le", "les", "sur"})
_SUFFIXES = frozenset({"e", "eme", "em", "er", "ere", "re", "ieme", "me"})
_ORDINAL = re.compile(r"(\d{1,2}|[ivx]{1,5})(e|eme|em|er|ere|re|ier|iere|ieme|me)")
_ROMAN = {"i": 1, "v": 5, "x": 10}
_CITIES = frozenset({"paris", "lyon", "marseille"})  # the communes with municipal arrondissements
_POSTAL = re.compile(r"\d{5}")
_POSTAL_START = re.compile(r"\d{3,4}")
_NUMBER = re.compile(r"\d{1,3}|2[ab]")
MAX_PHRASE = 6  # words of the longest area name (`provence alpes cote d azur`)


@dataclass(frozen=True)
class Hint:
    """One hint and its possible readings."""

    text: str  # as typed (folded), for the answer that says it was ignored
    departments: frozenset[str] = frozenset()  # a département number or name
    region: frozenset[str] = frozenset()  # a region or territory name
    postal_code: str | None = None  # 5 digits, or the first 3 or 4 of a postal code
    arrondissement: int | None = None
    worded: bool = False  # made of words that could also belong to a name


@dataclass(frozen=True)
class Query:
    name: str  # the name part, folded (abbreviations not yet expanded)
    hints: tuple[Hint, ...] = field(default_factory=tuple)
    whole: str = ""  # the folded query without its codes, when worded hints were peeled (it may be a name)


def parse(text: str) -> Query:
    """The name part and hints of a query (`Saint-Quentin (Aisne)` → `saint quentin` + Aisne).

    Codes are peeled off both ends first (no commune name holds a digit), then area names off the
    end while a name is left, then words that only announce a hint (`dept`, `arrondissement`).
    """
    words = _glue_ordinals(fold_query(text).split())
    hints: list[Hint] = []
    arrondissement_next = False  # the word before `arrondissement` is its number
    while len(words) > 1:
        if len(words) > 2 and words[-2] == "cedex" and words[-1].isdigit():  # `toulon cedex 9`
            words = words[:-2]
            continue
        announced = arrondissement_next or (len(words) > 2 and words[-2] in _ANNOUNCE_ARRONDISSEMENT)
        roman = announced or " ".join(words[:-1]) in _CITIES  # `paris xve`, not `condé-sur-vire`
        hint = _code_hint(words[-1], arrondissement_only=announced, roman=roman)
        arrondissement_next = False
        if hint is not None:
            hints.append(hint)
            words = words[:-1]
            continue
        hint = _code_hint(words[0], arrondissement_only=False)
        if hint is not None:
            hints.append(hint)
            words = words[1:]
            continue
        if words[0] in _ANNOUNCING:
            words = words[1:]
            continue
        area, size = _area_at_end(words)
        if area is not None:
            hints.append(area)
            words = words[:-size]
            while len(words) > 1 and words[-1] in _CONNECTORS:  # `saint-pierre de la réunion`
                words = words[:-1]
            continue
        if words[-1] in _ANNOUNCING:
            arrondissement_next = words[-1] in _ANNOUNCE_ARRONDISSEMENT
            words = words[:-1]
            continue
        break
    codes = {h.text for h in hints if not h.worded}  # `fontaines saint martin 69`: the name is before `69`
    whole = " ".join(w for w in _glue_ordinals(fold_query(text).split()) if w not in codes)
    whole = whole if any(h.worded for h in hints) else ""
    return Query(" ".join(words), tuple(hints), whole)


def _glue_ordinals(words: list[str]) -> list[str]:
    """`12 eme` → `12eme`."""
    glued: list[str] = []
    for word in words:
        if glued and word in _SUFFIXES and glued[-1].isdigit():
            glued[-1] += word
        else:
            glued.append(word)
    return glued


def _area_at_end(words: list[str]) -> tuple[Hint | None, int]:
    """The département, region or territory the last words name, and how many words (a name is left)."""
    for size in range(min(MAX_PHRASE, len(words) - 1), 0, -1):
        area = _areas().get(" ".join(words[-size:]))
        if area is not None:
            return area, size
    return None, 0


def _code_hint(word: str, *, arrondissement_only: bool, roman: bool = False) -> Hint | None:
    """A postal code, a département number (also an arrondissement when ≤ 20), an ordinal (in
    Roman numerals only if `roman`: `vire`, `vie` are rivers more often than the VIe)."""
    if _POSTAL.fullmatch(word) or (_POSTAL_START.fullmatch(word) and len(word) == 4):
        return Hint(word, postal_code=word)  # a postal code, or its start typed so far (`toulon 830`)
    ordinal = _ORDINAL.fullmatch(word)
    if ordinal and (roman or ordinal.group(1).isdigit()):
        number = _number(ordinal.group(1))
        return Hint(word, arrondissement=number) if number and number <= 20 else None
    if not _NUMBER.fullmatch(word):
        return None
    department = _department_code(word)
    number = int(word) if word.isdigit() else None
    arrondissement = number if number is not None and 1 <= number <= 20 else None
    if arrondissement_only:
        return Hint(word, arrondissement=arrondissement) if arrondissement else None
    if department is None and arrondissement is None:
        return Hint(word, postal_code=word) if _POSTAL_START.fullmatch(word) else None
    return Hint(word, departments=department or frozenset(), arrondissement=arrondissement)


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    values = [_ROMAN[c] for c in text]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    return total if 0 < total <= 20 else None


def _department_code(word: str) -> frozenset[str] | None:
    code = word.upper()
    if code == "20":
        return frozenset({"2A", "2B"})
    if len(code) == 1:
        code = "0" + code
    if code in departements.NAMES or code in COLLECTIVITIES:
        return frozenset({code})
    return None


@cache
def _areas() -> dict[str, Hint]:
    """Folded names of départements, collectivities, regions and territories → hint (also
    without their article: `reunion`, `la reunion`)."""
    areas: dict[str, Hint] = {}
    named = [(name, frozenset({code}), False) for code, name in {**departements.NAMES, **COLLECTIVITIES}.items()]
    named += [(name, frozenset(codes), True) for name, codes in REGIONS.items()]
    for name, codes, is_region in named:
        key = fold(name)
        variants = {key, key.split(" ", 1)[1] if key.startswith(("la ", "le ", "l ", "les ")) else key}
        for variant in variants:
            hint = Hint(variant, region=codes, worded=True) if is_region else Hint(variant, codes, worded=True)
            areas.setdefault(variant, hint)
    return areas
