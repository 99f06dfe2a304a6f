"""Write the generated blocks of `infra/resources.yaml` from the code they must follow.

`python -m tools.infra_gen` rewrites, between `# BEGIN GENERATED <block>` and `# END GENERATED
<block>`: the DynamoDB tables (from `chalicelib.models.ALL_MODELS`: keys, indexes, projections,
TTL), the national and 101 département SNS topics and the Cognito groups (from
`chalicelib.departements`), and the platform-application function (from
`infra/platform_application.py`). `tests/test_infra.py` fails when a block is out of date, so a new
model or département reaches CloudFormation with the change that needs it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
TEMPLATE = PROJECT_DIR / "infra" / "resources.yaml"
FUNCTION_SOURCE = PROJECT_DIR / "infra" / "platform_application.py"
INDENT = "  "


def logical_id(*words: str) -> str:
    """`("current-alerts", "table")` → `CurrentAlertsTable` (CloudFormation ids are alphanumeric)."""
    parts = re.split(r"[^A-Za-z0-9]+", " ".join(words))
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def table_suffix(model: Any) -> str:
    """The table's name without the stage prefix (`subscriptions`)."""
    from chalicelib.config import get_settings

    prefix = f"{get_settings().prefix}-"
    name = str(model.Meta.table_name)
    if not name.startswith(prefix):
        raise ValueError(f"table {name} does not start with the stage prefix {prefix}")
    return name[len(prefix) :]


def ttl_attribute(model: Any) -> str | None:
    from pynamodb.attributes import TTLAttribute

    names = [name for name, attr in model.get_attributes().items() if isinstance(attr, TTLAttribute)]
    return names[0] if names else None


def resource(logical: str, kind: str, properties: list[str], attributes: tuple[str, ...] = ()) -> list[str]:
    """A resource's YAML lines; `properties` and `attributes` (DependsOn, DeletionPolicy...) are
    written relative to their own indentation."""
    return [
        f"{INDENT}{logical}:",
        f"{INDENT * 2}Type: {kind}",
        *(f"{INDENT * 2}{line}" for line in attributes),
        f"{INDENT * 2}Properties:",
        *(f"{INDENT * 3}{line}" if line else "" for line in properties),
    ]


def _keys(key_schema: list[dict[str, str]], pad: str = "") -> list[str]:
    lines = [f"{pad}KeySchema:"]
    for key in sorted(key_schema, key=lambda k: k["KeyType"] != "HASH"):
        lines += [f"{pad}  - AttributeName: {key['AttributeName']}", f"{pad}    KeyType: {key['KeyType']}"]
    return lines


def _projection(projection: dict[str, Any], pad: str) -> list[str]:
    lines = [f"{pad}Projection:", f"{pad}  ProjectionType: {projection['ProjectionType']}"]
    if projection.get("NonKeyAttributes"):
        lines.append(f"{pad}  NonKeyAttributes: [{', '.join(projection['NonKeyAttributes'])}]")
    return lines


