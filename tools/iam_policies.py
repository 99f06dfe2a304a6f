"""One IAM policy per Lambda function, generated from the AWS calls that function can reach.

    python -m tools.iam_policies            # each function's actions with the lines that need them
    python -m tools.iam_policies --write    # (re)write .chalice/policy-<stage>-<function>.json

Each function Chalice deploys (the API, the web-push worker, each schedule) gets its own role
(`.chalice/config.json`, `lambda_functions.<name>.iam_policy_file`). What a role allows is read from
the code, without running it:
- entry points: the API is every route of `chalicelib/routes/` and the HTTP middleware; a schedule
  or queue handler is its function in `app.py`;
- a call graph over `app.py` and `chalicelib/` follows names to the functions and classes they
  denote (nested, module-level, imported, `module.attribute`, `self.method`), a method called on an
  object of unknown type to every method of that name, a string naming a module (`import_module`)
  to its import, and a reference to a module-level value to the module's top level. It
  over-approximates (a name reaches everything it may denote), never the reverse;
- the AWS calls of the reachable functions come from `tools.iam_actions` (boto3 clients, PynamoDB
  models and indexes, transactions), each with the table it touches when the model is known;
- resources: DynamoDB actions name exactly the tables (and indexes) they touch; SQS actions the
  queues whose setting the function's code names; `ssm:GetParameter` the VAPID key's parameter,
  only where `vapid_private_key` is read; SNS topic actions the stage's topics; `Resource: "*"`
  only for the actions IAM cannot limit (SNS platform endpoints, Cognito's `InitiateAuth`);
  logs: the function's own log group (`/aws/lambda/<stack>-<LogicalId>-*`).

`tests/test_infra.py` fails when a file differs from what this writes, and checks the policies
with moto's IAM policy evaluator against the calls each function makes, and must not make.
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tools import iam_actions
from tools.iam_actions import PROJECT_DIR, deployed_files

API = "api_handler"
POLLING = "Lambda polls the queue"
ROUTES = PROJECT_DIR / "chalicelib" / "routes"
HANDLER_DECORATORS = {"schedule", "on_sqs_message", "on_sns_message", "on_s3_event", "on_cw_event", "lambda_function"}
# Where Chalice's SAM output names each function (its logical id): CamelCase, "APIHandler" for the API.
LOGICAL_IDS = {API: "APIHandler"}
# Settings properties naming a resource: a function whose code reads one may act on that resource.
QUEUE_SETTINGS = {"webpush_queue_name": "webpush", "webpush_dead_letter_queue_name": "webpush-dlq"}
PARAMETER_SETTINGS = {"vapid_private_key": "vapid-private-key"}
TOPIC_ACTIONS = {"sns:Publish", "sns:Subscribe", "sns:Unsubscribe"}
UNSCOPED_ACTIONS = {
    "sns:CreatePlatformEndpoint",
    "sns:DeleteEndpoint",
    "sns:GetEndpointAttributes",
    "sns:ListEndpointsByPlatformApplication",
    "sns:SetEndpointAttributes",
    "cognito-idp:InitiateAuth",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}


def logical_id(function: str) -> str:
    return LOGICAL_IDS.get(function) or "".join(part.capitalize() for part in function.split("_"))


# --- The call graph ---------------------------------------------------------------------------------


@dataclass
class Node:
    """A function, a method or a module's top level (`name` is "<module>" for the latter)."""

    module: str
    name: str
    tree: ast.AST
    cls: str | None = None
    refs: set[str] = field(default_factory=set)  # keys of the nodes it may reach directly
    attributes: set[str] = field(default_factory=set)  # attribute names it reads (settings, methods)

    @property
    def key(self) -> str:
        return f"{self.module}:{self.name}"


