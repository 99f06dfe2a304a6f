"""The text the rules read: what an operator meant, whatever characters were typed.

`prepare(text)` turns the stored text (NFC, trimmed) into the form every rule matches against:
- invisible format characters (Unicode category Cf: soft hyphen, zero-width space, word joiner,
  BOM, bidi controls…) are removed, so « sus\u00adpect » reads « suspect »; the control-character
  rule refuses the text all the same (the ones that join an emoji sequence are kept and allowed);
- NFKC folds compatibility forms (full-width letters, ligatures ﬁ, superscripts);
- letters of another alphabet that look like Latin ones (Cyrillic « е », « о », Greek « Ο »…) are
  read as the Latin letter they imitate; the foreign-script rule refuses the text all the same;
- typographic apostrophes, dashes and spaces become their plain form; « œ », « æ » are spelt out.

Accents are KEPT: the rules' words carry their accents and an accented letter of a rule also
matches the bare letter (operators who type without accents), never the reverse, so « incendie »
does not match « incendié » and « repéré » does not match « repères ». `lower` has the same length
as `shown`, so a match in one quotes the same characters of the other.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property

import regex

# Cyrillic and Greek letters drawn like Latin ones (Unicode TR39 confusables, letters only).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "ë", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "ï", "ј": "j", "һ": "h",
        "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɑ": "a", "ɡ": "g", "ο": "o", "α": "a", "ν": "v",
        "ι": "i", "κ": "k", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ε": "e", "ϲ": "c",
        "А": "A", "В": "B", "Е": "E", "Ё": "Ë", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
        "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "Ï", "Ј": "J", "Һ": "H",
        "Ԁ": "D", "Ԛ": "Q", "Ԝ": "W", "Ӏ": "I", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H",
        "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    }
)  # fmt: skip
_PLAIN = str.maketrans(
    {
        "’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'", "′": "'",
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
        "«": '"', "»": '"', "“": '"', "”": '"', "„": '"',
        "œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE",
    }
)  # fmt: skip
_EMOJI_JOINERS = frozenset("\u200d")  # zero-width joiner inside an emoji sequence (👨‍👩‍👧)
_TAGS = range(0xE0020, 0xE0080)  # tag characters of subdivision flags (🏴 + tags)
_SPACES = re.compile(r"\s+")
_NOT_LATIN_LETTER = regex.compile(r"[^\P{L}\p{Latin}]")


def normalize_text(text: str) -> str:
    """The text as it will be stored and pushed: Unicode NFC, surrounding whitespace removed."""
    return unicodedata.normalize("NFC", text).strip()


def invisible_characters(text: str) -> list[str]:
    """Format characters (Cf) other than those that join an emoji sequence or a subdivision flag."""
    found = []
    for index, ch in enumerate(text):
        if unicodedata.category(ch) != "Cf":
            continue
        if ch in _EMOJI_JOINERS and 0 < index < len(text) - 1 and _pictographic(text[index - 1], text[index + 1]):
            continue
        if ord(ch) in _TAGS and index > 0 and (text[index - 1] == "🏴" or ord(text[index - 1]) in _TAGS):
            continue
        found.append(ch)
    return found


def foreign_letters(text: str) -> list[str]:
    """Letters of another alphabet than the Latin one (after NFKC), such as a Cyrillic « е »."""
    found: list[str] = _NOT_LATIN_LETTER.findall(unicodedata.normalize("NFKC", text))
    return found


@dataclass(frozen=True)
class Prepared:
    """`shown`: what the rules read, in its original case (excerpts are quoted from it);
    `lower`: the same, lower-cased, character for character."""

    shown: str

    @cached_property
    def lower(self) -> str:
        lowered = self.shown.lower()
        if len(lowered) == len(self.shown):
            return lowered
        return "".join(c if len(c.lower()) != 1 else c.lower() for c in self.shown)


def prepare(text: str) -> Prepared:
    text = "".join(ch for ch in normalize_text(text) if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKC", text).translate(_CONFUSABLES)
    text = unicodedata.normalize("NFC", text).translate(_PLAIN)
    return Prepared(_SPACES.sub(" ", text))


def _pictographic(before: str, after: str) -> bool:
    return not (before.isalnum() or after.isalnum()) and ord(before) > 0x2000 and ord(after) > 0x2000