def _indexes(schema: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for kind, key in (
        ("global_secondary_indexes", "GlobalSecondaryIndexes"),
        ("local_secondary_indexes", "LocalSecondaryIndexes"),
    ):
        indexes = sorted(schema.get(kind) or [], key=lambda i: i["index_name"])
        lines += [f"{key}:"] if indexes else []
        for index in indexes:
            lines.append(f"  - IndexName: {index['index_name']}")
            lines += _keys(index["key_schema"], "    ") + _projection(index["projection"], "    ")
    return lines


def table_block() -> list[str]:
    from chalicelib.models import ALL_MODELS

    lines: list[str] = []
    for model in ALL_MODELS:
        schema = model._get_schema()
        suffix = table_suffix(model)
        properties = [
            f'TableName: !Sub "${{ResourcePrefix}}-{suffix}"',
            "BillingMode: PAY_PER_REQUEST",
            "DeletionProtectionEnabled: true",
            "PointInTimeRecoverySpecification:",
            "  PointInTimeRecoveryEnabled: true",
            "SSESpecification:",
            "  SSEEnabled: true",
            "AttributeDefinitions:",
        ]
        for attribute in sorted(schema["attribute_definitions"], key=lambda a: a["AttributeName"]):
            properties += [
                f"  - AttributeName: {attribute['AttributeName']}",
                f"    AttributeType: {attribute['AttributeType']}",
            ]
        properties += _keys(schema["key_schema"]) + _indexes(schema)
        ttl = ttl_attribute(model)
        if ttl:
            properties += ["TimeToLiveSpecification:", f"  AttributeName: {ttl}", "  Enabled: true"]
        retained = ("DeletionPolicy: Retain", "UpdateReplacePolicy: Retain")
        lines += resource(logical_id(suffix, "table"), "AWS::DynamoDB::Table", properties, retained)
    return lines


def topic_block() -> list[str]:
    from chalicelib import departements

    lines: list[str] = []
    for code in (None, *departements.CODES):
        suffix = "national" if code is None else f"dept-{code}"
        label = "national" if code is None else f"{departements.NAMES[code]} ({code})"
        properties = [f'TopicName: !Sub "${{ResourcePrefix}}-{suffix}"', f'DisplayName: "Stop Cambriolages {label}"']
        lines += resource(logical_id("topic", suffix), "AWS::SNS::Topic", properties)
    return lines


def group_block() -> list[str]:
    from chalicelib import departements
    from chalicelib.auth import ADMIN, CORG_PREFIX, OPP

    groups = [(f"{CORG_PREFIX}{c.lower()}", f"CORG : {departements.NAMES[c]} ({c})") for c in departements.CODES]
    groups += [(OPP, "OPP du GGD34 : flux national et prévention"), (ADMIN, "Administrateurs")]
    lines: list[str] = []
    for name, description in groups:
        properties = ["UserPoolId: !Ref UserPool", f"GroupName: {name}", f'Description: "{description}"']
        lines += resource(logical_id("group", name), "AWS::Cognito::UserPoolGroup", properties)
    return lines


def function_block() -> list[str]:
    properties = [
        'FunctionName: !Sub "${ResourcePrefix}-platform-applications"',
        "Description: Creates the SNS platform applications from their Secrets Manager secrets",
        "Runtime: python3.12",
        "Handler: index.handler",
        "Timeout: 60",
        "Role: !GetAtt PlatformApplicationRole.Arn",
        "ReservedConcurrentExecutions: 1",
        "Code:",
        "  ZipFile: |",
        *[f"    {line}" if line else "" for line in FUNCTION_SOURCE.read_text().splitlines()],
    ]
    depends = ("DependsOn: PlatformApplicationLogGroup",)
    return resource("PlatformApplicationFunction", "AWS::Lambda::Function", properties, depends)


BLOCKS: dict[str, Callable[[], list[str]]] = {
    "tables": table_block,
    "topics": topic_block,
    "groups": group_block,
    "platform-application-function": function_block,
}


def render(text: str) -> str:
    """`text` with every generated block rewritten."""
    for name, build in BLOCKS.items():
        begin, end = f"{INDENT}# BEGIN GENERATED {name}", f"{INDENT}# END GENERATED {name}"
        pattern = re.compile(rf"^{re.escape(begin)}[^\n]*\n.*?^{re.escape(end)}$", re.DOTALL | re.MULTILINE)
        if len(pattern.findall(text)) != 1:
            raise ValueError(f"{TEMPLATE.name} must hold exactly one '{begin}' ... '{end}' block")
        body = "\n".join([f"{begin} (python -m tools.infra_gen)", *build(), end])
        text = pattern.sub(lambda _, body=body: body, text)
    return text


def main() -> int:
    current = TEMPLATE.read_text()
    rendered = render(current)
    if rendered != current:
        TEMPLATE.write_text(rendered)
        print(f"{TEMPLATE.relative_to(PROJECT_DIR)} updated")
    else:
        print(f"{TEMPLATE.relative_to(PROJECT_DIR)} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
