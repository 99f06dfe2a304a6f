"""`make package STAGE=dev`: the deployable SAM template and zip of a stage, in `build/<stage>/`.

    python -m tools.package --stage dev                  # template + zip (needs the package registry)
    python -m tools.package --stage dev --template-only  # template only: offline, for cfn-lint in tests

The full build copies the search data from `DATA_DIR` into the git-ignored `chalicelib/data/`
(removed again afterwards), runs `chalice package --stage <stage> --merge-template <infra/resources.yaml
with the stage's prefix pinned> build/<stage>`, and fails when Chalice says it could not install a
dependency (it would still exit 0 and leave it out of the zip). It then adds every module's bytecode
to the zip: Lambda's task directory is read-only, so without it each cold start compiles what it
imports (about half the import time of the AWS and PDF libraries).

`--template-only` runs Chalice's own packager with the zip step replaced by an empty placeholder
zip: same resources, same merge, no dependency download.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
MERGE_TEMPLATE = PROJECT_DIR / "infra" / "resources.yaml"
PACKAGED_DATA = PROJECT_DIR / "chalicelib" / "data"
MISSING_DEPENDENCIES = "Could not install dependencies"
DEFAULT_REGION = "eu-west-3"
LAMBDA_PYTHON = (3, 11)  # the runtime Chalice writes in the template (python3.11): same bytecode
LAMBDA_TASK_ROOT = "/var/task"


class PackageError(RuntimeError):
    pass


def stage_config(stage: str) -> dict[str, Any]:
    """The prefix and data directory a deployable stage gives its functions."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    if stage not in config["stages"] or stage == "local":
        deployable = sorted(s for s in config["stages"] if s != "local")
        raise PackageError(f"unknown stage {stage!r}: deployable stages are {', '.join(deployable)}")
    env = {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}
    return {
        "prefix": env["RESOURCE_PREFIX"],
        "data_dir": env.get("DATA_DIR", ""),
        "mfa": "ON" if env.get("MFA_REQUIRED", "").lower() == "true" else "OPTIONAL",
    }


def pinned_merge_template(stage: str, build_dir: Path) -> Path:
    """`infra/resources.yaml` with `ResourcePrefix` fixed to the stage's `RESOURCE_PREFIX`: the
    functions get their prefix from `.chalice/config.json`, so the stack cannot take another one."""
    from chalice.package import YAMLTemplateSerializer

    serializer = YAMLTemplateSerializer()
    template = serializer.load_template(MERGE_TEMPLATE.read_text(), str(MERGE_TEMPLATE))
    config = stage_config(stage)
    prefix = config["prefix"]
    template["Parameters"]["ResourcePrefix"].update({"Default": prefix, "AllowedValues": [prefix]})
    # The pool's MFA follows the stage's MFA_REQUIRED, so the app and the pool cannot disagree.
    template["Parameters"]["OperatorMfa"].update({"Default": config["mfa"], "AllowedValues": [config["mfa"]]})
    path = build_dir / f"resources-{stage}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(serializer.serialize_template(template))
    return path


def source_data_dir() -> Path:
    """Where the search data comes from: `SOURCE_DATA_DIR`, else the local default of `DATA_DIR`."""
    from chalicelib.config import Settings

    return Path(os.environ.get("SOURCE_DATA_DIR") or Settings.data_dir)


def copy_data(source: Path) -> list[str]:
    """The search data into the package's `chalicelib/data/` (git-ignored): a folder `make data` built
    (it has `manifest.json`) is copied as it is; raw open data goes through the same checks and gets
    its index and manifest on the way (`tools/data.py`), so every package says what data it carries."""
    from chalicelib.brigades import Directory
    from chalicelib.dataset import MANIFEST
    from tools import data

    shutil.rmtree(PACKAGED_DATA, ignore_errors=True)
    if (source / MANIFEST).exists():
        PACKAGED_DATA.mkdir()
        for path in [*source.glob("*.csv"), source / MANIFEST]:
            shutil.copyfile(path, PACKAGED_DATA / path.name)
        Directory(PACKAGED_DATA).save_snapshot()  # for the code being packaged
    else:
        try:
            data.run(source, PACKAGED_DATA)
        except data.DataError as error:
            shutil.rmtree(PACKAGED_DATA, ignore_errors=True)
            raise PackageError(
                f"data of {source} refused (set SOURCE_DATA_DIR to the data directory):\n{error}"
            ) from None
    return sorted(p.name for p in PACKAGED_DATA.iterdir())


