import pytest
from pydantic import Field

from chalicelib.errors import AppError
from chalicelib.validation import MAX_BODY_BYTES, Body, parse


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