def _module_name(path: Path) -> str:
    relative = path.relative_to(PROJECT_DIR).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class Graph:
    def __init__(self, files: list[Path]) -> None:
        self.nodes: dict[str, Node] = {}
        self.modules: dict[str, ast.Module] = {}
        self.paths: dict[str, Path] = {}
        self.methods: dict[str, set[str]] = defaultdict(set)  # method name → node keys
        self.classes: dict[str, set[str]] = defaultdict(set)  # "module:Class" → its methods' keys
        for path in files:
            module = _module_name(path)
            tree = ast.parse(path.read_text(), filename=str(path))
            self.modules[module], self.paths[module] = tree, path
            self.nodes[f"{module}:<module>"] = Node(module, "<module>", tree)
            self._collect(module, tree, prefix="", cls=None)
        for node in self.nodes.values():
            self._link(node)

    def _collect(self, module: str, parent: ast.AST, *, prefix: str, cls: str | None) -> None:
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                node = Node(module, name, child, cls=cls)
                self.nodes[node.key] = node
                if cls is not None and prefix == f"{cls}.":
                    self.methods[child.name].add(node.key)
                    self.classes[f"{module}:{cls}"].add(node.key)
                self._collect(module, child, prefix=f"{name}.", cls=cls)
            elif isinstance(child, ast.ClassDef):
                self._collect(module, child, prefix=f"{prefix}{child.name}.", cls=child.name)
            else:
                self._collect(module, child, prefix=prefix, cls=cls)

    # -- resolution --

    def _imports(self, node: Node) -> dict[str, str]:
        """The names `import`/`from … import` bind where `node` runs: the module's top level, then
        each enclosing function's own imports, then the node's (an inner import wins)."""
        found = _imports_in(self, self.modules[node.module], top=True)
        parts = node.name.split(".") if node.name != "<module>" else []
        for depth in range(1, len(parts) + 1):
            enclosing = self.nodes.get(f"{node.module}:{'.'.join(parts[:depth])}")
            if enclosing is not None:
                found.update(_imports_in(self, enclosing.tree, top=False))
        return found

    def _link(self, node: Node) -> None:
        imports = self._imports(node)
        local = self._local_definitions(node)
        for child in _body_nodes(node.tree, top=node.name == "<module>"):
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
                node.refs |= self._resolve_name(node, child.id, imports, local)
            elif isinstance(child, ast.Attribute):
                node.attributes.add(child.attr)
                node.refs |= self._resolve_attribute(node, child, imports)
            elif isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value in self.modules:
                node.refs.add(f"{child.value}:<module>")  # import_module("chalicelib.push.sns")
            elif isinstance(child, ast.ImportFrom | ast.Import):
                node.refs |= {target.split(":")[0] + ":<module>" for target in _import_targets(self, child).values()}
        node.refs.add(f"{node.module}:<module>")

    def _local_definitions(self, node: Node) -> dict[str, str]:
        """Functions defined in the enclosing functions of `node` (closures), innermost last."""
        found: dict[str, str] = {}
        parts = node.name.split(".")
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            for key in self.nodes:
                module, name = key.split(":", 1)
                if module == node.module and name.startswith(prefix + ".") and name.count(".") == depth:
                    found[name.rsplit(".", 1)[1]] = key
        return found

    def _resolve_name(self, node: Node, name: str, imports: dict[str, str], local: dict[str, str]) -> set[str]:
        if name in local:
            return {local[name]}
        key = f"{node.module}:{name}"
        if key in self.nodes:
            return {key}
        if key in self.classes:
            return self._constructors(key)
        if name in imports:
            return self._target(imports[name])
        return set()

    def _target(self, target: str) -> set[str]:
        if target.endswith(":<module>"):
            return {target}
        if target in self.nodes:
            return {target}
        if target in self.classes:
            return self._constructors(target)
        return {target.split(":")[0] + ":<module>"}  # a module-level value: its module's top level

    def _resolve_attribute(self, node: Node, attribute: ast.Attribute, imports: dict[str, str]) -> set[str]:
        owner, name = attribute.value, attribute.attr
        if isinstance(owner, ast.Name):
            denoted = imports.get(owner.id)
            if denoted and denoted.endswith(":<module>"):
                return self._target(f"{denoted.split(':')[0]}:{name}")
            if owner.id in ("self", "cls") and node.cls:
                key = f"{node.module}:{node.cls}.{name}"
                if key in self.nodes:
                    return {key}
        return set(self.methods.get(name, ()))  # an object of unknown type: every method of that name

    def _constructors(self, cls: str) -> set[str]:
        """What naming a class may run by itself: its special methods (`__init__`, `__enter__`…)
        and its module's top level; other methods are reached by the attribute names that call them."""
        special = {key for key in self.classes[cls] if key.rsplit(".", 1)[1].startswith("__")}
        return special | {cls.split(":")[0] + ":<module>"}

    # -- queries --

    def reachable(self, entries: set[str]) -> set[str]:
        seen: set[str] = set()
        stack = [e for e in entries if e in self.nodes]
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            stack.extend(r for r in self.nodes[key].refs if r in self.nodes and r not in seen)
        return seen


