"""The breaking-change guard of the published contract (docs/openapi.json).

`compare(old, new)` lists what changed between two OpenAPI descriptions and classifies each change
for client teams (semantic versioning):
- **major**: a path, operation, parameter, response, field, enum value or component removed; a
  type changed; a field a client relies on made optional or nullable; a request narrowed (new
  required field or parameter, tighter bound, new pattern); an `operationId` or tag renamed (a
  generated client's method or package);
- **minor**: something added (path, operation, optional parameter or request field, response field,
  enum value, status, header); a request widened;
- **patch**: texts only (summary, description, examples).

`python -m tools.openapi_diff` prints the changes between the snapshot published on `main` and the
served description;
`--write` (what `make openapi` runs) also checks that `info.version` got the bump they need and
that docs/CHANGELOG-api.md has an entry for it, then writes the snapshot.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
SNAPSHOT = PROJECT_DIR / "docs" / "openapi.json"
CHANGELOG = PROJECT_DIR / "docs" / "CHANGELOG-api.md"
LEVELS = ("patch", "minor", "major")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
TEXT_KEYS = {"summary", "description", "title", "examples", "example", "x-displayName"}
# bound keyword -> True when a larger value accepts more
BOUNDS = {
    "maxLength": True,
    "maxItems": True,
    "maximum": True,
    "exclusiveMaximum": True,
    "minLength": False,
    "minItems": False,
    "minimum": False,
    "exclusiveMinimum": False,
}


@dataclass(frozen=True)
class Change:
    level: str  # patch, minor or major
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.level:5}  {self.where}: {self.what}"


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every difference between two descriptions, classified (see the module's docstring)."""
    return _Comparison(old, new).run()


def required_level(changes: list[Change]) -> str | None:
    """The bump the changes need (None: identical)."""
    return max((c.level for c in changes), key=LEVELS.index, default=None)


def next_version(version: str, level: str) -> str:
    major, minor, patch = (int(part) for part in version.split("."))
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def version_problem(old: dict[str, Any], new: dict[str, Any], changelog: str) -> str | None:
    """Why `new` cannot be published over `old` as it is (None: it can)."""
    changes = [c for c in compare(old, new) if c.where != "info.version"]
    level = required_level(changes)
    if level is None:
        return None
    old_version, new_version = old["info"]["version"], new["info"]["version"]
    needed = next_version(old_version, level)
    if _as_tuple(new_version) < _as_tuple(needed):
        return (
            f"this is a {level} change of the contract: set VERSION in chalicelib/openapi/__init__.py "
            f"to {needed} (now {new_version}) and describe it in docs/CHANGELOG-api.md"
        )
    if not re.search(rf"^## {re.escape(new_version)}\b", changelog, re.MULTILINE):
        return f"docs/CHANGELOG-api.md has no '## {new_version}' entry: say what changed for client teams"
    return None


def _as_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


