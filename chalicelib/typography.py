"""French typography, applied once to every text the app writes (CONTENT.md, « Writing in French »).

- a narrow no-break space (U+202F) before « ; : ! ? » and inside « guillemets »;
- a no-break space (U+00A0) inside number groups (« 0 892 705 705 », « 116 006 ») and between a
  number and its unit (« 12 mois », « 24 h/24 », « 160 caractères »), so they never break apart.

Only spaces change: a space already there becomes a no-break one; the guillemets, and « ; ! ? »
glued to a word and followed by a space, get theirs when it is missing. Nothing is added before
« : » where there was no space (« 14:30 », URLs, « tel:17 », « Accept: »), so codes, times and
links are left as they are. Applying it twice changes nothing.
PDF core fonts (Windows-1252) have no U+202F: `french(text, narrow=NBSP)` uses U+00A0 throughout.
"""

from __future__ import annotations

import re
from typing import Any

NNBSP = "\u202f"  # espace fine insécable
NBSP = "\u00a0"  # espace insécable
_SPACES = f"[ \t{NBSP}{NNBSP}]"

_BEFORE_PUNCTUATION = re.compile(rf"(?<!\s){_SPACES}+(?=[;:!?»])")
# « ; ! ? » glued to a word (« caractères; »), when a space or the end follows: never in links.
_GLUED_PUNCTUATION = re.compile(r"(?<=[\w)»])(?=[;!?]+(?:\s|$))")
_AFTER_OPENING = re.compile(rf"«{_SPACES}*")
_BEFORE_CLOSING = re.compile(rf"(?<!\s){_SPACES}*»")
# « 2 000 », « 116 006 », « 0 892 705 705 »; and French phone numbers in pairs, « 01 23 45 67 89 ».
_NUMBER_GROUPS = re.compile(rf"(?<![\d,.])\d{{1,3}}(?:{_SPACES}\d{{3}})+(?![\d])")
_PHONE_PAIRS = re.compile(rf"(?<!\d)0\d(?:{_SPACES}\d\d){{4}}(?!\d)")
UNITS = (
    "h",
    "min",
    "s",
    "j",
    "jour",
    "jours",
    "semaine",
    "semaines",
    "mois",
    "an",
    "ans",
    "heure",
    "heures",
    "minute",
    "minutes",
    "caractère",
    "caractères",
    "km",
    "m",
    "kg",
    "€",
    "%",
    "Mo",
    "Ko",
)
_NUMBER_UNIT = re.compile(rf"(\d){_SPACES}+(?=(?:{'|'.join(map(re.escape, UNITS))})(?![\w]))")
# Keys whose values are identifiers, links or numbers to dial, never prose.
NOT_PROSE = frozenset({"url", "href", "channel", "zone", "id", "code", "kind", "audience", "number_e164"})


def french(text: str, *, narrow: str = NNBSP) -> str:
    """`text` with French no-break spaces (see the module's docstring)."""
    text = _BEFORE_PUNCTUATION.sub(narrow, text)
    text = _GLUED_PUNCTUATION.sub(narrow, text)
    text = _AFTER_OPENING.sub("«" + narrow, text)
    text = _BEFORE_CLOSING.sub(narrow + "»", text)
    text = _PHONE_PAIRS.sub(_unbreakable, text)
    text = _NUMBER_GROUPS.sub(_unbreakable, text)
    return _NUMBER_UNIT.sub(lambda m: m.group(1) + NBSP, text)


def _unbreakable(match: re.Match[str]) -> str:
    return re.sub(_SPACES, NBSP, match.group(0))


def french_document(node: Any, *, narrow: str = NNBSP) -> Any:
    """Every prose string of a JSON document through `french`; links, ids and codes untouched."""
    if isinstance(node, str):
        return french(node, narrow=narrow)
    if isinstance(node, list):
        return [french_document(item, narrow=narrow) for item in node]
    if isinstance(node, dict):
        return {k: v if k in NOT_PROSE else french_document(v, narrow=narrow) for k, v in node.items()}
    return node


