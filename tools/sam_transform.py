"""Run AWS's own SAM transform (`aws-sam-translator`) on a packaged template, offline.

    .venv-infra/bin/python tools/sam_transform.py build/dev-template/sam.yaml build/dev-template/cfn.json

CloudFormation applies `AWS::Serverless-2016-10-31` on the service side, so cfn-lint on `sam.yaml`
checks SAM against schemas but never sees what SAM *generates* (its default `Stage`, the Lambda
permissions, the deployment). This runs the same translator CloudFormation runs, with `CodeUri`
rewritten as `aws cloudformation package` writes it (`s3://bucket/key`), and writes the plain
CloudFormation template that the tests, cfn-lint and checkov then read.

It runs in the infra tools' virtualenv (`.venv-infra`, `requirements-infra.txt`): the translator
pins a pydantic older than the app's, so it cannot share the app's environment. It imports nothing
of the project.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

PACKAGE_BUCKET = "stopcamb-deploy-artifacts"
REGION = "eu-west-3"
ACCOUNT_ID = "123456789012"


class NoManagedPolicies:
    """The transform asks IAM for AWS managed policies only when a function names one by name;
    ours give Chalice's roles, so there is nothing to look up (and no account to ask)."""

    def load(self) -> dict[str, str]:
        return {}


def with_s3_code(template: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """Every function's `CodeUri` as `aws cloudformation package` leaves it."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = f"s3://{bucket}/{key}"
    return template


def translate(sam_yaml: str, bucket: str = PACKAGE_BUCKET, key: str = "deployment.zip") -> dict[str, Any]:
    """The CloudFormation template CloudFormation would run for this SAM template."""
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    from samtranslator.translator.transform import transform
    from samtranslator.yaml_helper import yaml_parse

    template = with_s3_code(yaml_parse(sam_yaml), bucket, key)
    parameters = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws"}
    return transform(template, parameters, NoManagedPolicies())  # type: ignore[arg-type]


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: sam_transform.py SAM_TEMPLATE OUTPUT_JSON [S3_KEY]", file=sys.stderr)
        return 2
    source, target = Path(argv[0]), Path(argv[1])
    key = argv[2] if len(argv) == 3 else "deployment.zip"
    try:
        translated = translate(source.read_text(), key=key)
    except Exception as error:  # the translator's InvalidDocumentException lists every cause
        causes = getattr(error, "causes", None) or [error]
        print(f"sam transform of {source} failed:", file=sys.stderr)
        for cause in causes:
            print(f"  - {getattr(cause, 'message', cause)}", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(translated, indent=1, sort_keys=True))
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
