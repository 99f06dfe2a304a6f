"""The stage secrets tool against moto: stored where the functions and the custom resource read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib import aws as aws_clients
from chalicelib.config import get_settings, secure_parameter
from tools import stage_secrets

PREFIX = "stopcamb-secrets-test"
P8 = "-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg\n-----END PRIVATE KEY-----\n"


def test_a_vapid_pair_is_kept_unless_replaced_and_the_functions_read_it(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ssm = aws_clients.client("ssm")
    first = stage_secrets.put_vapid(ssm, PREFIX)
    private_name, public_name = stage_secrets.vapid_parameters(PREFIX)
    try:
        assert stage_secrets.put_vapid(ssm, PREFIX) == first
        assert ssm.get_parameter(Name=private_name)["Parameter"]["Type"] == "SecureString"
        monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
        monkeypatch.setenv("VAPID_PRIVATE_KEY_PARAMETER", private_name)
        get_settings.cache_clear()
        secure_parameter.cache_clear()
        assert len(get_settings().vapid_private_key) == 43  # 32 bytes, base64url
        assert stage_secrets.put_vapid(ssm, PREFIX, replace=True) != first
    finally:
        ssm.delete_parameters(Names=[private_name, public_name])
        get_settings.cache_clear()
        secure_parameter.cache_clear()


def test_the_apns_secret_is_what_the_platform_application_reads(
    aws: dict[str, str], tmp_path: Path, platform_application: Any
) -> None:
    p8 = tmp_path / "AuthKey_ABC123DEFG.p8"
    p8.write_text(P8)
    value = stage_secrets.apns_secret(p8, key_id="ABC123DEFG", team_id="TEAM123456", bundle_id="fr.example.app")
    secrets = aws_clients.client("secretsmanager")
    stage_secrets.put_secret(secrets, f"{PREFIX}/apns", value)
    stage_secrets.put_secret(secrets, f"{PREFIX}/apns", value)  # again: a new version, no error
    try:
        attributes = platform_application.credentials("APNS", f"{PREFIX}/apns")
        assert attributes["PlatformCredential"] == P8.strip()
        assert (attributes["PlatformPrincipal"], attributes["ApplePlatformTeamID"]) == ("ABC123DEFG", "TEAM123456")
    finally:
        secrets.delete_secret(SecretId=f"{PREFIX}/apns", ForceDeleteWithoutRecovery=True)


def test_files_that_are_not_push_keys_are_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"type": "authorized_user"}))
    with pytest.raises(ValueError, match="service-account"):
        stage_secrets.fcm_secret(wrong)
    with pytest.raises(ValueError, match="APNs"):
        stage_secrets.apns_secret(wrong, key_id="k", team_id="t", bundle_id="b")
