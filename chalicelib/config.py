"""Typed settings read from the environment, which `.chalice/config.json` sets per stage.

Every value has a local default so that `import app` (and `chalice package`) work with no
environment at all; secrets have none and are refused where a real stage needs them. On AWS the
VAPID signing key is not in the environment: `VAPID_PRIVATE_KEY_PARAMETER` names an SSM SecureString
that is read at first use (`Settings.vapid_private_key`), once per container.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
MOTO_ACCOUNT_ID = "123456789012"
DEFAULT_PUSH_HOSTS = (
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "web.push.apple.com",
    "*.notify.windows.com",
)


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = os.environ.get(name, "").strip()
    return tuple(p.strip() for p in raw.split(",") if p.strip()) if raw else default


@dataclass(frozen=True)
class Settings:
    stage: str = "local"
    region: str = "eu-west-3"
    account_id: str = MOTO_ACCOUNT_ID
    prefix: str = "stopcamb-local"
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    cognito_jwks_url: str = ""
    vapid_public_key: str = ""
    vapid_private_key_value: str = field(default="", repr=False)  # VAPID_PRIVATE_KEY (local stage)
    vapid_private_key_parameter: str = ""  # SSM SecureString name (AWS stages)
    vapid_subject: str = "mailto:opp-ggd34@gendarmerie.interieur.gouv.fr"
    data_dir: Path = PROJECT_DIR.parent / "shared" / "data"
    alert_ttl_seconds: int = 86_400
    subscription_ttl_days: int = 60
    login_max_failures: int = 5
    login_lock_seconds: int = 900
    otv_reminder_days: int = 10
    webpush_allowed_hosts: tuple[str, ...] = field(default=DEFAULT_PUSH_HOSTS)
    # Abuse limits of the anonymous subscription routes (README, Security; docs/security.md).
    registrations_per_minute: int = 20  # POST /subscriptions per client (source IP) and minute
    webpush_max_per_key: int = 1  # browser subscriptions sharing one p256dh key (RFC 8291: one each)
    webpush_max_per_push_service: int = 2_000_000  # subscriptions per allow-list entry (host pattern)
    webpush_max_failures: int = 3  # consecutive alerts an endpoint may fail before it is disabled

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def vapid_private_key(self) -> str:
        """The VAPID signing key: `VAPID_PRIVATE_KEY` when set, else the SSM SecureString named by
        `VAPID_PRIVATE_KEY_PARAMETER` (never in the Lambda's environment), "" when neither is."""
        if self.vapid_private_key_value or not self.vapid_private_key_parameter:
            return self.vapid_private_key_value
        return secure_parameter(self.vapid_private_key_parameter)

    def table_name(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def topic_name(self, department: str | None) -> str:
        """Name of a département's topic, or of the national topic when `department` is None."""
        return f"{self.prefix}-{'national' if department is None else 'dept-' + department}"

    def topic_arn(self, department: str | None) -> str:
        return f"arn:aws:sns:{self.region}:{self.account_id}:{self.topic_name(department)}"

    def platform_application_name(self, platform: str) -> str:
        return f"{self.prefix}-{platform}"

    def platform_application_arn(self, platform: str) -> str:
        """ARN of the APNs (`ios`) or FCM (`android`) platform application."""
        kind = {"ios": "APNS", "android": "GCM"}[platform]
        env = os.environ.get(f"{kind}_PLATFORM_APPLICATION_ARN", "").strip()
        if env:
            return env
        name = self.platform_application_name(platform)
        return f"arn:aws:sns:{self.region}:{self.account_id}:app/{kind}/{name}"

    @property
    def webpush_queue_name(self) -> str:
        return f"{self.prefix}-webpush"

    @property
    def webpush_dead_letter_queue_name(self) -> str:
        return f"{self.prefix}-webpush-dlq"

    @property
    def jwks_url(self) -> str:
        return self.cognito_jwks_url or f"{self.issuer}/.well-known/jwks.json"

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.cognito_user_pool_id}"


def _from_environment() -> Settings:
    """A relative `DATA_DIR` (the packaged `chalicelib/data`) is relative to the project, which is
    the Lambda's task root, whatever the working directory."""
    env = os.environ.get
    data_dir = env("DATA_DIR", "").strip()
    return Settings(
        stage=env("STAGE", "local"),
        region=env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "eu-west-3",
        account_id=env("AWS_ACCOUNT_ID", MOTO_ACCOUNT_ID),
        prefix=env("RESOURCE_PREFIX", "stopcamb-local"),
        cognito_user_pool_id=env("COGNITO_USER_POOL_ID", ""),
        cognito_client_id=env("COGNITO_CLIENT_ID", ""),
        cognito_jwks_url=env("COGNITO_JWKS_URL", ""),
        vapid_public_key=env("VAPID_PUBLIC_KEY", ""),
        vapid_private_key_value=env("VAPID_PRIVATE_KEY", ""),
        vapid_private_key_parameter=env("VAPID_PRIVATE_KEY_PARAMETER", ""),
        vapid_subject=env("VAPID_SUBJECT", Settings.vapid_subject),
        data_dir=PROJECT_DIR / data_dir if data_dir else Settings.data_dir,
        alert_ttl_seconds=_int("ALERT_TTL_SECONDS", 86_400),
        subscription_ttl_days=_int("SUBSCRIPTION_TTL_DAYS", 60),
        login_max_failures=_int("LOGIN_MAX_FAILURES", 5),
        login_lock_seconds=_int("LOGIN_LOCK_SECONDS", 900),
        otv_reminder_days=_int("OTV_REMINDER_DAYS", 10),
        webpush_allowed_hosts=_list("WEBPUSH_ALLOWED_HOSTS", DEFAULT_PUSH_HOSTS),
        registrations_per_minute=_int("REGISTRATIONS_PER_MINUTE", Settings.registrations_per_minute),
        webpush_max_per_key=_int("WEBPUSH_MAX_PER_KEY", Settings.webpush_max_per_key),
        webpush_max_per_push_service=_int("WEBPUSH_MAX_PER_PUSH_SERVICE", Settings.webpush_max_per_push_service),
        webpush_max_failures=_int("WEBPUSH_MAX_FAILURES", Settings.webpush_max_failures),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process; tests call `get_settings.cache_clear()` after changing env."""
    return _from_environment()


@lru_cache(maxsize=8)
def secure_parameter(name: str) -> str:
    """The decrypted value of an SSM SecureString, fetched once per container (it never changes
    under a running function: a new key is a new deployment)."""
    from chalicelib import aws

    return str(aws.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
