"""The text the rules read: what an operator meant, whatever characters were typed.

`prepare(text)` turns the stored text (NFC, trimmed) into the form every rule matches against:
- invisible format characters (Unicode category Cf: soft hyphen, zero-width space, word joiner,
  BOM, bidi controls…) are removed, so « sus\u00adpect » reads « suspect »; the control-character
  rule refuses the text all the same (the ones that join an emoji sequence are kept and allowed);
- NFKC folds compatibility forms (full-width letters, ligatures ﬁ, superscripts);
- letters of another alphabet that look like Latin ones (Cyrillic « е », « о », Greek « Ο »…) are
  read as the Latin letter they imitate; the foreign-script rule refuses the text all the same;
- typographic apostrophes, dashes and spaces become their plain form; « œ », « æ » are spelt out;
- a word spelt out letter by letter (« s u s p e c t », « d.r.o.g.u.e ») is read as the word.

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
_PIECES = re.compile(r"[^\W\d_]+|.", re.DOTALL)
_SEPARATORS = frozenset(" .-_*/")
_MAYBE_SPELT_OUT = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_*/]){3}[^\W\d_]")
_SINGLE_WORDS = frozenset("àaAÀyY")  # single letters that are words of their own
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
    """`shown`: what the rules read, in its original case; `lower`: the same, lower-cased,
    character for character; `source`: the text as stored (NFC, trimmed), which `quote` cites."""

    shown: str
    source: str = ""

    @cached_property
    def lower(self) -> str:
        lowered = self.shown.lower()
        if len(lowered) == len(self.shown):
            return lowered
        return "".join(c if len(c.lower()) != 1 else c.lower() for c in self.shown)

    def quote(self, start: int, end: int) -> str:
        """The characters of `source` that `shown[start:end]` was read from, so the operator sees
        what was typed (« quelqu’un », « sus­pect »); `shown`'s if they cannot be told apart."""
        read, origin = self._origin
        if read != self.shown or not start < end <= len(origin):
            return self.shown[start:end]
        return self.source[origin[start] : origin[end - 1] + 1]

    @cached_property
    def _origin(self) -> tuple[str, list[int]]:
        """`shown` computed again character by character, with the index in `source` of each."""
        chars: list[str] = []
        origin: list[int] = []
        for index, ch in enumerate(self.source):
            if unicodedata.category(ch) == "Cf":
                continue
            read = unicodedata.normalize("NFC", unicodedata.normalize("NFKC", ch).translate(_CONFUSABLES))
            for c in read.translate(_PLAIN):
                if c.isspace():
                    if chars and chars[-1] == " ":
                        continue
                    c = " "
                chars.append(c)
                origin.append(index)
        text = "".join(chars)
        dropped = _spelt_out_separators(text)
        if dropped:
            kept = [i for i in range(len(text)) if i not in dropped]
            text, origin = "".join(text[i] for i in kept), [origin[i] for i in kept]
        return text, origin


def prepare(text: str) -> Prepared:
    source = normalize_text(text)
    text = "".join(ch for ch in source if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFKC", text).translate(_CONFUSABLES)
    text = unicodedata.normalize("NFC", text).translate(_PLAIN)
    text = _SPACES.sub(" ", text)
    dropped = _spelt_out_separators(text)
    if dropped:
        text = "".join(c for i, c in enumerate(text) if i not in dropped)
    return Prepared(text, source)


def _spelt_out_separators(text: str) -> set[int]:
    """Positions of the separators inside words spelt out letter by letter (« s u s p e c t »:
    four or more single letters, each followed by the same separator), found in one pass."""
    if not _MAYBE_SPELT_OUT.search(text):
        return set()
    pieces = [(found.start(), found.group(0)) for found in _PIECES.finditer(text)]
    dropped: set[int] = set()
    index = 0
    while index < len(pieces):
        end = index
        while (
            end + 2 < len(pieces)
            and len(pieces[end][1]) == 1
            and pieces[end][1].isalpha()
            and pieces[end + 1][1] in _SEPARATORS
            and pieces[end + 1][1] == pieces[index + 1][1]
            and len(pieces[end + 2][1]) == 1
            and pieces[end + 2][1].isalpha()
        ):
            end += 2
        if end > index and pieces[end][1] in _SINGLE_WORDS:  # « s u s p e c t à Agde »
            end -= 2
        if end - index >= 6:  # at least four letters
            dropped.update(position for position, _ in pieces[index + 1 : end : 2])
            index = end + 1
        else:
            index += 1
    return dropped


def _pictographic(before: str, after: str) -> bool:
    return not (before.isalnum() or after.isalnum()) and ord(before) > 0x2000 and ord(after) > 0x2000