def problems(text: str) -> list[str]:
    """What a served text gets wrong, for the tests that scan every text: a breakable space before
    « ; : ! ? » or inside « », or inside a number group or before a unit."""
    found = []
    if re.search(r"(?<!\s) +[;:!?]", text):
        found.append("espace sécable avant ; : ! ?")
    if re.search(r"(?<=[\w)»])[;!?]+(?:\s|$)", text):
        found.append("point-virgule, point d'exclamation ou d'interrogation sans espace avant")
    if re.search(r"« | »", text):
        found.append("espace sécable dans les guillemets")
    if re.search(r"«[^\s\u00a0\u202f]|[^\s\u00a0\u202f]»", text):
        found.append("guillemets sans espace")
    if re.search(r"(?<![\d,.])\d{1,3}(?:[\d\u00a0\u202f]*) \d{3}(?!\d)|(?<!\d)0\d(?:[ \u00a0]\d\d)*? \d\d", text):
        found.append("groupe de chiffres sécable")
    if re.search(rf"\d +(?:{'|'.join(map(re.escape, UNITS))})(?![\w])", text):
        found.append("espace sécable entre un nombre et son unité")
    return found


def plain(text: str) -> str:
    """`text` with its no-break spaces as plain ones: to compare or search a text by its words."""
    return text.replace(NNBSP, " ").replace(NBSP, " ")


# --- The web apps' files: text nodes and attributes of HTML, string literals of JavaScript ------------

_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_TEXT_ATTRIBUTE = re.compile(r'(\s(?:aria-label|aria-description|placeholder|title|alt|content)=")([^"]*)(")')
_REGEX_PRECEDERS = set("(,=:[!&|?{};+-*%<>~^") | {""}


def french_html(markup: str) -> str:
    """French typography on an HTML page's text and its readable attributes (never its tags)."""
    return "".join(
        _TEXT_ATTRIBUTE.sub(lambda a: a.group(1) + french(a.group(2)) + a.group(3), piece)
        if is_markup
        else french(piece)
        for piece, is_markup in html_pieces(markup)
    )


def html_pieces(markup: str) -> list[tuple[str, bool]]:
    """The page cut into (text, False) and (tag or comment, True) pieces, in order."""
    pieces, position = [], 0
    for match in _TAG.finditer(markup):
        pieces += [(markup[position : match.start()], False), (match.group(0), True)]
        position = match.end()
    return [*pieces, (markup[position:], False)]


def french_js(source: str) -> str:
    """French typography inside a script's string literals (and the literal parts of templates)."""
    return "".join(french(piece) if is_text else piece for piece, is_text in js_pieces(source))


def js_pieces(source: str) -> list[tuple[str, bool]]:
    """The script cut into (code, False) and (string-literal text, True) pieces, in order: enough
    of a JavaScript lexer to tell strings from comments, regular expressions and code."""
    pieces: list[tuple[str, bool]] = []
    code_start, i, n = 0, 0, len(source)
    braces: list[int] = []  # template nesting: depth of `{` inside each open `${`
    last = ""  # last significant code character, to tell a regex from a division

    def flush(end: int) -> None:
        if end > code_start:
            pieces.append((source[code_start:end], False))

    while i < n:
        char = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            i = source.find("*/", i + 2)
            i = n if i < 0 else i + 2
        elif char in "\"'" or (char == "`") or (char == "}" and braces and braces[-1] == 0):
            if char == "}":
                braces.pop()
                quote = "`"
            else:
                quote = char
            flush(i + 1)
            start = j = i + 1
            while j < n and source[j] != quote:
                if source[j] == "\\":
                    j += 2
                    continue
                if quote == "`" and source.startswith("${", j):
                    break
                j += 1
            pieces.append((source[start:j], True))
            if quote == "`" and source.startswith("${", j):
                braces.append(0)
                code_start, i = j, j + 2
            else:
                code_start, i = j, j + 1
            last = quote
            continue
        elif char == "/" and last in _REGEX_PRECEDERS:
            j, in_class = i + 1, False
            while j < n and (source[j] != "/" or in_class):
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            i, last = j + 1, "/"
        else:
            if char == "{" and braces:
                braces[-1] += 1
            elif char == "}" and braces:
                braces[-1] -= 1
            if not char.isspace():
                last = char if not (char.isalnum() or char in "_$") else "a"
            i += 1
    flush(n)
    return pieces