def remove_bytecode() -> None:
    """Chalice zips everything under chalicelib/, caches included."""
    for cache in (PROJECT_DIR / "chalicelib").rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def chalice_package(stage: str, out: Path, merge_template: Path) -> str:
    """Run `chalice package`; its output, or PackageError when a dependency is missing."""
    command = [
        str(Path(sys.executable).parent / "chalice"),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(merge_template),
        str(out),
    ]
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION)}
    result = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    check_chalice_output(result.returncode, output)
    return output


def check_chalice_output(returncode: int, output: str) -> None:
    if returncode != 0:
        raise PackageError(f"chalice package failed ({returncode}):\n{output}")
    if MISSING_DEPENDENCIES in output:
        raise PackageError(f"chalice left dependencies out of the zip (no Lambda-compatible wheel):\n{output}")


def build(stage: str, out: Path) -> Path:
    """The full package of a stage; returns the zip."""
    config = stage_config(stage)
    if config["data_dir"] != "chalicelib/data":
        raise PackageError(f"stage {stage} must read DATA_DIR=chalicelib/data (the packaged copy)")
    shutil.rmtree(out, ignore_errors=True)
    merge = pinned_merge_template(stage, out.parent)
    copied = copy_data(source_data_dir())
    try:
        remove_bytecode()
        output = chalice_package(stage, out, merge)
    finally:
        shutil.rmtree(PACKAGED_DATA, ignore_errors=True)
    print(output.strip())
    print(f"data packaged: {', '.join(copied)}")
    zip_path = out / "deployment.zip"
    print(f"bytecode added: {precompile(zip_path)} modules")
    return zip_path


def precompile(zip_path: Path) -> int:
    """Add `__pycache__/*.cpython-311.pyc` for every module of the zip. The files never change
    once deployed, so they are `unchecked-hash` pycs (no timestamp or source check at import)."""
    if sys.version_info[:2] != LAMBDA_PYTHON:
        raise PackageError(
            f"bytecode must come from Python {LAMBDA_PYTHON[0]}.{LAMBDA_PYTHON[1]}, the Lambda runtime's"
        )
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as archive:
        root = Path(folder)
        archive.extractall(root)
        compileall.compile_dir(
            root,
            ddir=LAMBDA_TASK_ROOT,
            quiet=2,
            workers=0,
            invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
        )
        packaged = set(archive.namelist())
        compiled = [p for p in sorted(root.rglob("*.pyc")) if str(p.relative_to(root)) not in packaged]
        for path in compiled:
            info = zipfile.ZipInfo(str(path.relative_to(root)), date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
    return len(compiled)


def template_only(stage: str, out: Path) -> Path:
    """Chalice's SAM template for `stage`, merged, without building the zip: in a fresh process,
    because Chalice imports `app` with the stage's environment."""
    merge = pinned_merge_template(stage, out.parent)
    code = (
        f"from tools.package import _template_in_process; _template_in_process({stage!r}, {str(out)!r}, {str(merge)!r})"
    )
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", DEFAULT_REGION)}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PackageError(f"template generation failed:\n{result.stdout}{result.stderr}")
    return out / "sam.yaml"


def _template_in_process(stage: str, out: str, merge_template: str) -> None:
    import tempfile
    import zipfile

    from chalice.cli.factory import CLIFactory
    from chalice.deploy import deployer
    from chalice.package import create_app_packager

    placeholder = Path(tempfile.mkdtemp()) / "deployment.zip"
    zipfile.ZipFile(placeholder, "w").close()

    class PlaceholderPackage(deployer.BaseDeployStep):  # type: ignore[misc]
        def __init__(self, packager: Any = None) -> None:
            pass

        def handle_deploymentpackage(self, config: Any, resource: Any) -> None:
            resource.filename = str(placeholder)

    deployer.DeploymentPackager = PlaceholderPackage
    factory = CLIFactory(project_dir=str(PROJECT_DIR), environ=os.environ)  # as the chalice CLI does
    config = factory.create_config_obj(stage)
    packager = create_app_packager(config, factory.create_package_options(), "cloudformation", "yaml", merge_template)
    packager.package_app(config, out, stage)
    (Path(out) / "deployment.zip").unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--out", type=Path, help="output directory (default build/<stage>)")
    parser.add_argument("--template-only", action="store_true", help="SAM template only, no registry needed")
    args = parser.parse_args()
    default = PROJECT_DIR / "build" / (f"{args.stage}-template" if args.template_only else args.stage)
    out = (args.out or default).resolve()
    try:
        if args.template_only:
            print(template_only(args.stage, out))
        else:
            zip_path = build(args.stage, out)
            with zipfile.ZipFile(zip_path) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
            print(
                f"{zip_path}: {zip_path.stat().st_size / 1e6:.1f} MB, {unpacked / 1e6:.1f} MB unpacked (Lambda: 250 MB)"
            )
    except PackageError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
