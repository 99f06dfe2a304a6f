"""Put a stage's secrets where `infra/resources.yaml` reads them, with the operator's AWS credentials.

    python -m tools.stage_secrets vapid --stage dev                 # new key pair, SSM (once)
    python -m tools.stage_secrets apns --stage dev --p8 AuthKey_ABC123DEFG.p8 --key-id ABC123DEFG \\
        --team-id TEAM123456 --bundle-id fr.gendarmerie.stopcambriolages
    python -m tools.stage_secrets fcm --stage dev --service-account firebase-service-account.json

VAPID: SSM SecureString `/<prefix>/vapid-private-key` (read by the functions at first use) and String
`/<prefix>/vapid-public-key` (resolved by CloudFormation into VAPID_PUBLIC_KEY). A new pair orphans
every browser subscription, so an existing one is kept unless `--replace`.
APNs (token-based .p8 key) and FCM (service-account JSON): Secrets Manager `<prefix>/apns` and
`<prefix>/fcm`, read by the platform-application custom resource at deployment; after replacing
one, deploy with a new `PushCredentialsVersion`. Nothing here prints a secret.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tools.package import stage_config


def vapid_parameters(prefix: str) -> tuple[str, str]:
    """(private key SecureString, public key String) of a stage."""
    return f"/{prefix}/vapid-private-key", f"/{prefix}/vapid-public-key"


def put_vapid(ssm: Any, prefix: str, *, replace: bool = False) -> str:
    """Store a new VAPID pair unless the stage has one (or `replace`); returns the public key."""
    from tools.run_local import generate_vapid_keys

    private_name, public_name = vapid_parameters(prefix)
    if not replace:
        try:
            return str(ssm.get_parameter(Name=public_name)["Parameter"]["Value"])
        except ssm.exceptions.ParameterNotFound:
            pass
    keys = generate_vapid_keys()
    ssm.put_parameter(Name=private_name, Type="SecureString", Value=keys["private_key"], Overwrite=True)
    ssm.put_parameter(Name=public_name, Type="String", Value=keys["public_key"], Overwrite=True)
    return keys["public_key"]


def put_secret(secrets: Any, name: str, value: str) -> None:
    try:
        secrets.put_secret_value(SecretId=name, SecretString=value)
    except secrets.exceptions.ResourceNotFoundException:
        secrets.create_secret(Name=name, SecretString=value)


def apns_secret(p8: Path, *, key_id: str, team_id: str, bundle_id: str) -> str:
    """The JSON the custom resource turns into APNs token credentials."""
    key = p8.read_text().strip()
    if "BEGIN PRIVATE KEY" not in key:
        raise ValueError(f"{p8} is not an APNs .p8 signing key")
    return json.dumps({"signing_key": key, "key_id": key_id, "team_id": team_id, "bundle_id": bundle_id})


def fcm_secret(service_account: Path) -> str:
    account = json.loads(service_account.read_text())
    if account.get("type") != "service_account" or "private_key" not in account:
        raise ValueError(f"{service_account} is not a Firebase service-account key")
    return json.dumps(account)


def main() -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["vapid", "apns", "fcm"])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--replace", action="store_true", help="vapid: a new pair even if one exists")
    parser.add_argument("--p8", type=Path)
    parser.add_argument("--key-id")
    parser.add_argument("--team-id")
    parser.add_argument("--bundle-id")
    parser.add_argument("--service-account", type=Path)
    args = parser.parse_args()
    prefix = stage_config(args.stage)["prefix"]
    if args.kind == "vapid":
        print(f"VAPID public key of {args.stage}: {put_vapid(boto3.client('ssm'), prefix, replace=args.replace)}")
    elif args.kind == "apns":
        if not (args.p8 and args.key_id and args.team_id and args.bundle_id):
            parser.error("apns needs --p8, --key-id, --team-id and --bundle-id")
        value = apns_secret(args.p8, key_id=args.key_id, team_id=args.team_id, bundle_id=args.bundle_id)
        put_secret(boto3.client("secretsmanager"), f"{prefix}/apns", value)
        print(f"{prefix}/apns stored")
    else:
        if not args.service_account:
            parser.error("fcm needs --service-account")
        put_secret(boto3.client("secretsmanager"), f"{prefix}/fcm", fcm_secret(args.service_account))
        print(f"{prefix}/fcm stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
