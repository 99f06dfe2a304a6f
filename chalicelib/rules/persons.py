"""Finding a person's name in an alert: a known first name followed by a surname or an initial.

« Sébastien Roux », « un certain Mickaël D. », « KEVIN DURAND », « Marie-Claire Le Gall ». Not a
person: a first name inside a commune, street or brigade name (« Saint-Clément », « Pierre-Bénite »,
« rue Victor Hugo », « collège Jean Moulin », « brigade de Saint-Jean-de-Védas »), a car model
(« une Mercedes Vito »).

The first names (`first_names.txt`, about 6,000, folded) are built by `tools/first_names.py`; the
commune names come from the commune index (`brigades.directory()`), read only when a candidate is
found, so most texts never pay for it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path

from chalicelib.rules.text import Prepared

log = logging.getLogger(__name__)

FIRST_NAMES_FILE = Path(__file__).with_name("first_names.txt")


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words after which a capitalised name is a place: streets, buildings, units, areas.
PLACE_WORDS = _set(
    """rue rues avenue av bd boulevard chemin impasse allee allees place square quai cours route
    rond-point pont passage sentier voie lotissement residence cite quartier hameau lieu-dit
    parc jardin stade gymnase salle college lycee ecole groupe scolaire universite faculte hopital
    clinique centre espace mediatheque bibliotheque eglise chapelle gare port aeroport
    brigade gendarmerie commissariat caserne compagnie mairie zone za zi zac saint sainte st ste
    musee institut foyer ehpad"""
)
# Businesses: named after a person (« pharmacie Marc Vidal ») unless « de » stands between
# (« la pharmacie de Marc Vidal » is Marc Vidal's pharmacy: a person).
BUSINESS_WORDS = _set(
    """pharmacie cinema theatre camping hotel restaurant bar cafe boulangerie patisserie boucherie
    tabac magasin supermarche superette epicerie station garage cabinet salon boutique agence"""
)
# Small words that may stand between the place word and the name (« place du Général de Gaulle »).
_PARTICLES = _set(
    "de du des d la le les l general marechal president docteur dr abbe pere colonel commandant capitaine"
)
# Capitalised words that follow a first name without being a surname.
_NOT_SURNAMES = _set(
    """le la les l de du des d un une et ou a au aux en sur par pour avec sans chez dans vers ce cette
    ces son sa ses mon ma mes nous vous il elle ils elles on qui que quoi dont ne pas plus tres
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet
    aout septembre octobre novembre decembre gendarmerie police brigade mairie cambriolage cambriolages
    vol vols alerte attention rue avenue boulevard place route chemin est ouest nord sud"""
)
# Particles of surnames (« Le Gall », « de La Fontaine », « Ben Ali »).
_SURNAME_PARTICLES = _set("le la de du des da di van von ben el al mac mc")
# First names that are also car models or brands: a person only with an initial.
_VEHICLE_NAMES = _set("mercedes clio megane zoe alpine laguna kangoo fiesta corsa polo golf")

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?(?:-[^\W\d_]+)*")


@lru_cache(maxsize=8192)
def fold_name(name: str) -> str:
    """Lower case, no accents (« Mickaël » → « mickael »)."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def first_names() -> frozenset[str]:
    return frozenset(FIRST_NAMES_FILE.read_text().split())


@cache
def commune_keys() -> frozenset[str]:
    """The commune names as folded keys (« saint jean de vedas »); empty if the index is absent."""
    from chalicelib import brigades, names

    try:
        return frozenset(names.name_keys(brigades.directory().name))
    except OSError as exc:
        log.warning("commune index unavailable for the person rule: %s", type(exc).__name__)
        return frozenset()


def find_names(prepared: Prepared) -> Iterator[tuple[int, int]]:
    """Spans of « first name + surname or initial » in the text."""
    text = prepared.shown
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(text)]
    shouting = _mostly_capitals(text)
    known = first_names()
    covered = 0
    for index, (start, _, word) in enumerate(words):
        if start < covered:  # « Ben » in « Ines Ben Salah »
            continue
        if word[:2].lower() in ("d'", "l'") and len(word) > 3:  # « la pharmacie d'Anne Martin »
            start, word = start + 2, word[2:]
        if not word[0].isupper():
            continue
        parts = [fold_name(p) for p in word.split("-")]
        if not all(p in known for p in parts):
            continue
        if _after_place_word(words, index) or (start > 0 and text[start - 1] == "-"):
            continue
        following = _surname_or_initial(text, words, index, shouting, vehicle=parts[0] in _VEHICLE_NAMES)
        if following is None or _is_commune(text[start:following]):
            continue
        covered = following
        yield start, following


