"""The infrastructure tools of `.venv-infra` (SAM translator, checkov, AWS CLI), run from the
app's environment: translate a stage's template as CloudFormation will, lint it, scan it.

    python -m tools.infra_tools --stage dev     # translate, cfn-lint, checkov; prints the findings
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
INFRA_VENV = PROJECT_DIR / ".venv-infra"
TRANSFORM = PROJECT_DIR / "tools" / "sam_transform.py"


class InfraToolError(RuntimeError):
    pass


def infra_bin(name: str) -> Path:
    """A command of the infra tools' virtualenv; a clear error when `make infra-tools` never ran."""
    path = INFRA_VENV / "bin" / name
    if not path.exists():
        raise InfraToolError(f"{path} is missing: run `make infra-tools` (requirements-infra.txt)")
    return path


def translate(sam_template: Path, out: Path, s3_key: str = "deployment.zip") -> dict[str, Any]:
    """The CloudFormation template that SAM's transform makes of `sam_template`."""
    command = [str(infra_bin("python")), str(TRANSFORM), str(sam_template), str(out), s3_key]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise InfraToolError(f"SAM transform failed:\n{result.stdout}{result.stderr}")
    return dict(json.loads(out.read_text()))


def checkov_skips(template: dict[str, Any]) -> dict[str, str]:
    """The checks this stack does not follow, with their reasons (template `Metadata`)."""
    return dict(template.get("Metadata", {}).get("CheckovSkips", {}))


def checkov(template_path: Path, skips: dict[str, str]) -> dict[str, Any]:
    """checkov's CloudFormation scan of a translated template, offline, the justified skips applied."""
    command = [
        str(infra_bin("checkov")),
        "--file",
        str(template_path),
        "--framework",
        "cloudformation",
        "--quiet",
        "--compact",
        "--skip-download",  # no guideline look-up: no network here, nor in CI
        "--output",
        "json",
    ]
    if skips:
        command += ["--skip-check", ",".join(sorted(skips))]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise InfraToolError(f"checkov failed ({result.returncode}):\n{result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    return dict(report[0] if isinstance(report, list) else report)


def failed_checks(report: dict[str, Any]) -> list[str]:
    """`CHECK_ID resource: name` for every failed check of a checkov report."""
    failed = report.get("results", {}).get("failed_checks", [])
    return sorted(f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in failed)


def main() -> int:
    from tools.package import template_only

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args()
    out = PROJECT_DIR / "build" / f"{args.stage}-template"
    sam = template_only(args.stage, out)
    translated_path = out / "cloudformation.json"
    translated = translate(sam, translated_path)
    print(f"translated: {translated_path} ({len(translated['Resources'])} resources)", flush=True)
    lint = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), str(translated_path)], check=False)
    report = checkov(translated_path, checkov_skips(translated))
    findings = failed_checks(report)
    print(
        f"checkov: {report['summary']['passed']} passed, {len(findings)} failed, "
        f"{len(checkov_skips(translated))} checks skipped with a reason"
    )
    for line in findings:
        print(f"  {line}")
    return 1 if findings or lint.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
