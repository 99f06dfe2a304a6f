"""The IAM actions the deployed code needs, read from its source, against each stage's policy.

    python -m tools.iam_actions    # every action with the lines that need it

What is read (app.py and chalicelib/, the code that runs on Lambda), without running it:
- boto3 calls on a client from `chalicelib.aws.client("<service>")`, whether called directly, held in
  a variable or returned by a helper; `get_paginator("<operation>")` counts as the operation. The
  operation's IAM name comes from botocore's service model (`sns:Publish`, `cognito-idp:...`).
- PynamoDB: class calls on a model or its indexes (`Model.get/query/scan/count/batch_get/
  batch_write`), instance calls (`save/update/delete/refresh`) on a model instance (built, fetched,
  iterated, annotated, or returned by an annotated helper), and `TransactWrite`/`TransactGet`
  operations, which IAM authorises as the item operations they contain.
- What Lambda itself does with the functions' role: write logs and, for every
  `@app.on_sqs_message`, poll the queue.

`tools.iam_policies` splits them per deployed function (what each can reach) and writes one policy
per function and stage; `tests/test_infra.py` fails when a policy file differs from it.
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEPLOYED = ("app.py", "chalicelib")

LAMBDA_LOGS = ("logs:CreateLogStream", "logs:PutLogEvents")
# Active tracing (`"xray": true` in .chalice/config.json): Lambda and the X-Ray SDK send segments.
LAMBDA_TRACING = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
# Services whose IAM prefix is not botocore's signing name.
IAM_PREFIXES = {"monitoring": "cloudwatch"}
SQS_EVENT_SOURCE = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# Batch APIs that IAM authorises under the single operation's name.
BATCH_ACTIONS = {
    "sqs:SendMessageBatch": "sqs:SendMessage",
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibilityBatch": "sqs:ChangeMessageVisibility",
    "sns:PublishBatch": "sns:Publish",
}
CLIENT_HELPERS = {"get_paginator", "get_waiter", "can_paginate", "close"}

MODEL_CLASS_OPS = {
    "get": "GetItem",
    "query": "Query",
    "scan": "Scan",
    "count": "Query",
    "batch_get": "BatchGetItem",
    "batch_write": "BatchWriteItem",
    "exists": "DescribeTable",
    "describe_table": "DescribeTable",
    "create_table": "CreateTable",
    "delete_table": "DeleteTable",
    "update_ttl": "UpdateTimeToLive",
}
INDEX_OPS = {"query": "Query", "scan": "Scan", "count": "Query"}
INSTANCE_OPS = {"save": "PutItem", "update": "UpdateItem", "delete": "DeleteItem", "refresh": "GetItem"}
TRANSACT_WRITE_OPS = {
    "save": "PutItem",
    "update": "UpdateItem",
    "delete": "DeleteItem",
    "condition_check": "ConditionCheckItem",
}
TRANSACT_GET_OPS = {"get": "GetItem"}
TRANSACTIONS = {"TransactWrite": "transact:write", "TransactGet": "transact:get"}
# Keyword arguments only PynamoDB's instance methods take: they identify an instance call on an
# expression whose type the scan cannot tell (a dict's update() takes none of them).
PYNAMODB_KEYWORDS = {"condition", "actions", "settings", "add_version_condition", "consistent_read"}


@dataclass(frozen=True)
class Located:
    """One AWS call: its IAM action, where it is, and for DynamoDB the model (table) it touches
    when the scan can tell, and whether it goes through an index."""

    action: str
    where: str
    model: str | None = None
    index: bool = False


class ScanError(ValueError):
    """Code the scan cannot read reliably: rewrite it (or teach the scan) rather than guess."""


@cache
def _models() -> dict[str, set[str]]:
    """Model class names → their index attribute names."""
    from pynamodb.indexes import Index

    from chalicelib.models import ALL_MODELS

    return {
        model.__name__: {name for name, value in vars(model).items() if isinstance(value, Index)}
        for model in ALL_MODELS
    }


@cache
def _operations(service: str) -> tuple[str, dict[str, str]]:
    """(IAM prefix, {boto3 method name: operation name}) of a service, from botocore's model."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    prefix = IAM_PREFIXES.get(model.signing_name, model.signing_name)
    return prefix, {xform_name(op): op for op in model.operation_names}


def iam_action(service: str, method: str) -> str:
    prefix, operations = _operations(service)
    if method not in operations:
        raise ScanError(f"{service} has no operation {method!r}")
    action = f"{prefix}:{operations[method]}"
    return BATCH_ACTIONS.get(action, action)


