"""Request bodies: JSON decoding and pydantic validation, with one French message per bad field."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.errors import AppError

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32  # arrays and objects nested in one another; no request body needs more than 4

Model = TypeVar("Model", bound=BaseModel)


class Body(BaseModel):
    """Base of every request body: unknown fields are refused, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# C0/C1 controls except tab and newline, the Unicode line/paragraph separators and the bidi
# controls (they can make a text read differently from what is stored).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: object, *, multiline: bool = False) -> object:
    """A 'before' validator for free text: Unicode NFC (so lengths count what people see), CRLF as
    LF, no control characters, and no line break at all unless `multiline`. Non-strings pass
    through for pydantic to refuse with its own message."""
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n"))
    if _CONTROL.search(text) or (not multiline and ("\n" in text or "\t" in text)):
        allowed = "caractères de contrôle" if multiline else "retours à la ligne ni caractères de contrôle"
        raise ValueError(f"Ce champ ne doit pas contenir de {allowed}.")
    return text


_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "extra_forbidden": "Ce champ n'est pas attendu.",
    "string_type": "Une chaîne de caractères est attendue.",
    "bool_type": "Une valeur vrai/faux (true ou false) est attendue.",
    "bool_parsing": "Une valeur vrai/faux (true ou false) est attendue.",
    "int_type": "Un nombre entier est attendu.",
    "int_parsing": "Un nombre entier est attendu.",
    "float_type": "Un nombre est attendu.",
    "dict_type": "Un objet JSON est attendu.",
    "model_type": "Un objet JSON est attendu.",
    "list_type": "Une liste est attendue.",
    "date_type": "Une date au format AAAA-MM-JJ est attendue.",
    "date_parsing": "Une date au format AAAA-MM-JJ est attendue.",
    "date_from_datetime_parsing": "Une date au format AAAA-MM-JJ est attendue.",
    "enum": "Valeur non autorisée.",
    "literal_error": "Valeur non autorisée.",
    "string_too_short": "Ce champ est trop court.",
    "string_too_long": "Ce champ est trop long.",
    "string_pattern_mismatch": "Le format de ce champ est invalide.",
}


def french_message(error: dict[str, Any]) -> str:
    """A French sentence for one pydantic error; custom validators carry their own French text."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "string_too_long" and "max_length" in ctx:
        return f"Ce champ dépasse {ctx['max_length']} caractères."
    if kind == "too_long" and "max_length" in ctx:
        return f"Cette liste compte au plus {ctx['max_length']} éléments."
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "Ce champ ne peut pas être vide."
    if kind in ("enum", "literal_error") and "expected" in ctx:
        return f"Valeur non autorisée : valeurs possibles {_french_choices(str(ctx['expected']))}."
    return _MESSAGES.get(kind, "Valeur invalide.")


def _french_choices(expected: str) -> str:
    """pydantic's `'a', 'b' or 'c'` as `« a », « b » ou « c »` (no English in a message)."""
    values = re.findall(r"'([^']*)'", expected) or [expected]
    quoted = [f"« {v} »" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " ou " + quoted[-1]


def field_path(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "body"


# A JSON string (escapes included) or one bracket: what `json_depth` walks, strings skipped whole.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth(raw: bytes, *, stop_above: int | None = None) -> int:
    """How deeply arrays and objects nest in `raw`, without recursion (brackets inside strings do
    not count), or a depth above `stop_above` as soon as one is seen. Python's parser, and
    pydantic's, recurse: 30,000 `[` would raise RecursionError."""
    depth = deepest = 0
    for token in _JSON_TOKEN.finditer(raw):
        first = token.group()[:1]
        if first in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                break
        elif first in (b"]", b"}"):
            depth -= 1
    return deepest


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(raw: bytes | None) -> Any:
    """The JSON document of a request body, or a 400 in French: never an exception of the parser
    (too deep, a number too large, `NaN`/`Infinity`, bytes that are not UTF-8)."""
    if raw and len(raw) > MAX_BODY_BYTES:
        raise AppError("payload_too_large", f"Le corps de la requête dépasse {MAX_BODY_BYTES // 1024} Ko.")
    if not raw or not raw.strip():
        raise AppError("malformed_json", "Le corps de la requête est vide : un objet JSON est attendu.")
    if json_depth(raw, stop_above=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise AppError(
            "malformed_json", f"Le document JSON est trop imbriqué : {MAX_JSON_DEPTH} niveaux au plus sont acceptés."
        )
    try:
        return json.loads(raw, parse_float=_finite, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise AppError("malformed_json") from None


def parse(model: type[Model], raw: bytes | None) -> Model:
    """Validate a JSON body against `model`; every bad field is listed in the 400."""
    document = decode_json(raw)
    if not isinstance(document, dict):
        raise AppError(
            "validation_error",
            "Un objet JSON est attendu.",
            errors=[{"field": "body", "message": "Un objet JSON est attendu."}],
        )
    return validate(model, document)


def validate(model: type[Model], document: dict[str, Any]) -> Model:
    """Strict JSON validation: `true` is a boolean, `0` or `"yes"` are not (as the OpenAPI
    description says); JSON strings still make dates."""
    try:
        return model.model_validate_json(json.dumps(document), strict=True)
    except ValidationError as exc:
        errors = [
            {"field": field_path(e), "message": french_message(e)}  # type: ignore[arg-type]
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise AppError("validation_error", errors=errors) from None
