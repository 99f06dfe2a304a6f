"""Request bodies: JSON decoding and pydantic validation, with one French message per bad field."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from chalicelib.errors import AppError

MAX_BODY_BYTES = 64 * 1024

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
        return f"Valeur non autorisée : valeurs possibles {ctx['expected']}."
    return _MESSAGES.get(kind, "Valeur invalide.")


def field_path(error: dict[str, Any]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "body"


def decode_json(raw: bytes | None) -> Any:
    """The JSON document of a request body, or a 400 in French."""
    if raw and len(raw) > MAX_BODY_BYTES:
        raise AppError("payload_too_large", f"Le corps de la requête dépasse {MAX_BODY_BYTES // 1024} Ko.")
    if not raw or not raw.strip():
        raise AppError("malformed_json", "Le corps de la requête est vide : un objet JSON est attendu.")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
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
