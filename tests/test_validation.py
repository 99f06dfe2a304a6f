import pytest
from pydantic import Field

from chalicelib.errors import AppError
from chalicelib.validation import MAX_BODY_BYTES, MAX_JSON_DEPTH, Body, json_depth, parse


class Sample(Body):
    name: str = Field(min_length=1, max_length=5)
    count: int
    flag: bool = False


def errors_of(raw: bytes | None) -> AppError:
    with pytest.raises(AppError) as raised:
        parse(Sample, raw)
    return raised.value


def test_a_valid_body_is_parsed_and_trimmed() -> None:
    assert parse(Sample, b'{"name": " abc ", "count": 2}') == Sample(name="abc", count=2)


def test_each_bad_field_is_listed_in_french() -> None:
    error = errors_of(b'{"name": "toolongname", "count": "x", "other": 1}')
    assert error.status == 400
    assert {e["field"] for e in error.errors or []} == {"name", "count", "other"}
    messages = {e["field"]: e["message"] for e in error.errors or []}
    assert messages["other"] == "Ce champ n'est pas attendu."
    assert messages["name"] == "Ce champ dépasse 5 caractères."
    assert messages["count"] == "Un nombre entier est attendu."


def test_missing_fields_are_named() -> None:
    error = errors_of(b"{}")
    assert {"field": "name", "message": "Ce champ est obligatoire."} in (error.errors or [])


@pytest.mark.parametrize("raw", [b"", None, b"   ", b"{", b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_bodies_that_are_not_an_object_are_a_400(raw: bytes | None) -> None:
    assert errors_of(raw).status == 400


def test_oversized_bodies_are_refused() -> None:
    assert errors_of(b" " * (MAX_BODY_BYTES + 1)).status == 413


@pytest.mark.parametrize(
    ("raw", "field"), [(b'{"name": "a", "count": 1, "flag": 0}', "flag"), (b'{"name": "a", "count": "1"}', "count")]
)
def test_values_are_taken_strictly_as_their_json_type(raw: bytes, field: str) -> None:
    assert [e["field"] for e in errors_of(raw).errors or []] == [field]


class Listing(Body):
    names: list[str] = Field(default_factory=list, max_length=3)


def test_a_list_too_long_says_how_many_items_are_allowed() -> None:
    with pytest.raises(AppError) as raised:
        parse(Listing, b'{"names": ["a", "b", "c", "d"]}')
    assert raised.value.errors == [{"field": "names", "message": "Cette liste compte au plus 3 éléments."}]


# --- Every way the body parser refuses a body: a French 400 (or 413), never an exception --------


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (None, "Le corps de la requête est vide : un objet JSON est attendu."),
        (b"", "Le corps de la requête est vide : un objet JSON est attendu."),
        (b" \n\t ", "Le corps de la requête est vide : un objet JSON est attendu."),
        (b"{oops", "Le corps de la requête n'est pas un JSON valide."),
        (b'{"name": "\xff\xfe"}', "Le corps de la requête n'est pas un JSON valide."),
        (b'{"name": "a", "count": NaN}', "Le corps de la requête n'est pas un JSON valide."),
        (b'{"name": "a", "count": -Infinity}', "Le corps de la requête n'est pas un JSON valide."),
        (b'{"name": "a", "count": 1e999}', "Le corps de la requête n'est pas un JSON valide."),
        (b'{"name": "a", "count": ' + b"9" * 5000 + b"}", "Le corps de la requête n'est pas un JSON valide."),
        (b"[" * 30_000, "Le document JSON est trop imbriqué : 32 niveaux au plus sont acceptés."),
        (b'{"a":' * 10_000, "Le document JSON est trop imbriqué : 32 niveaux au plus sont acceptés."),
        (b"[1, 2]", "Un objet JSON est attendu."),
        (b'"text"', "Un objet JSON est attendu."),
        (b"12", "Un objet JSON est attendu."),
        (b"null", "Un objet JSON est attendu."),
    ],
)
def test_every_refusal_of_the_parser_is_a_400_in_french(raw: bytes | None, detail: str) -> None:
    error = errors_of(raw)
    assert (error.status, error.detail) == (400, detail)


def test_an_oversized_body_is_a_413_in_french() -> None:
    error = errors_of(b'{"name": "' + b"a" * MAX_BODY_BYTES + b'"}')
    assert (error.status, error.detail) == (413, "Le corps de la requête dépasse 64 Ko.")


def nested(depth: int) -> bytes:
    return b'{"name": "a", "count": 1, "x": ' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


def test_the_depth_limit_counts_objects_and_arrays_and_is_checked_before_validation() -> None:
    assert json_depth(nested(MAX_JSON_DEPTH)) == MAX_JSON_DEPTH
    at_limit = errors_of(nested(MAX_JSON_DEPTH))  # reaches validation: the unknown field is named
    assert [e["field"] for e in at_limit.errors or []] == ["x"]
    beyond = errors_of(nested(MAX_JSON_DEPTH + 1))
    assert (beyond.code, beyond.errors) == ("malformed_json", None)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '[[[{{{\\"' * 20
    assert json_depth(b'{"name": "' + text.encode() + b'"}') == 1
    with pytest.raises(AppError) as raised:
        parse(Sample, b'{"name": "' + text.encode() + b'", "count": 1}')
    assert [e["field"] for e in raised.value.errors or []] == ["name"]  # too long, not too deep


def test_a_parser_recursion_error_is_still_a_400(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    def recursing(*args: object, **kwargs: object) -> None:
        raise RecursionError

    monkeypatch.setattr(json, "loads", recursing)
    assert errors_of(b'{"name": "a", "count": 1}').code == "malformed_json"


def test_huge_numbers_within_the_limits_reach_validation_as_numbers() -> None:
    digits = "123456789012345678901234567890"
    assert parse(Sample, b'{"name": "a", "count": ' + digits.encode() + b"}").count == int(digits)
    error = errors_of(b'{"name": "a", "count": 1.5e308}')
    assert [e["field"] for e in error.errors or []] == ["count"]