def _imports_in(graph: Graph, tree: ast.AST, *, top: bool) -> dict[str, str]:
    found: dict[str, str] = {}
    for child in _body_nodes(tree, top=top):
        if isinstance(child, ast.ImportFrom | ast.Import):
            found.update(_import_targets(graph, child))
    return found


def _import_targets(graph: Graph, statement: ast.ImportFrom | ast.Import) -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.name in graph.modules:
                found[alias.asname or alias.name] = f"{alias.name}:<module>"
        return found
    base = statement.module or ""
    for alias in statement.names:
        full = f"{base}.{alias.name}"
        if full in graph.modules:
            found[alias.asname or alias.name] = f"{full}:<module>"
        elif base in graph.modules:
            found[alias.asname or alias.name] = f"{base}:{alias.name}"
    return found


def _body_nodes(tree: ast.AST, *, top: bool) -> Iterator[ast.AST]:
    """The nodes a function (or a module's top level) evaluates itself: not the bodies of the
    functions it defines (their own nodes), but their decorators and defaults, and lambdas."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        child = stack.pop()
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            stack.extend([*child.decorator_list, *child.args.defaults, *(d for d in child.args.kw_defaults if d)])
            continue
        if isinstance(child, ast.ClassDef) and not top:
            continue
        yield child
        stack.extend(ast.iter_child_nodes(child))


@cache
def graph() -> Graph:
    return Graph(deployed_files())


# --- The functions and what they call ----------------------------------------------------------------


def functions() -> dict[str, set[str]]:
    """Each function Chalice deploys → the graph nodes its invocation starts from."""
    app = graph().modules["app"]
    entries: dict[str, set[str]] = {API: {"app:<module>"}}
    for node in app.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        handler = _handler_name(node)
        if handler:
            entries[handler] = {"app:<module>", f"app:{node.name}"}
        else:  # middleware and anything else app.py defines serve the API
            entries[API].add(f"app:{node.name}")
    for key, node in graph().nodes.items():
        if node.module.startswith("chalicelib.routes") and node.name != "<module>":
            entries[API].add(key)
    return entries


def _handler_name(function: ast.FunctionDef) -> str | None:
    """The Lambda function a decorated handler becomes: its `name=` or its Python name."""
    for decorator in function.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call else decorator
        if isinstance(target, ast.Attribute) and target.attr in HANDLER_DECORATORS:
            for keyword in call.keywords if call else []:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
            return function.name
    return None


@dataclass(frozen=True)
class Call:
    action: str
    where: str
    table: str | None  # the model's table suffix for DynamoDB calls, when known
    index: bool = False


def _calls_by_node() -> dict[str, list[Call]]:
    """The AWS calls of every node, from `tools.iam_actions` (located by their line)."""
    found: dict[str, list[Call]] = defaultdict(list)
    g = graph()
    for module, path in g.paths.items():
        spans = sorted(
            (
                (n.tree.lineno, getattr(n.tree, "end_lineno", n.tree.lineno), key)  # type: ignore[attr-defined]
                for key, n in g.nodes.items()
                if n.module == module and n.name != "<module>"
            ),
            key=lambda span: span[0],
        )
        for call in iam_actions.located_calls(path):
            line = int(call.where.rsplit(":", 1)[1])
            inner = [key for start, end, key in spans if start <= line <= end]
            owner = inner[-1] if inner else f"{module}:<module>"  # the innermost function holding it
            found[owner].append(Call(call.action, call.where, call.model and _table(call.model), call.index))
    return found


def _table(model: str) -> str:
    from chalicelib import models
    from tools.infra_gen import table_suffix

    return table_suffix(getattr(models, model))


def function_calls() -> dict[str, list[Call]]:
    """Each deployed function → the AWS calls it can make (Lambda's own included)."""
    by_node = _calls_by_node()
    result: dict[str, list[Call]] = {}
    for function, entries in functions().items():
        reached = graph().reachable(entries)
        calls = [call for key in sorted(reached) for call in by_node.get(key, [])]
        calls += [Call(action, "Lambda: function logs", None) for action in iam_actions.LAMBDA_LOGS]
        if iam_actions._tracing_on():
            calls += [Call(action, "Lambda: active tracing", None) for action in iam_actions.LAMBDA_TRACING]
        if function in _queue_consumers():
            calls += [Call(a, POLLING, None) for a in iam_actions.SQS_EVENT_SOURCE]
        result[function] = calls
    return result


def _queue_consumers() -> set[str]:
    app = graph().modules["app"]
    return {
        _handler_name(node) or node.name
        for node in app.body
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "on_sqs_message"
            for d in node.decorator_list
        )
    }


