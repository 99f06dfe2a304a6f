import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.config import Settings, get_settings

PROJECT = Path(__file__).parent.parent


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STAGE", "RESOURCE_PREFIX", "DATA_DIR", "ALERT_TTL_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.stage == "local"
        assert settings.alert_ttl_seconds == 86_400
        assert settings.data_dir.name == "data"
    finally:
        get_settings.cache_clear()


def test_stage_values_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("RESOURCE_PREFIX", "stopcamb-prod")
    monkeypatch.setenv("DATA_DIR", "/tmp/somewhere")
    monkeypatch.setenv("ALERT_TTL_SECONDS", "3600")
    monkeypatch.setenv("WEBPUSH_ALLOWED_HOSTS", "a.example, b.example")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert (settings.stage, settings.alert_ttl_seconds) == ("prod", 3600)
        assert settings.table_name("feed") == "stopcamb-prod-feed"
        assert str(settings.data_dir) == "/tmp/somewhere"
        assert settings.webpush_allowed_hosts == ("a.example", "b.example")
        assert not settings.is_local
    finally:
        get_settings.cache_clear()


def test_resource_names_are_derived_from_the_prefix() -> None:
    settings = Settings(prefix="p", region="eu-west-3", account_id="111")
    assert settings.topic_arn("2A") == "arn:aws:sns:eu-west-3:111:p-dept-2A"
    assert settings.topic_arn(None) == "arn:aws:sns:eu-west-3:111:p-national"
    assert settings.platform_application_arn("ios") == "arn:aws:sns:eu-west-3:111:app/APNS/p-ios"
    assert settings.platform_application_arn("android") == "arn:aws:sns:eu-west-3:111:app/GCM/p-android"


def test_import_app_needs_no_environment_builds_no_client_and_skips_heavy_libraries() -> None:
    probe = (
        "import sys, app; "
        "heavy = ('boto3', 'pynamodb', 'pywebpush', 'geopy', 'fpdf', 'PIL', 'fontTools', 'pydantic', 'jwt', "
        "'aws_lambda_powertools', 'aws_xray_sdk'); "
        "heavy = [m for m in heavy if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT, env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_a_relative_data_dir_is_inside_the_project_whatever_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DATA_DIR", "chalicelib/data")
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    try:
        assert get_settings().data_dir == PROJECT / "chalicelib" / "data"
    finally:
        get_settings.cache_clear()


def test_the_vapid_private_key_comes_from_an_ssm_secure_string_read_once(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib import aws as aws_clients
    from chalicelib.config import secure_parameter

    ssm = aws_clients.client("ssm")
    ssm.put_parameter(Name="/stopcamb-test/vapid-private-key", Type="SecureString", Value="first-key")
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    monkeypatch.setenv("VAPID_PRIVATE_KEY_PARAMETER", "/stopcamb-test/vapid-private-key")
    get_settings.cache_clear()
    secure_parameter.cache_clear()
    try:
        assert get_settings().vapid_private_key == "first-key"
        ssm.put_parameter(Name="/stopcamb-test/vapid-private-key", Type="SecureString", Value="new", Overwrite=True)
        assert get_settings().vapid_private_key == "first-key"  # one read per container
        assert "first-key" not in repr(get_settings())
    finally:
        ssm.delete_parameter(Name="/stopcamb-test/vapid-private-key")
        get_settings.cache_clear()
        secure_parameter.cache_clear()


def test_a_vapid_key_in_the_environment_needs_no_ssm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAPID_PRIVATE_KEY", "local-key")
    monkeypatch.setenv("VAPID_PRIVATE_KEY_PARAMETER", "/not/read")
    get_settings.cache_clear()
    try:
        assert get_settings().vapid_private_key == "local-key"
    finally:
        get_settings.cache_clear()