def _surname_or_initial(
    text: str, words: list[tuple[int, int, str]], index: int, shouting: bool, *, vehicle: bool
) -> int | None:
    """End of the surname or initial that follows word `index`, if one does."""
    if index + 1 >= len(words):
        return None
    end, (start, next_end, word) = words[index][1], words[index + 1]
    if text[end:start] != " ":
        return None
    if len(word) == 1 and word.isupper():  # an initial: « Mickaël D. », « Kevin D »
        after = text[next_end : next_end + 1]
        return next_end + 1 if after == "." else next_end
    if vehicle or not _capitalised(word, shouting):
        return None
    folded = fold_name(word)
    if folded in _SURNAME_PARTICLES and index + 2 < len(words):
        following = words[index + 2]
        if following[0] == next_end + 1 and _capitalised(following[2], shouting):
            return following[1]
        return None
    if folded in _NOT_SURNAMES or folded.split("-")[0] in PLACE_WORDS:
        return None
    if shouting and folded in first_names() and index + 2 < len(words):
        return None  # « JEAN PIERRE MARTIN »: read from the last name on
    return next_end


def _capitalised(word: str, shouting: bool) -> bool:
    if len(word) < 2 or not word[0].isupper():
        return False
    rest = word[1:].replace("-", "").replace("'", "")
    return rest.islower() or rest.isupper() or (not shouting and any(c.isupper() for c in rest))


def _after_place_word(words: list[tuple[int, int, str]], index: int) -> bool:
    between = ["d"] if words[index][2][:2].lower() == "d'" else []
    for back in range(index - 1, max(-1, index - 5), -1):
        folded = fold_name(words[back][2])
        head = folded.split("-")[0].split("'")[-1]
        if head in PLACE_WORDS or folded in PLACE_WORDS:
            return True
        if head in BUSINESS_WORDS:
            return not {"de", "d", "du"} & set(between)
        if head not in _PARTICLES and not words[back][2][0].isupper():
            return False
        between.append(head if words[back][2][0].islower() else folded.split("'")[0])
    return False


LONGEST_NAME = 60  # characters; the longest commune name has 45
_NAME_CHARS = re.compile(r"[^\W\d_]|['-]")
_BEFORE_A_PLACE = frozenset("à a au aux de d du sur vers près secteur commune entre et ou".split())  # noqa: SIM905
_ARTICLES = ("le ", "la ", "les ", "l'")


def in_commune_name(prepared: Prepared, start: int, end: int) -> bool:
    """Whether `shown[start:end]` is (part of) a commune's name written as a place: capitalised,
    and hyphenated (« Baigneux-les-Juifs »), after « à », « de », « secteur »… (« à Louches »), or
    before a colon or a comma (« Bouchon : … »). « Bouchon sur l'A9 » stays a traffic jam."""
    text = prepared.shown
    if not text[start : start + 1].isupper():
        return False
    first, last = start, end
    while first > max(0, start - LONGEST_NAME) and _NAME_CHARS.match(text[first - 1]):
        first -= 1
    while last < min(len(text), end + LONGEST_NAME) and _NAME_CHARS.match(text[last]):
        last += 1
    if last - first > LONGEST_NAME:
        return False
    name = text[first:last]
    if not name[:1].isupper():
        return False
    before = text[max(0, first - 12) : first].lower().replace("'", " ").split()
    if before[-1:] and before[-1] + " " in _ARTICLES:  # « Le Bouchon-sur-Saulx »
        name = f"{before[-1]} {name}"
        before = before[:-1]
    placed = (
        "-" in name
        or (before[-1:] and before[-1] in _BEFORE_A_PLACE)
        or text[last : last + 2].strip()[:1] in (":", ",", ".", ";", ")", "")
    )
    return bool(placed) and _is_commune(name)


def _is_commune(span: str) -> bool:
    from chalicelib import names

    key = names.fold(span)
    return key in commune_keys()


def _mostly_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)
