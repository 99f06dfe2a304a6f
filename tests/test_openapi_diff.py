"""The breaking-change guard: changes to the published description are classified for client teams."""

import copy
import json
from typing import Any

import pytest

from tools.openapi_diff import SNAPSHOT, compare, next_version, required_level, version_problem


@pytest.fixture
def published() -> dict[str, Any]:
    """The committed contract, as a fixture a test edits into a new version."""
    document: dict[str, Any] = json.loads(SNAPSHOT.read_text())
    return document


def edited(document: dict[str, Any], change: Any) -> dict[str, Any]:
    new = copy.deepcopy(document)
    change(new)
    return new


def schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


def levels(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    return {change.level for change in compare(old, new)}


def test_an_identical_description_needs_no_bump(published: dict[str, Any]) -> None:
    assert compare(published, copy.deepcopy(published)) == []
    assert version_problem(published, copy.deepcopy(published), "") is None


def test_a_removed_response_field_is_breaking_and_names_where_it_is_read(published: dict[str, Any]) -> None:
    new = edited(published, lambda d: schema(d, "Alert")["properties"].pop("offence_type"))
    changes = compare(published, new)
    assert required_level(changes) == "major"
    assert any(c.where.endswith("alert.offence_type") and c.what == "field removed" for c in changes)
    major = next_version(published["info"]["version"], "major")  # the snapshot's version moves on
    assert f"set VERSION in chalicelib/openapi/__init__.py to {major}" in str(version_problem(published, new, ""))


def test_an_added_response_field_is_a_minor_change(published: dict[str, Any]) -> None:
    def add(d: dict[str, Any]) -> None:
        schema(d, "Alert")["properties"]["zone"] = {"type": "string"}

    new = edited(published, add)
    assert levels(published, new) == {"minor"}
    minor = next_version(published["info"]["version"], "minor")  # the snapshot's version moves on
    changelog = f"## {minor}\n\n## 3.0.0\n"
    assert f"to {minor}" in str(version_problem(published, new, changelog))
    new["info"]["version"] = minor
    assert version_problem(published, new, changelog) is None
    assert f"no '## {minor}' entry" in str(version_problem(published, new, "## 2.0.0\n"))


def test_a_removed_path_operation_or_enum_value_is_breaking_their_addition_minor(published: dict[str, Any]) -> None:
    assert levels(published, edited(published, lambda d: d["paths"].pop("/feed"))) == {"major"}
    assert levels(published, edited(published, lambda d: d["paths"]["/feed"].pop("get"))) == {"major"}
    offence = ["components", "schemas", "Alert", "properties", "offence_type", "enum"]

    def remove_value(d: dict[str, Any]) -> None:
        _at(d, offence).remove("serie_cambriolages")

    def add_value(d: dict[str, Any]) -> None:
        _at(d, offence).append("vol_par_ruse")

    assert levels(published, edited(published, remove_value)) == {"major"}
    assert levels(published, edited(published, add_value)) == {"minor"}

    def add_path(d: dict[str, Any]) -> None:
        d["paths"]["/zones"] = copy.deepcopy(d["paths"]["/health"])
        d["paths"]["/zones"]["get"]["operationId"] = "listZones"

    assert levels(published, edited(published, add_path)) == {"minor"}


def test_requests_break_when_narrowed_answers_when_widened(published: dict[str, Any]) -> None:
    def tighter_limit(d: dict[str, Any]) -> None:
        (limit,) = (p for p in d["paths"]["/feed"]["get"]["parameters"] if p["name"] == "limit")
        limit["schema"]["maximum"] = 30

    def new_required_parameter(d: dict[str, Any]) -> None:
        d["paths"]["/feed"]["get"]["parameters"].append({"name": "lang", "in": "query", "required": True})

    def nullable_answer(d: dict[str, Any]) -> None:
        properties = schema(d, "Alert")["properties"]
        properties["text"] = {"anyOf": [properties["text"], {"type": "null"}]}

    def optional_answer_field(d: dict[str, Any]) -> None:
        schema(d, "Alert")["required"].remove("revision")

    def renamed_operation(d: dict[str, Any]) -> None:
        d["paths"]["/feed"]["get"]["operationId"] = "getFeed"

    for change in (tighter_limit, new_required_parameter, nullable_answer, optional_answer_field, renamed_operation):
        assert levels(published, edited(published, change)) == {"major"}, change.__name__

    def wider_limit(d: dict[str, Any]) -> None:
        (limit,) = (p for p in d["paths"]["/feed"]["get"]["parameters"] if p["name"] == "limit")
        limit["schema"]["maximum"] = 100

    assert levels(published, edited(published, wider_limit)) == {"minor"}


def test_texts_alone_are_a_patch(published: dict[str, Any]) -> None:
    def reword(d: dict[str, Any]) -> None:
        d["paths"]["/feed"]["get"]["summary"] = "Les actualités"

    assert levels(published, edited(published, reword)) == {"patch"}


def test_versions_bump_as_semantic_versioning_says() -> None:
    assert next_version("2.3.4", "major") == "3.0.0"
    assert next_version("2.3.4", "minor") == "2.4.0"
    assert next_version("2.3.4", "patch") == "2.3.5"


def _at(document: dict[str, Any], keys: list[str]) -> Any:
    node: Any = document
    for key in keys:
        node = node[key]
    return node
