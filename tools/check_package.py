"""Check a built package the way Lambda will load it: `python -m tools.check_package build/dev`.

1. Every compiled library in the zip must load on Lambda's python3.11 runtime (Amazon Linux 2:
   glibc 2.26, GCC 7's libstdc++): no wheel may be tagged plain `linux_x86_64` (Chalice built it
   here from source when the registry had no manylinux wheel old enough: it links this machine's
   libraries), and no ELF file may need a newer GLIBC_/GLIBCXX_ symbol version. Importing here
   proves nothing about that: this machine's glibc is newer.
2. The zip is unpacked into a clean folder and imported there by this Python 3.11 with neither
   site-packages nor PYTHON* variables (`-S -E`): `app`, every function handler the SAM template
   names, every top-level package of the zip; then the packaged API handler answers a few GET
   requests that need no AWS service (`tools/package_probe.py`), the brigade search among them,
   after checking that the packaged search indexes (`indexes.pickle`) load for this code and data.
3. It reports the zip size, and the import times (median of fresh processes that write no
   bytecode, as on Lambda) of the packaged `app` (a cold start) and then of every chalicelib module
   (what the first requests of a container import besides: boto3, PynamoDB, pydantic, ...).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

LAMBDA_GLIBC = (2, 26)
LAMBDA_GLIBCXX = (3, 4, 24)
IMPORT_RUNS = 5
_VERSION_NEED = re.compile(rb"(GLIBCXX|GLIBC)_(\d+)\.(\d+)(?:\.(\d+))?\x00")

PROBE = Path(__file__).with_name("package_probe.py")
# GET requests that need no AWS service; those whose route the app has are sent to the packaged API.
SMOKE_REQUESTS = [
    ("/health", {}),
    ("/departments", {}),
    ("/communes", {"q": "Meythet"}),
    ("/brigades/nearest", {"lat": "43.6109", "lon": "3.8772"}),
    ("/content/victim", {}),
    ("/otv/form.pdf", {}),
    ("/", {}),
    ("/console", {}),
]


class CheckError(RuntimeError):
    pass


def newer_than_lambda(elf: bytes) -> list[str]:
    """The symbol versions an ELF file needs that Lambda's python3.11 runtime does not have."""
    too_new = set()
    for match in _VERSION_NEED.finditer(elf):
        name = match.group(1).decode()
        version = tuple(int(part) for part in match.groups()[1:] if part is not None)
        limit = LAMBDA_GLIBCXX if name == "GLIBCXX" else LAMBDA_GLIBC
        if version > limit:
            too_new.add(f"{name}_{'.'.join(map(str, version))}")
    return sorted(too_new)


def incompatible_libraries(archive: zipfile.ZipFile) -> dict[str, list[str]]:
    found = {}
    for info in archive.infolist():
        if info.filename.endswith(".dist-info/WHEEL"):
            tags = [line for line in archive.read(info).decode().splitlines() if line.startswith("Tag:")]
            if any(tag.endswith("-linux_x86_64") for tag in tags):
                found[info.filename.split("/")[0]] = ["built on this machine, not a manylinux wheel"]
        elif info.filename.endswith(".so") or ".so." in info.filename:
            data = archive.read(info)
            if data[:4] == b"\x7fELF":
                needs = newer_than_lambda(data)
                if needs:
                    found[info.filename] = needs
    return found


def top_level_modules(root: Path) -> list[str]:
    """Packages and modules at the root of the unpacked zip (what the functions can import)."""
    names = set()
    for path in root.iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            names.add(path.name)
        elif path.suffix == ".py":
            names.add(path.stem)
        elif path.suffix == ".so":
            names.add(path.name.split(".", 1)[0])
    return sorted(names)


def function_specs(template: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The handlers of every function, and the literal environment they share with the API."""
    handlers, env = [], {}
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::Serverless::Function":
            properties = resource["Properties"]
            handlers.append(properties["Handler"])
            variables = properties.get("Environment", {}).get("Variables", {})
            env.update({k: v for k, v in variables.items() if isinstance(v, str)})
    return sorted(handlers), env


def probe(root: Path, env: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, "-S", "-E", "-B", str(PROBE), json.dumps(spec)]
    clean_env = {
        "PATH": "/usr/bin:/bin",
        "AWS_REGION": "eu-west-3",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_EC2_METADATA_DISABLED": "true",  # a smoke request that reached for AWS fails at once
        **env,
    }
    result = subprocess.run(command, cwd=root, env=clean_env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CheckError(f"the packaged app does not import:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def check(build_dir: Path) -> dict[str, Any]:
    import yaml

    zip_path = build_dir / "deployment.zip"
    template = yaml.safe_load((build_dir / "sam.yaml").read_text())
    handlers, env = function_specs(template)
    with zipfile.ZipFile(zip_path) as archive:
        incompatible = incompatible_libraries(archive)
        if incompatible:
            raise CheckError(f"libraries Lambda's python3.11 runtime cannot load: {incompatible}")
        unpacked = sum(info.file_size for info in archive.infolist())
        data = sorted(n.rsplit("/", 1)[1] for n in archive.namelist() if n.startswith("chalicelib/data/"))
        if not data:
            raise CheckError("no data in chalicelib/data: the brigade search would find nothing")
        if "manifest.json" not in data:
            raise CheckError("no chalicelib/data/manifest.json: the data did not go through `make data`'s checks")
        if "indexes.pickle" not in data:
            raise CheckError("no chalicelib/data/indexes.pickle: every cold start would build the search indexes")
        described = json.loads(archive.read("chalicelib/data/manifest.json"))["data"]
        with tempfile.TemporaryDirectory(prefix="lambda-task-") as folder:
            root = Path(folder)
            archive.extractall(root)
            spec = {"handlers": handlers, "modules": top_level_modules(root), "requests": SMOKE_REQUESTS}
            timing = {"handlers": [], "modules": [], "requests": []}
            runs = [probe(root, env, spec if i == 0 else timing) for i in range(IMPORT_RUNS)]
    first = runs[0]
    if first["failures"]:
        raise CheckError(f"imports failing in the package: {first['failures']}")
    if first["snapshot"] is False:
        raise CheckError("chalicelib/data/indexes.pickle is of other files or code: each cold start would build")
    failed = {path: answer for path, answer in first["smoke"].items() if answer["status"] != 200}
    if failed or not first["smoke"]:
        raise CheckError(f"the packaged API did not answer 200: {failed or 'no smoke request matched a route'}")
    return {
        "zip_mb": round(zip_path.stat().st_size / 1e6, 1),
        "unpacked_mb": round(unpacked / 1e6, 1),
        "import_app_ms": round(statistics.median(r["app_ms"] for r in runs), 1),
        "import_chalicelib_after_app_ms": round(statistics.median(r["domain_ms"] for r in runs), 1),
        "chalicelib_modules": first["domain_modules"],
        "handlers": handlers,
        "modules_imported": len(spec["modules"]),
        "data_files": data,
        "indexes_snapshot_used": first["snapshot"],
        "data": described,
        "smoke_requests": first["smoke"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build_dir", type=Path, help="output of `make package` (build/<stage>)")
    args = parser.parse_args()
    try:
        report = check(args.build_dir)
    except CheckError as error:
        print(f"check_package: {error}", file=sys.stderr)
        return 1
    (args.build_dir / "check.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
