"""Content rules for CORG alerts and the national feed: what may be announced, and what may not.

The rules themselves are ONE table a jurist can review, in `table.py` (id, French title and
explanation, what each rule looks for, its exceptions, refused and accepted examples). This module
applies them: `check_alert` (an operational alert, on send and in the console's live check),
`check_topic` (the off-topic rule alone, also for the national feed and prevention pushes),
`check_identifying`, and `redact` (to log a refused text without the personal data that made it
refused). Texts are read as `text.py` prepares them (invisible characters removed, look-alike
letters mapped, accents kept).

How length is counted: as a person counts, one character per user-perceived character (Unicode
extended grapheme cluster, UAX #29) of the text after Unicode NFC normalisation and trimming: "é"
typed as e + accent, a flag or an emoji with a skin tone each count as one.

Every pattern runs in time linear in the text (no nested unbounded repetition; the look-arounds
and windows are bounded): `make bench` times adversarial 2,000-character texts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import regex

from chalicelib.rules import persons
from chalicelib.rules.table import (
    ADVICE,
    BURGLARY,
    IDENTIFYING_RULES,
    MAX_LENGTH,
    OFFENCE,
    OFFENCE_TYPES,
    RULES,
    RULES_BY_ID,
    Pattern,
    Rule,
)
from chalicelib.rules.text import Prepared, foreign_letters, invisible_characters, normalize_text, prepare

__all__ = [
    "IDENTIFYING_RULES",
    "MAX_LENGTH",
    "OFFENCE_TYPES",
    "RULES",
    "RULES_BY_ID",
    "Finding",
    "Pattern",
    "Rule",
    "check_alert",
    "check_identifying",
    "check_topic",
    "length",
    "normalize_text",
    "redact",
]

SUBSTANCE_RULES = ("suspicion", "unconfirmed")
MASK = "[masqué]"

# What makes a text speak of an offence (exception OFFENCE): burglary, theft, break-in, a complaint.
_OFFENCE = re.compile(
    r"\b(?:cambriol\w*|effractions?|vols?|volée?s?|volé|dérob\w*|fractur\w*|forcée?s?|plaintes?|victimes?"
    r"|subtilis\w*|dépouill\w*|pillée?s?|visitée?s?)\b"
)
# What makes a text speak of burglary (exception BURGLARY).
_BURGLARY = re.compile(r"\b(?:cambriol\w*|effractions?|maisons?\s+visitées|logements?\s+visités)\b")
# Where a clause starts, and the words that may precede its imperative verb.
_CLAUSE_END = re.compile(r"[.;:!?,()]| - ")
_LEAD_WORDS = frozenset(("et", "mais", "alors", "donc", "surtout", "svp", "stp", "aussi", "puis", "enfin"))
_NOT_IMPERATIVE = frozenset(("chez", "assez", "nez", "rez", "lez", "avez"))
# Instructions in the infinitive, as short messages often give them (« Signaler tout… au 17 »).
_INSTRUCTIONS = frozenset(
    """signaler fermer verrouiller appeler composer prévenir contacter éviter vérifier surveiller demander
    installer allumer informer noter relever penser rester""".split()  # noqa: SIM905
)
_CONTROL = frozenset(("Cc", "Cs", "Zl", "Zp"))
_FIRST_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class Finding:
    """One broken rule: its id, the French explanation, and the offending fragment if there is one."""

    rule: str
    message: str
    excerpt: str | None = None

    def as_dict(self, *, with_excerpt: bool = True) -> dict[str, str]:
        shown = {"rule": self.rule, "message": self.message}
        if with_excerpt and self.excerpt is not None:
            shown["excerpt"] = self.excerpt
        return shown


# --- Checks ------------------------------------------------------------------------------------


def length(text: str) -> int:
    """Characters as a person counts them (grapheme clusters) in the normalised text."""
    return len(regex.findall(r"\X", normalize_text(text)))


def counted_text(text: str, maximum: int, message: str) -> str:
    """The text normalised if it counts 1 to `maximum` characters; else a ValueError whose message
    is `message` given `max` and `length` (a validator of the bodies that carry such a text)."""
    count = length(text)
    if not 1 <= count <= maximum:
        raise ValueError(message.format(max=maximum, length=count))
    return normalize_text(text)


def check_alert(*, text: str, offence_type: str | None, offence_established: bool | None) -> list[Finding]:
    """Every rule an operational alert breaks (empty list: it may be sent)."""
    text = normalize_text(text)
    prepared = prepare(text)
    findings = _check_form(text)
    if offence_type not in OFFENCE_TYPES:
        findings.append(_finding("offence_type"))
    if offence_established is not True:
        findings.append(_finding("offence_not_established"))
    for rule_id in (*SUBSTANCE_RULES, *IDENTIFYING_RULES, "origin", "off_topic"):
        findings += _check(RULES_BY_ID[rule_id], prepared)
    return findings


def check_topic(text: str) -> list[Finding]:
    """The off-topic rule alone (also applied to the national feed)."""
    return _check(RULES_BY_ID["off_topic"], prepare(text))


def check_identifying(text: str) -> list[Finding]:
    """Plates, phone numbers, e-mail addresses, links, named persons, precise addresses."""
    prepared = prepare(text)
    return [f for rule_id in IDENTIFYING_RULES for f in _check(RULES_BY_ID[rule_id], prepared)]


def redact(text: str) -> str:
    """The text (as the rules read it) with everything identifying masked, so that a refused
    attempt can be audited without keeping the personal data that made it refused."""
    prepared = prepare(text)
    spans = sorted(
        span
        for rule_id in IDENTIFYING_RULES
        for pattern in RULES_BY_ID[rule_id].patterns
        for span in _spans(pattern, prepared)
    )
    pieces, done = [], 0
    for start, end in spans:
        if end <= done:
            continue
        pieces += [prepared.shown[done : max(start, done)], MASK]
        done = end
    return "".join(pieces) + prepared.shown[done:]


def matches(rule: Rule, text: str) -> bool:
    """Whether `rule` finds something in `text` (the tests check every example of the table)."""
    if rule.id == "length":
        return not 1 <= length(text) <= MAX_LENGTH
    if rule.id in ("control_characters", "foreign_script"):
        return any(f.rule == rule.id for f in _check_form(normalize_text(text)))
    return bool(_check(rule, prepare(text)))


# --- Inside ------------------------------------------------------------------------------------


def _check_form(text: str) -> list[Finding]:
    findings: list[Finding] = []
    count = length(text)
    if not 1 <= count <= MAX_LENGTH:
        findings.append(_finding("length", length=count, max=MAX_LENGTH))
    if any(unicodedata.category(ch) in _CONTROL for ch in text) or invisible_characters(text):
        findings.append(_finding("control_characters"))
    if foreign_letters(text):
        findings.append(_finding("foreign_script"))
    return findings


def _check(rule: Rule, prepared: Prepared) -> list[Finding]:
    for pattern in rule.patterns:
        for start, end in _spans(pattern, prepared):
            return [_finding(rule.id, excerpt=prepared.quote(start, end))]
    return []


def _spans(pattern: Pattern, prepared: Prepared) -> Iterator[tuple[int, int]]:
    if pattern.finder is not None:
        yield from pattern.finder(prepared)
        return
    if OFFENCE in pattern.unless and _OFFENCE.search(prepared.lower):
        return
    if BURGLARY in pattern.unless and _BURGLARY.search(prepared.lower):
        return
    source = prepared.shown if pattern.capitals else prepared.lower
    for found in _compiled(pattern).finditer(source):
        if ADVICE in pattern.unless and _in_advice(prepared.lower, found.start()):
            continue
        if not pattern.capitals and persons.in_commune_name(prepared, *found.span()):
            continue  # « à Louches », « Baigneux-les-Juifs » are places
        yield found.span()


def _in_advice(lower: str, position: int) -> bool:
    """Whether `position` lies in a clause that gives an instruction: a verb in the imperative
    (« signalez… », « ne laissez… »), an instruction in the infinitive (« signaler tout… ») or
    « merci de… »: general advice, not the description of someone."""
    start = 0
    for boundary in _CLAUSE_END.finditer(lower, 0, position):
        start = boundary.end()
    words = [w for w in _FIRST_WORD.findall(lower, start, position + 40)[:4] if w not in _LEAD_WORDS]
    if not words:
        return False
    first = words[0]
    if first == "merci" and len(words) > 1 and (words[1] == "de" or words[1].startswith("d'")):
        return True
    return (
        first in ("ne", "n'")
        or first.startswith("n'")
        or (first.endswith("ez") and first not in _NOT_IMPERATIVE)
        or first in _INSTRUCTIONS
    )


def _finding(rule_id: str, *, excerpt: str | None = None, **values: int) -> Finding:
    rule = RULES_BY_ID[rule_id]
    return Finding(rule.id, rule.message.format(**values) if values else rule.message, excerpt)


@cache
def _compiled(pattern: Pattern) -> re.Pattern[str]:
    if pattern.words:
        return re.compile(_words_expression(pattern.words))
    return re.compile(_accent_tolerant(pattern.regex))


def _words_expression(entries: tuple[str, ...]) -> str:
    """One alternation of whole words or phrases, each word with an optional plural in -s or -x,
    spaces, apostrophes and hyphens interchangeable."""
    phrases = []
    for entry in sorted(entries, key=len, reverse=True):
        parts = re.split(r"[\s'\-]+", entry.lower())
        phrases.append(r"[\s'\-]?".join(_accent_tolerant(re.escape(part)) + "[sx]?" for part in parts))
    return r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)"


def _accent_tolerant(expression: str) -> str:
    """Each accented letter of `expression` also matches its bare letter (« é » → « [ée] »), so a text
    typed without accents is read, while an accent the rule does not have is never ignored."""
    out, in_class = [], False
    for index, ch in enumerate(expression):
        escaped = index > 0 and expression[index - 1] == "\\"
        if ch == "[" and not escaped:
            in_class = True
        elif ch == "]" and not escaped:
            in_class = False
        bare = unicodedata.normalize("NFD", ch)[0]
        in_range = in_class and "-" in (expression[index - 1], expression[index + 1 : index + 2])
        if bare == ch or not ch.isalpha() or in_range:
            out.append(ch)
        else:
            out.append(ch + bare if in_class else f"[{ch}{bare}]")
    return "".join(out)
