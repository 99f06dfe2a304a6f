"""Write the generated blocks of `infra/resources.yaml` from the code they must follow.

`python -m tools.infra_gen` rewrites, between `# BEGIN GENERATED <block>` and `# END GENERATED
<block>`: the DynamoDB tables (from `chalicelib.models.ALL_MODELS`: keys, indexes, projections,
TTL), the national and 101 département SNS topics and the Cognito groups (from
`chalicelib.departements`), and the platform-application function (from
`infra/platform_application.py`), and the operations dashboard (from `chalicelib.observability`'s
metric catalogue). `tests/test_infra.py` fails when a block is out of date, so a new model,
département or metric reaches CloudFormation with the change that needs it.
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


# --- The operations dashboard ------------------------------------------------------------------------

# The main routes whose p95 latency the dashboard shows (API Gateway's per-method metrics).
MAIN_ROUTES = (
    ("POST", "/corg/alerts"),
    ("GET", "/alerts/{department}"),
    ("GET", "/feed"),
    ("POST", "/subscriptions"),
    ("PUT", "/subscriptions/{subscription_id}"),
    ("GET", "/communes"),
    ("GET", "/brigades/nearest"),
    ("POST", "/auth/login"),
)
# Functions (logical ids of Chalice's template) whose throttles and errors the dashboard shows.
DASHBOARD_FUNCTIONS = ("APIHandler", "WebpushWorker", "RetryAlertDeliveries")
API_STAGE = "api"


def _ours(name: str, *dimensions: tuple[str, str], stat: str = "Sum", label: str | None = None) -> list[Any]:
    """A metric of the product for the stage (`service`), optionally per dimension value."""
    from chalicelib.observability import NAMESPACE, SERVICE_DIMENSION

    metric: list[Any] = [NAMESPACE, name, SERVICE_DIMENSION, "${ResourcePrefix}"]
    for key, value in dimensions:
        metric += [key, value]
    options: dict[str, Any] = {"stat": stat}
    if label:
        options["label"] = label
    return [*metric, options]


def _aws(namespace: str, name: str, *dimensions: str, stat: str = "Sum", label: str | None = None) -> list[Any]:
    options: dict[str, Any] = {"stat": stat}
    if label:
        options["label"] = label
    return [namespace, name, *dimensions, options]


def _widget(
    title: str, metrics: list[list[Any]], *, x: int, y: int, period: int = 300, **properties: Any
) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": "${AWS::Region}",
            "view": "timeSeries",
            "period": period,
            "metrics": metrics,
            **properties,
        },
    }


def dashboard_widgets() -> list[dict[str, Any]]:
    """The on-call's page: what was sent, what reached people, what failed, how fast, what waits."""
    from chalicelib.observability import METRICS

    api = ("ApiName", "${ResourcePrefix}", "Stage", API_STAGE)
    apps = {"iOS": "${ResourcePrefix}-ios", "Android": "${ResourcePrefix}-android"}
    widgets = [
        _widget(
            "Alertes et messages envoyés",
            [
                _ours(n)
                for n in ("AlertsSent", "AlertsRetracted", "AlertsRefused", "PreventionPushesSent", "RemindersSent")
            ],
            x=0,
            y=0,
        ),
        _widget(
            "Remises aux appareils",
            [_ours(n) for n in ("WebPushSent", "WebPushPruned")]
            + [
                _aws("AWS/SNS", "NumberOfNotificationsDelivered", "Application", app, label=f"{platform} remises")
                for platform, app in apps.items()
            ],
            x=12,
            y=0,
        ),
        _widget(
            "Échecs par canal",
            [_ours("HandoverFailures", ("Channel", c), label=f"passage {c} échoué") for c in ("sns", "web")]
            + [_ours(n) for n in ("WebPushFailed", "WebPushDeadLettered", "WebPushRedelivered")]
            + [
                _aws("AWS/SNS", "NumberOfNotificationsFailed", "Application", app, label=f"{platform} échecs")
                for platform, app in apps.items()
            ],
            x=0,
            y=6,
        ),
        _widget(
            "Délai de passage au canal (p50, p95)",
            [
                _ours("HandoverLatency", ("Channel", c), stat=s, label=f"{c} {s}")
                for c in ("sns", "web")
                for s in ("p50", "p95")
            ]
            + [_ours("WebPushBatchDuration", stat="p95", label="lot web push p95")],
            x=12,
            y=6,
        ),
        _widget(
            "File web push et lettres mortes",
            [
                _aws(
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    "${WebPushQueue.QueueName}",
                    stat="Maximum",
                    label="en attente",
                ),
                _aws(
                    "AWS/SQS",
                    "ApproximateAgeOfOldestMessage",
                    "QueueName",
                    "${WebPushQueue.QueueName}",
                    stat="Maximum",
                    label="âge du plus ancien (s)",
                ),
                _aws(
                    "AWS/SQS",
                    "ApproximateNumberOfMessagesVisible",
                    "QueueName",
                    "${WebPushDeadLetterQueue.QueueName}",
                    stat="Maximum",
                    label="lettres mortes",
                ),
            ],
            x=0,
            y=12,
            period=60,
        ),
        _widget(
            "API : requêtes, 4xx, 5xx",
            [_aws("AWS/ApiGateway", n, *api) for n in ("Count", "4XXError", "5XXError")],
            x=12,
            y=12,
            period=60,
        ),
        _widget(
            "Limitations (throttles)",
            [
                _aws("AWS/Lambda", "Throttles", "FunctionName", f"${{{f}}}", label=f"{f} throttles")
                for f in DASHBOARD_FUNCTIONS
            ]
            + [_ours("LoginThrottled"), _ours("LoginFailures")],
            x=0,
            y=18,
            period=60,
        ),
        _widget(
            "Latence p95 des routes principales (ms)",
            [
                _aws(
                    "AWS/ApiGateway",
                    "Latency",
                    *api,
                    "Method",
                    method,
                    "Resource",
                    route,
                    stat="p95",
                    label=f"{method} {route}",
                )
                for method, route in MAIN_ROUTES
            ],
            x=12,
            y=18,
        ),
        _widget(
            "Abonnements",
            [
                _ours(n, ("Platform", p), label=f"{n} {p}")
                for n in ("SubscriptionsCreated", "SubscriptionsRemoved", "SubscriptionsExpired")
                for p in ("ios", "android", "web")
            ],
            x=0,
            y=24,
            period=3600,
        ),
        _widget(
            "Workers web push",
            [
                _aws(
                    "AWS/Lambda",
                    "ConcurrentExecutions",
                    "FunctionName",
                    "${WebpushWorker}",
                    stat="Maximum",
                    label="workers simultanés",
                ),
                _aws("AWS/Lambda", "Duration", "FunctionName", "${WebpushWorker}", stat="p95", label="durée p95 (ms)"),
                _aws("AWS/Lambda", "Errors", "FunctionName", "${WebpushWorker}", label="erreurs"),
            ],
            x=12,
            y=24,
            period=60,
        ),
    ]
    ours = {m[1] for w in widgets for m in w["properties"]["metrics"] if m[0] == "StopCambriolages"}
    if ours - set(METRICS):
        raise ValueError(f"the dashboard names metrics the code does not write: {sorted(ours - set(METRICS))}")
    return widgets


def dashboard_block() -> list[str]:
    import json

    body = json.dumps({"widgets": dashboard_widgets()}, ensure_ascii=False, indent=2)
    properties = [
        'DashboardName: !Sub "${ResourcePrefix}-operations"',
        "DashboardBody: !Sub |",
        *[f"  {line}" for line in body.splitlines()],
    ]
    return resource("OperationsDashboard", "AWS::CloudWatch::Dashboard", properties)


BLOCKS: dict[str, Callable[[], list[str]]] = {
    "tables": table_block,
    "topics": topic_block,
    "groups": group_block,
    "platform-application-function": function_block,
    "dashboard": dashboard_block,
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