def attributes_read(function: str) -> set[str]:
    g = graph()
    return {a for key in g.reachable(functions()[function]) for a in g.nodes[key].attributes}


# --- The policies ---------------------------------------------------------------------------------------


def policy(function: str, prefix: str) -> dict[str, Any]:
    calls = function_calls()[function]
    actions = sorted({c.action for c in calls})
    read = attributes_read(function)
    statements: list[dict[str, Any]] = [
        {
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": sorted(a for a in actions if a.startswith("logs:")),
            "Resource": [
                f"arn:aws:logs:*:*:log-group:/aws/lambda/{prefix}-{logical_id(function)}-*",
                f"arn:aws:logs:*:*:log-group:/aws/lambda/{prefix}-{logical_id(function)}-*:log-stream:*",
            ],
        }
    ]
    tables: dict[str, set[str]] = defaultdict(set)
    for call in calls:
        if call.action.startswith("dynamodb:"):
            names = [call.table] if call.table else _all_tables()
            for table in names:
                arn = f"arn:aws:dynamodb:*:*:table/{prefix}-{table}"
                tables[call.action].add(f"{arn}/index/*" if call.index else arn)
    by_resources: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for action, arns in tables.items():
        by_resources[tuple(sorted(arns))].append(action)
    for number, (arns, grouped) in enumerate(sorted(by_resources.items(), key=lambda item: sorted(item[1]))):
        statements.append(_statement(f"Tables{number + 1}", grouped, list(arns)))
    topics = [a for a in actions if a in TOPIC_ACTIONS]
    if topics:
        arns = [f"arn:aws:sns:*:*:{prefix}-national", f"arn:aws:sns:*:*:{prefix}-dept-*"]
        statements.append(_statement("AlertTopics", topics, arns))
    consumed = [c.action for c in calls if c.where == POLLING]
    if consumed:  # Lambda's event source polls the handler's queue, never the dead letters
        arns = [f"arn:aws:sqs:*:*:{prefix}-{QUEUE_SETTINGS['webpush_queue_name']}"]
        statements.append(_statement("ConsumeWebPushQueue", sorted(set(consumed)), arns))
    queues = [a for a in actions if a.startswith("sqs:") and a not in consumed]
    if queues:
        arns = [f"arn:aws:sqs:*:*:{prefix}-{suffix}" for name, suffix in QUEUE_SETTINGS.items() if name in read]
        statements.append(_statement("WebPushQueues", queues, arns))
    parameters = [a for a in actions if a.startswith("ssm:")]
    if parameters:
        arns = [f"arn:aws:ssm:*:*:parameter/{prefix}/{name}" for key, name in PARAMETER_SETTINGS.items() if key in read]
        statements.append(_statement("VapidKey", parameters, arns))
    unscoped = [a for a in actions if a in UNSCOPED_ACTIONS]
    if unscoped:
        statements.append({"Sid": "NoResourceLevelPermissions", "Effect": "Allow", "Action": unscoped, "Resource": "*"})
    covered = {a for s in statements for a in s["Action"]}
    if set(actions) - covered:
        raise iam_actions.ScanError(f"{function}: no resource rule for {sorted(set(actions) - covered)}")
    return {"Version": "2012-10-17", "Statement": statements}


def _statement(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    if not resources:
        raise iam_actions.ScanError(f"{sid}: {actions} act on no resource the code names")
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": sorted(resources)}


@cache
def _all_tables() -> list[str]:
    from chalicelib.models import ALL_MODELS
    from tools.infra_gen import table_suffix

    return [table_suffix(model) for model in ALL_MODELS]


def policy_file(stage: str, function: str) -> Path:
    return PROJECT_DIR / ".chalice" / f"policy-{stage}-{function.replace('_', '-')}.json"


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def main(argv: list[str]) -> int:
    from tools.package import stage_config

    calls = function_calls()
    for function in sorted(calls):
        print(f"{function}:")
        for action in sorted({c.action for c in calls[function]}):
            where = sorted({c.where for c in calls[function] if c.action == action})
            print(f"  {action:40} {', '.join(where)}")
    stale = []
    for stage in iam_actions.stages():
        for function in sorted(calls):
            path, text = policy_file(stage, function), render(policy(function, stage_config(stage)["prefix"]))
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
                if "--write" in argv:
                    path.write_text(text)
    print(f"\n{'written' if '--write' in argv else 'out of date'}: {', '.join(stale) or 'nothing'}")
    return 1 if stale and "--write" not in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