def _annotation_model(node: ast.expr | None) -> str | None:
    """The model an annotation names: `Subscription`, `Subscription | None`, `"Subscription"`."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        node = ast.parse(node.value, mode="eval").body
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} & set(_models())
    return names.pop() if len(names) == 1 else None


class _Module:
    """What one source file calls."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(), filename=str(path))
        self.imports_models = any(
            isinstance(n, ast.ImportFrom) and n.module in ("chalicelib.models", "pynamodb.models")
            for n in ast.walk(self.tree)
        )
        self.kinds: dict[str, str] = {}  # functions' result kinds, by function name
        functions = [n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for function in functions:
            model = _annotation_model(function.returns)
            if model:
                self.kinds[function.name] = f"model:{model}"
        for _ in range(2):  # helpers returning helpers' results
            for function in functions:
                returned = [
                    self._kind(r.value, {}) for r in ast.walk(function) if isinstance(r, ast.Return) and r.value
                ]
                if returned and returned[0] and all(k == returned[0] for k in returned):
                    self.kinds.setdefault(function.name, str(returned[0]))

    def _kind(self, node: ast.expr | None, scope: dict[str, str]) -> str | None:
        """What an expression is: `client:<service>`, `model:<Model>`, `transact:write|get`."""
        if isinstance(node, ast.Name):
            return scope.get(node.id)
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "client" and _is_name(func.value, "aws"):
            return f"client:{self._service(node)}"
        if isinstance(func, ast.Name):
            if func.id in _models():
                return f"model:{func.id}"
            if func.id in TRANSACTIONS:
                return TRANSACTIONS[func.id]
            return self.kinds.get(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in _models():
            return f"model:{func.value.id}" if func.attr == "get" else None
        return None

    def _service(self, call: ast.Call) -> str:
        if len(call.args) != 1 or not isinstance(call.args[0], ast.Constant):
            raise ScanError(f"{self._where(call)}: aws.client() needs a literal service name")
        return str(call.args[0].value)

    def _where(self, node: ast.AST) -> str:
        path = self.path.relative_to(PROJECT_DIR) if self.path.is_relative_to(PROJECT_DIR) else self.path
        return f"{path}:{getattr(node, 'lineno', 0)}"

    def _scopes(self) -> Iterator[tuple[ast.AST, dict[str, str]]]:
        """Each function (and the module) with the kinds of its local names."""
        bodies: list[ast.AST] = [self.tree]
        bodies += [n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        module_scope: dict[str, str] = {}
        for body in bodies:
            scope = dict(module_scope)
            if isinstance(body, ast.FunctionDef | ast.AsyncFunctionDef):
                for arg in [*body.args.posonlyargs, *body.args.args, *body.args.kwonlyargs]:
                    model = _annotation_model(arg.annotation)
                    if model:
                        scope[arg.arg] = f"model:{model}"
            for node in _own_nodes(body):
                self._bind(node, scope)
            if body is self.tree:
                module_scope = scope
            yield body, scope

    def _bind(self, node: ast.AST, scope: dict[str, str]) -> None:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            kind = self._kind(node.value, scope)
            if isinstance(node, ast.AnnAssign):
                kind = kind or (f"model:{m}" if (m := _annotation_model(node.annotation)) else None)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and kind:
                    scope[target.id] = kind
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                kind = self._kind(item.context_expr, scope)
                if isinstance(item.optional_vars, ast.Name) and kind:
                    scope[item.optional_vars.id] = kind
        elif isinstance(node, ast.For | ast.AsyncFor) and isinstance(node.target, ast.Name):
            model = self._iterated_model(node.iter)
            if model:
                scope[node.target.id] = f"model:{model}"

    def _iterated_model(self, node: ast.expr) -> str | None:
        """`Model.query(...)`, `Model.scan(...)`, `Model.batch_get(...)` yield model instances."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if (
                isinstance(owner, ast.Name)
                and owner.id in _models()
                and node.func.attr in ("query", "scan", "batch_get")
            ):
                return owner.id
        return None

    def actions(self) -> Iterator[tuple[str, str]]:
        """(IAM action, where) for every AWS call of the module."""
        for call in self.calls():
            yield call.action, call.where

    def calls(self) -> Iterator[Located]:
        for body, scope in self._scopes():
            for node in _own_nodes(body):
                if isinstance(node, ast.Call):
                    for action in self._call_actions(node, scope):
                        model, index = self._touched(node, scope) if action.startswith("dynamodb:") else (None, False)
                        yield Located(action, self._where(node), model, index)

    def _touched(self, call: ast.Call, scope: dict[str, str]) -> tuple[str | None, bool]:
        """The model (table) a DynamoDB call touches, and whether through one of its indexes."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None, False
        owner = func.value
        if isinstance(owner, ast.Name) and owner.id in _models():
            return owner.id, False
        if isinstance(owner, ast.Attribute) and _is_index(owner) and isinstance(owner.value, ast.Name):
            return owner.value.id, True
        kind = self._kind(owner, scope) or ""
        if kind.startswith("model:"):
            return kind.split(":", 1)[1], False
        if kind.startswith("transact:") and call.args:
            first = call.args[0]
            if isinstance(first, ast.Name) and first.id in _models():
                return first.id, False
            argument = self._kind(first, scope) or ""
            if argument.startswith("model:"):
                return argument.split(":", 1)[1], False
        return None, False

    def _call_actions(self, call: ast.Call, scope: dict[str, str]) -> Iterable[str]:
        func = call.func
        boto3_client = isinstance(func, ast.Attribute) and func.attr == "client" and _is_name(func.value, "boto3")
        if boto3_client and self.path.name != "aws.py":
            raise ScanError(f"{self._where(call)}: get clients from chalicelib.aws.client()")
        if not isinstance(func, ast.Attribute):
            return []
        method, owner = func.attr, func.value
        kind = self._kind(owner, scope) or ""
        if kind.startswith("client:"):
            service = kind.split(":", 1)[1]
            if method == "get_paginator":
                return [iam_action(service, self._literal(call))]
            return [] if method in CLIENT_HELPERS else [iam_action(service, method)]
        if kind.startswith("transact:"):
            ops = TRANSACT_WRITE_OPS if kind == "transact:write" else TRANSACT_GET_OPS
            return [f"dynamodb:{ops[method]}"] if method in ops else []
        if kind.startswith("model:"):
            return [f"dynamodb:{INSTANCE_OPS[method]}"] if method in INSTANCE_OPS else []
        if isinstance(owner, ast.Name) and owner.id in _models():
            return self._class_call(call, method)
        if isinstance(owner, ast.Attribute) and _is_index(owner) and method in INDEX_OPS:
            return [f"dynamodb:{INDEX_OPS[method]}"]
        if self.imports_models and method in INSTANCE_OPS and _looks_like_pynamodb(call):
            return [f"dynamodb:{INSTANCE_OPS[method]}"]
        return []

    def _class_call(self, call: ast.Call, method: str) -> list[str]:
        if method == "count" and not call.args and not call.keywords:
            return ["dynamodb:DescribeTable"]  # PynamoDB counts a whole table from its description
        return [f"dynamodb:{MODEL_CLASS_OPS[method]}"] if method in MODEL_CLASS_OPS else []

    def _literal(self, call: ast.Call) -> str:
        if not call.args or not isinstance(call.args[0], ast.Constant):
            raise ScanError(f"{self._where(call)}: get_paginator() needs a literal operation name")
        return str(call.args[0].value)


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_index(node: ast.Attribute) -> bool:
    """`Model.index_attribute`."""
    return isinstance(node.value, ast.Name) and node.attr in _models().get(node.value.id, set())


def _looks_like_pynamodb(call: ast.Call) -> bool:
    """An instance call the scan could not type: PynamoDB's if it passes only PynamoDB keywords
    (and, for update, its list of actions), or nothing at all for save/delete/refresh."""
    keywords = {k.arg for k in call.keywords}
    if not keywords <= PYNAMODB_KEYWORDS:
        return False
    positional_ok = not call.args or (len(call.args) == 1 and isinstance(call.args[0], ast.List))
    return positional_ok and (bool(keywords) or not call.args)


def _own_nodes(body: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function or module, not those of the functions nested in it."""
    stack = list(ast.iter_child_nodes(body))
    while stack:
        node = stack.pop(0)
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))


def _sqs_handlers(app_path: Path) -> list[str]:
    tree = ast.parse(app_path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                func = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(func, ast.Attribute) and func.attr == "on_sqs_message":
                    found.append(f"app.py:{node.lineno}")
    return found


def deployed_files(project: Path = PROJECT_DIR) -> list[Path]:
    files: list[Path] = []
    for name in DEPLOYED:
        path = project / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def actions_in(path: Path) -> list[tuple[str, str]]:
    """(IAM action, file:line) of every AWS call in one source file."""
    return list(_Module(path).actions())


def located_calls(path: Path) -> list[Located]:
    """Every AWS call of one source file, with the table it touches when known."""
    return list(_Module(path).calls())


def used_actions() -> dict[str, list[str]]:
    """IAM action → where the deployed code needs it."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in deployed_files():
        for action, where in actions_in(path):
            found[action].append(where)
    for action in LAMBDA_LOGS:
        found[action].append("Lambda: function logs")
    if _tracing_on():
        for action in LAMBDA_TRACING:
            found[action].append(".chalice/config.json: xray (active tracing)")
    for where in _sqs_handlers(PROJECT_DIR / "app.py"):
        for action in SQS_EVENT_SOURCE:
            found[action].append(f"{where} (Lambda polls the queue)")
    return dict(found)


def _tracing_on() -> bool:
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    return bool(config.get("xray")) or any(stage.get("xray") for stage in config["stages"].values())


def policy_actions(policy: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for statement in policy["Statement"]:
        if statement.get("Effect") == "Allow":
            value = statement["Action"]
            actions.update([value] if isinstance(value, str) else value)
    return actions


def stages() -> list[str]:
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    return sorted(name for name, stage in config["stages"].items() if stage.get("autogen_policy") is False)


def main() -> int:
    used = used_actions()
    for action in sorted(used):
        print(f"{action:40} {', '.join(sorted(set(used[action])))}")
    print("\nper function, and the policies' drift: python -m tools.iam_policies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
