"""The documented deploy commands (docs/deployment.md), replayed as written against an embedded AWS (moto's server) with
the AWS CLI of `.venv-infra`: `aws cloudformation package` uploads the code, and the deploy line
passes the CLI's own checks (template size, bucket, capabilities, stack name) as far as moto goes."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools import infra_tools
from tools.deploy_rehearsal import CFN_TEMPLATE_BODY_LIMIT, free_port
from tools.package import stage_config, template_only

DEPLOYMENT = Path(__file__).parent.parent / "docs" / "deployment.md"
BUCKET = "stopcamb-artifacts-test"


def documented_commands() -> list[str]:
    """The shell lines of the documented block that packages and deploys a stage."""
    blocks = re.findall(r"```sh\n(.*?)```", DEPLOYMENT.read_text(), flags=re.S)
    block = next(b for b in blocks if "aws cloudformation deploy" in b)
    return [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]


def command(starting: str) -> list[str]:
    line = next(c for c in documented_commands() if c.startswith(starting))
    return shlex.split(line.replace("$BUCKET", BUCKET))


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `make package STAGE=dev` leaves in build/dev (a small zip stands for the real one)."""
    root = tmp_path_factory.mktemp("deploy")
    template_only("dev", root / "build" / "dev")
    with zipfile.ZipFile(root / "build" / "dev" / "deployment.zip", "w") as archive:
        archive.writestr("app.py", "app = None\n")
    return root


def aws(args: list[str], cwd: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    assert args[0] == "aws"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
    }
    return subprocess.run(
        [str(infra_tools.infra_bin("aws")), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def test_the_deployment_guide_documents_package_then_deploy_then_outputs() -> None:
    lines = documented_commands()
    assert [c.split()[0:3] for c in lines if c.startswith("aws")] == [
        ["aws", "cloudformation", "package"],
        ["aws", "cloudformation", "deploy"],
        ["aws", "cloudformation", "describe-stacks"],
    ]
    assert lines[0] == "make package STAGE=dev"


def test_the_deploy_line_names_the_bucket_the_capabilities_and_the_stage_stack() -> None:
    deploy = command("aws cloudformation deploy")
    assert deploy[deploy.index("--s3-bucket") + 1] == BUCKET
    capabilities = deploy[deploy.index("--capabilities") + 1 : deploy.index("--capabilities") + 3]
    assert capabilities == ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
    assert deploy[deploy.index("--stack-name") + 1] == stage_config("dev")["prefix"]
    package = command("aws cloudformation package")
    assert deploy[deploy.index("--template-file") + 1] == package[package.index("--output-template-file") + 1]


def test_package_uploads_the_code_and_leaves_a_template_too_big_to_send_inline(workdir: Path, moto_server: str) -> None:
    assert aws(["aws", "s3", "mb", f"s3://{BUCKET}"], workdir, moto_server).returncode == 0
    result = aws(command("aws cloudformation package"), workdir, moto_server)
    assert result.returncode == 0, result.stderr
    packaged = workdir / "build" / "dev" / "packaged.yaml"
    assert re.search(rf"CodeUri: s3://{BUCKET}/[0-9a-f]{{32}}", packaged.read_text())
    assert packaged.stat().st_size > CFN_TEMPLATE_BODY_LIMIT


def test_the_deploy_line_passes_the_size_check_that_stops_it_without_a_bucket(workdir: Path, moto_server: str) -> None:
    deploy = [*command("aws cloudformation deploy"), "--no-execute-changeset"]
    result = aws(deploy, workdir, moto_server)
    assert "must be deployed via an S3 Bucket" not in result.stderr + result.stdout
    listed = aws(["aws", "s3api", "list-objects-v2", "--bucket", BUCKET], workdir, moto_server).stdout
    assert ".template" in listed  # the CLI uploaded the template to the bucket, as documented
    without_bucket = deploy[: deploy.index("--s3-bucket")] + deploy[deploy.index("--s3-bucket") + 2 :]
    refused = aws(without_bucket, workdir, moto_server)
    assert refused.returncode != 0
    assert "must be deployed via an S3 Bucket" in refused.stderr + refused.stdout
