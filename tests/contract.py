"""The OpenAPI description read strictly: every answer the functional suite receives through the
Chalice test client (`client` fixture) is checked against it, and unknown fields are refused.

The published description keeps answers open (a minor version may add fields, clients ignore what
they do not know); the strict view adds `additionalProperties: false` to every object that lists its
properties, so a field the server sends but the description does not name fails the test that made
the request. Validators are built once per run and per answer; checking one answer takes well under
a millisecond.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from datetime import date, datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit

JSON_MEDIA = ("application/json", "application/problem+json")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class ContractViolation(AssertionError):
    pass


def strict(node: Any) -> Any:
    """The same schemas, closed: an object with `properties` and no `additionalProperties` refuses
    other fields (objects declared as maps or explicitly open stay as they are)."""
    if isinstance(node, dict):
        closed = {key: strict(value) for key, value in node.items()}
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [strict(value) for value in node]
    return node


def _date_time(value: object) -> bool:
    if not isinstance(value, str) or not re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value
    ):
        return False
    datetime.fromisoformat(value)  # raises on 2026-13-45
    return True


def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


class Contract:
    def __init__(self, document: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator, FormatChecker
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.document = strict(copy.deepcopy(document))
        self.registry = Registry().with_resource(
            "urn:contract", Resource.from_contents(self.document, default_specification=DRAFT202012)
        )
        self.formats = FormatChecker(formats=())
        self.formats.checks("date-time", raises=ValueError)(_date_time)
        self.formats.checks("uri")(_uri)
        self.formats.checks("date", raises=ValueError)(lambda v: not isinstance(v, str) or bool(date.fromisoformat(v)))
        self.validator_class = Draft202012Validator
        self.routes = sorted(
            ((_template_regex(path), path) for path in self.document["paths"]),
            key=lambda route: route[1].count("{"),  # literal segments first: /brigades/nearest
        )
        self.checked: Counter[tuple[str, str, int]] = Counter()

    # -- one answer ---------------------------------------------------------------------------

    def verify(self, method: str, url: str, status: int, headers: dict[str, str], body: bytes) -> None:
        """Raise `ContractViolation` when this answer is not one the description allows."""
        path = urlsplit(url).path
        method = method.lower()
        template = next((template for regex, template in self.routes if regex.fullmatch(path)), None)
        where = f"{method.upper()} {path} → {status}"
        if template is None:  # not a route: the gateway's own answer (unknown path) is a problem
            self._body(where, "#/components/responses/E404", headers, body)
            return
        operations = self.document["paths"][template]
        if method not in operations:
            if status != 405 or not headers.get("Allow"):
                raise ContractViolation(f"{where}: an undescribed method must be a 405 with Allow")
            self._body(where, "#/components/responses/E405", headers, body)
            self.checked[(template, method, status)] += 1
            return
        responses = operations[method]["responses"]
        if str(status) in responses:
            pointer = f"#/paths/{_escape(template)}/{method}/responses/{status}"
        elif status == 500:  # no operation promises it, but an internal error is still a problem
            pointer = "#/components/responses/E500"
        else:
            raise ContractViolation(f"{where}: status not described (described: {', '.join(sorted(responses))})")
        self._body(where, pointer, headers, body)
        self.checked[(template, method, status)] += 1

    def _body(self, where: str, pointer: str, headers: dict[str, str], body: bytes) -> None:
        response = self._resolve(pointer)
        pointer = response.get("__pointer__", pointer)
        header = {name.lower(): value for name, value in headers.items()}
        for name, spec in response.get("headers", {}).items():
            if spec.get("required") and name.lower() not in header:
                raise ContractViolation(f"{where}: header {name} missing")
        content = response.get("content")
        media = header.get("content-type", "").split(";")[0].strip()
        if not content:
            if body or media:
                raise ContractViolation(f"{where}: described without a body, got {media or 'a body'}")
            return
        if media not in content:
            raise ContractViolation(f"{where}: Content-Type {media!r} not described ({', '.join(content)})")
        if media not in JSON_MEDIA:
            return  # a page, an asset, a PDF: its type is what can be checked
        try:
            answer = json.loads(body)
        except ValueError:
            raise ContractViolation(f"{where}: {media} body is not JSON") from None
        from jsonschema.exceptions import best_match

        found = self._validator(f"{pointer}/content/{_escape(media)}/schema").iter_errors(answer)
        errors = [best_match([error]) for error in found]  # the cause inside an anyOf (nullable)
        if errors:
            shown = "\n".join(
                f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors[:8]
            )
            raise ContractViolation(f"{where}: the answer does not match the description:\n{shown}")

    def _resolve(self, pointer: str) -> dict[str, Any]:
        node: Any = self.document
        for part in pointer.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        if "$ref" in node:
            return {**self._resolve(node["$ref"]), "__pointer__": node["$ref"]}
        return dict(node)

    @cache  # noqa: B019 (one Contract per run)
    def _validator(self, pointer: str) -> Any:
        return self.validator_class(
            {"$ref": f"urn:contract{pointer}"}, registry=self.registry, format_checker=self.formats
        )


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


@cache
def contract() -> Contract:
    from chalicelib.openapi import document

    return Contract(json.loads(json.dumps(document())))


def checked_client(test_client: Any) -> Any:
    """Make every request of Chalice's test client verify its answer against the contract."""
    http = test_client.http
    send = http.request

    def request(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> Any:
        response = send(method, path, headers=headers, body=body)
        raw = response.body if isinstance(response.body, bytes) else str(response.body or "").encode()
        contract().verify(method, path, response.status_code, dict(response.headers), raw)
        return response

    http.request = request
    return test_client