class _Comparison:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []

    def run(self) -> list[Change]:
        if self.old.get("info", {}).get("version") != self.new.get("info", {}).get("version"):
            self.add("patch", "info.version", f"{self.old['info']['version']} → {self.new['info']['version']}")
        old_paths, new_paths = self.old.get("paths", {}), self.new.get("paths", {})
        for path in sorted(old_paths.keys() | new_paths.keys()):
            if path not in new_paths:
                self.add("major", path, "path removed")
            elif path not in old_paths:
                self.add("minor", path, "path added")
            else:
                self.path_item(path, old_paths[path], new_paths[path])
        for section in ("schemas", "responses", "securitySchemes"):
            old_names = set(self.old.get("components", {}).get(section, {}))
            new_names = set(self.new.get("components", {}).get(section, {}))
            for name in sorted(old_names - new_names):
                self.add("major", f"components.{section}.{name}", "removed (a generated model or name is gone)")
            for name in sorted(new_names - old_names):
                self.add("minor", f"components.{section}.{name}", "added")
        if _texts(self.old) != _texts(self.new) and not any(c.level != "patch" for c in self.changes):
            self.add("patch", "(texts)", "descriptions or summaries changed")
        return self.changes

    def add(self, level: str, where: str, what: str) -> None:
        self.changes.append(Change(level, where, what))

    # -- operations -----------------------------------------------------------------------------

    def path_item(self, path: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for method in METHODS:
            where = f"{method.upper()} {path}"
            if method in old and method not in new:
                self.add("major", where, "operation removed")
            elif method in new and method not in old:
                self.add("minor", where, "operation added")
            elif method in old:
                self.operation(where, old[method], new[method])

    def operation(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old.get("operationId") != new.get("operationId"):
            first = old.get("operationId") is None  # a generated method named at last, not renamed
            self.add(
                "minor" if first else "major", where, f"operationId {old.get('operationId')} → {new.get('operationId')}"
            )
        if old.get("tags") != new.get("tags"):
            self.add("major", where, f"tags {old.get('tags')} → {new.get('tags')} (a generated package)")
        if old.get("security") != new.get("security"):
            self.add("major", where, "security changed")
        self.parameters(where, old.get("parameters", []), new.get("parameters", []))
        old_body, new_body = old.get("requestBody"), new.get("requestBody")
        if old_body and not new_body:
            self.add("major", where, "request body removed")
        elif new_body and not old_body:
            self.add("major" if new_body.get("required") else "minor", where, "request body added")
        elif old_body and new_body:
            self.content(f"{where} body", old_body.get("content", {}), new_body.get("content", {}), request=True)
        old_answers, new_answers = old.get("responses", {}), new.get("responses", {})
        for status in sorted(old_answers.keys() | new_answers.keys()):
            here = f"{where} → {status}"
            if status not in new_answers:
                self.add("major", here, "response removed")
            elif status not in old_answers:
                self.add("minor", here, "response added")
            else:
                self.response(here, self.resolve(old_answers[status], self.old), new_answers[status])

    def parameters(self, where: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
        old_by = {(p["in"], p["name"]): p for p in (self.resolve(p, self.old) for p in old)}
        new_by = {(p["in"], p["name"]): p for p in (self.resolve(p, self.new) for p in new)}
        for key in sorted(old_by.keys() | new_by.keys()):
            here = f"{where} parameter {key[1]} ({key[0]})"
            if key not in new_by:
                self.add("major", here, "removed")
            elif key not in old_by:
                self.add("major" if new_by[key].get("required") else "minor", here, "added")
            else:
                if new_by[key].get("required") and not old_by[key].get("required"):
                    self.add("major", here, "now required")
                elif old_by[key].get("required") and not new_by[key].get("required"):
                    self.add("minor", here, "now optional")
                self.schema(here, old_by[key].get("schema", {}), new_by[key].get("schema", {}), request=True)

    def response(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        new = self.resolve(new, self.new)
        old_headers, new_headers = old.get("headers", {}), new.get("headers", {})
        for name in sorted(old_headers.keys() - new_headers.keys()):
            self.add("major", f"{where} header {name}", "removed")
        for name in sorted(new_headers.keys() - old_headers.keys()):
            self.add("minor", f"{where} header {name}", "added")
        self.content(where, old.get("content", {}), new.get("content", {}), request=False)

    def content(self, where: str, old: dict[str, Any], new: dict[str, Any], *, request: bool) -> None:
        for media in sorted(old.keys() | new.keys()):
            here = f"{where} {media}"
            if media not in new:
                self.add("major", here, "media type removed")
            elif media not in old:
                self.add("minor", here, "media type added")
            else:
                self.schema(here, old[media].get("schema", {}), new[media].get("schema", {}), request=request)

    # -- schemas --------------------------------------------------------------------------------

    def schema(self, where: str, old: Any, new: Any, *, request: bool, depth: int = 0) -> None:
        """`request`: the schema is what clients send (narrowing breaks them), else what they read
        (a field gone, made optional or nullable, or a wider value breaks them)."""
        if depth > 40 or not isinstance(old, dict) or not isinstance(new, dict):
            return
        old, new = self.resolve(old, self.old), self.resolve(new, self.new)
        old_core, old_null = _nullable(old)
        new_core, new_null = _nullable(new)
        if old_null != new_null:
            accepts_null_now = new_null
            breaking = accepts_null_now != request  # a reader gets null, or a sender may not send it
            self.add("major" if breaking else "minor", where, "may be null" if new_null else "no longer null")
        old, new = self.resolve(old_core, self.old), self.resolve(new_core, self.new)
        for keyword in ("type", "enum", "pattern", "format"):
            if old.get(keyword) == new.get(keyword):
                continue
            if old.get(keyword) is not None and new.get(keyword) is not None and keyword != "enum":
                self.add("major", where, f"{keyword} {old[keyword]} → {new[keyword]}")
                if keyword == "type":
                    return
            elif old.get(keyword) is None or new.get(keyword) is None:
                narrowed = old.get(keyword) is None  # a constraint appears: fewer values are valid
                self.add(
                    "major" if narrowed == request else "minor",
                    where,
                    f"{keyword} {'added' if narrowed else 'dropped'}",
                )
        self.enum(where, old, new)
        self.bounds(where, old, new, request=request)
        if old.get("const") != new.get("const"):
            self.add("major", where, f"const {old.get('const')!r} → {new.get('const')!r}")
        self.properties(where, old, new, request=request, depth=depth)
        for keyword in ("items", "additionalProperties"):
            if isinstance(old.get(keyword), dict) and isinstance(new.get(keyword), dict):
                self.schema(f"{where}[]", old[keyword], new[keyword], request=request, depth=depth + 1)
            elif old.get(keyword) is False and new.get(keyword) is not False and keyword == "additionalProperties":
                self.add("minor" if request else "major", where, "accepts other fields")
            elif new.get(keyword) is False and old.get(keyword) is not False and keyword == "additionalProperties":
                self.add("major" if request else "minor", where, "refuses other fields")
        for keyword in ("anyOf", "oneOf", "allOf"):
            old_members, new_members = old.get(keyword, []), new.get(keyword, [])
            if len(old_members) != len(new_members):
                self.add("major", where, f"{keyword} changed")
            for index, (a, b) in enumerate(zip(old_members, new_members, strict=False)):
                self.schema(f"{where}<{keyword}{index}>", a, b, request=request, depth=depth + 1)

    def enum(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        old_values, new_values = old.get("enum"), new.get("enum")
        if old_values is None or new_values is None:
            return  # none, or one appeared or went: a constraint added or dropped (see `schema`)
        for value in old_values:
            if value not in new_values:
                self.add("major", where, f"enum value {value!r} removed")
        for value in new_values:
            if value not in old_values:
                self.add("minor", where, f"enum value {value!r} added")

    def bounds(self, where: str, old: dict[str, Any], new: dict[str, Any], *, request: bool) -> None:
        for keyword, larger_is_wider in BOUNDS.items():
            a, b = old.get(keyword), new.get(keyword)
            if a == b:
                continue
            wider = b is None if a is None or b is None else (b > a) == larger_is_wider
            breaking = (not wider) if request else wider  # a sender refused / a reader surprised
            self.add("major" if breaking else "minor", where, f"{keyword} {a} → {b}")

    def properties(self, where: str, old: dict[str, Any], new: dict[str, Any], *, request: bool, depth: int) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        for name in sorted(old_props.keys() | new_props.keys()):
            here = f"{where}.{name}"
            if name not in new_props:
                self.add("major", here, "field removed")
            elif name not in old_props:
                self.add("major" if request and name in new_required else "minor", here, "field added")
            else:
                was, now = name in old_required, name in new_required
                if was != now:
                    breaking = now if request else was  # a sender must now send it / a reader may miss it
                    self.add("major" if breaking else "minor", here, "now required" if now else "now optional")
                self.schema(here, old_props[name], new_props[name], request=request, depth=depth + 1)

    def resolve(self, node: Any, document: dict[str, Any]) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node


def _nullable(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(the schema without its null alternative, whether null is allowed)."""
    members = schema.get("anyOf")
    if isinstance(members, list) and {"type": "null"} in members:
        others = [m for m in members if m != {"type": "null"}]
        if len(others) == 1:
            return others[0], True
        return {**schema, "anyOf": others}, True
    kinds = schema.get("type")
    if isinstance(kinds, list) and "null" in kinds:
        rest = [k for k in kinds if k != "null"]
        return {**schema, "type": rest[0] if len(rest) == 1 else rest}, True
    if "enum" in schema and None in schema["enum"]:
        return {**schema, "enum": [v for v in schema["enum"] if v is not None]}, True
    return schema, False


def _texts(node: Any) -> Any:
    if isinstance(node, dict):
        texts = {k: v for k, v in node.items() if k in TEXT_KEYS}
        return texts, [_texts(v) for k, v in sorted(node.items()) if k not in TEXT_KEYS]
    if isinstance(node, list):
        return [_texts(v) for v in node]
    return None


def served() -> dict[str, Any]:
    from chalicelib.openapi import document

    return json.loads(json.dumps(document()))


def published() -> dict[str, Any] | None:
    """The snapshot as it is on branch `main` (what client teams have): a branch may rewrite its
    own unreleased version as often as it likes; without git or main, the file in the work tree."""
    try:
        shown = subprocess.run(
            ["git", "show", f"main:{SNAPSHOT.relative_to(PROJECT_DIR)}"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        document: dict[str, Any] = json.loads(shown)
        return document
    except (OSError, subprocess.CalledProcessError, ValueError):
        return json.loads(SNAPSHOT.read_text()) if SNAPSHOT.exists() else None


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="check the version bump, then write the snapshot")
    parser.add_argument("--old", type=Path, help="the published description (default: the snapshot on main)")
    args = parser.parse_args(argv)
    new = served()
    old = json.loads(args.old.read_text()) if args.old else published()
    if old is None:
        print("no published snapshot: writing the first one")
    else:
        changes = compare(old, new)
        for change in changes:
            print(change)
        print(f"bump needed: {required_level([c for c in changes if c.where != 'info.version']) or 'none'}")
        problem = version_problem(old, new, CHANGELOG.read_text() if CHANGELOG.exists() else "")
        if problem:
            print(f"openapi: {problem}", file=sys.stderr)
            return 1
    if args.write:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(render(new))
        print(f"wrote {SNAPSHOT.relative_to(PROJECT_DIR)} (version {new['info']['version']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
