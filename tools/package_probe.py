"""Run by `tools.check_package` inside an unpacked deployment zip, as `python -S -E -B <this file>
<spec>`: only the zip and the standard library are importable, no bytecode is written (Lambda's task
directory is read-only). Prints one JSON line: import times, what failed, the smoke answers.

The smoke requests go through the packaged API handler exactly as API Gateway calls it (REST proxy
events); they need no AWS service (health, départements, the brigade search on the packaged data,
static content, the OTV PDF, the web pages), so they prove the data, the web files and the compiled
libraries work from the package.
"""

import importlib
import json
import os
import pkgutil
import sys
import time
from typing import Any

sys.path[0] = os.getcwd()  # the unpacked zip, as /var/task on Lambda


class LambdaContext:
    aws_request_id = "package-check"
    function_name = "package-check"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def api_event(path: str, query: dict[str, str]) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "*/*", "Host": "package-check"},
        "multiValueHeaders": {"Accept": ["*/*"], "Host": ["package-check"]},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {"resourcePath": path, "httpMethod": "GET", "stage": "api", "path": f"/api{path}"},
        "body": None,
        "isBase64Encoded": False,
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    start = time.perf_counter()
    import app

    app_ms = (time.perf_counter() - start) * 1000
    import chalicelib

    start = time.perf_counter()
    domain = [m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib.")]
    for module in domain:
        importlib.import_module(module)
    domain_ms = (time.perf_counter() - start) * 1000
    failures: dict[str, str] = {}
    for handler in spec["handlers"]:
        module, _, name = handler.rpartition(".")
        if not callable(getattr(importlib.import_module(module), name, None)):
            failures[handler] = "no such handler"
    for module in spec["modules"]:
        try:
            importlib.import_module(module)
        except Exception as exc:
            failures[module] = f"{type(exc).__name__}: {exc}"
    snapshot = snapshot_used()
    smoke = {}
    for path, query in spec["requests"]:
        if path not in app.app.routes:
            continue
        start = time.perf_counter()
        answer = app.app(api_event(path, query), LambdaContext())
        smoke[path] = {"status": answer["statusCode"], "ms": round((time.perf_counter() - start) * 1000, 1)}
    print(
        json.dumps(
            {
                "app_ms": app_ms,
                "domain_ms": domain_ms,
                "domain_modules": len(domain),
                "failures": failures,
                "snapshot": snapshot,
                "smoke": smoke,
            }
        )
    )


def snapshot_used() -> bool | None:
    """Whether the packaged search indexes load instead of being built (None: no such module)."""
    try:
        from chalicelib import snapshot
        from chalicelib.config import get_settings
    except ImportError:
        return None
    return snapshot.load(get_settings().data_dir) is not None


if __name__ == "__main__":
    main()
