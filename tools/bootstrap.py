"""Create every AWS resource the app needs on the embedded AWS (moto), idempotently.

On AWS the same resources come from `infra/`; this is the local stage's equivalent. Returns the
environment variables (pool and client ids, queue URLs) that the app then reads.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib import aws, departements
from chalicelib.auth import ADMIN, OPP, chief_group, corg_group
from chalicelib.config import Settings, get_settings

log = logging.getLogger(__name__)

DEMO_OPERATORS = {
    "corg-34": ["corg-34"],
    "corg-74": ["corg-74"],
    "opp-ggd34": [OPP],
    "admin": [ADMIN],
    "chef-34": [corg_group("34"), chief_group("34")],  # the CORG 34's chief: manages its operators
}
DEFAULT_DEMO_PASSWORD = "Demo-Gendarmerie-2026!"


def create_tables() -> None:
    from chalicelib.models import ALL_MODELS

    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True)


def create_topics(settings: Settings) -> None:
    sns = aws.client("sns")
    for code in (None, *departements.CODES):
        sns.create_topic(Name=settings.topic_name(code))


def create_platform_applications(settings: Settings) -> None:
    """APNs and FCM applications with placeholder credentials (the local stage sends nothing out)."""
    sns = aws.client("sns")
    sns.create_platform_application(
        Name=settings.platform_application_name("ios"),
        Platform="APNS",
        Attributes={"PlatformCredential": "local-placeholder", "PlatformPrincipal": "local-placeholder"},
    )
    sns.create_platform_application(
        Name=settings.platform_application_name("android"),
        Platform="GCM",
        Attributes={"PlatformCredential": "local-placeholder"},
    )


def create_queues(settings: Settings) -> dict[str, str]:
    import json

    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=settings.webpush_dead_letter_queue_name)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"})
    url = sqs.create_queue(
        QueueName=settings.webpush_queue_name,
        Attributes={"VisibilityTimeout": "120", "RedrivePolicy": redrive},
    )["QueueUrl"]
    return {"WEBPUSH_QUEUE_URL": url, "WEBPUSH_DLQ_URL": dlq_url}


def create_user_pool(settings: Settings, demo_password: str) -> dict[str, str]:
    cognito = aws.client("cognito-idp")
    name = f"{settings.prefix}-operators"
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((p["Id"] for p in pools if p["Name"] == name), None)
    if pool_id is None:
        pool_id = cognito.create_user_pool(
            PoolName=name,
            Policies={
                "PasswordPolicy": {
                    "MinimumLength": 12,
                    "RequireUppercase": True,
                    "RequireLowercase": True,
                    "RequireNumbers": True,
                    "RequireSymbols": True,
                }
            },
        )["UserPool"]["Id"]
    # As on AWS (infra: MfaConfiguration from MFA_REQUIRED): TOTP required, or optional (local default).
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON" if settings.mfa_required else "OPTIONAL",
    )
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    client_id = next((c["ClientId"] for c in clients if c["ClientName"] == "console"), None)
    if client_id is None:
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="console",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
    existing = {g["GroupName"] for g in cognito.list_groups(UserPoolId=pool_id, Limit=60)["Groups"]}
    groups = [corg_group(code) for code in departements.CODES]
    groups += [chief_group(code) for code in departements.CODES] + [OPP, ADMIN]
    for group in groups:
        if group not in existing:
            _ignore_exists(cognito.create_group, UserPoolId=pool_id, GroupName=group)
    for username, user_groups in DEMO_OPERATORS.items():
        _ignore_exists(cognito.admin_create_user, UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=demo_password, Permanent=True)
        for group in user_groups:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    return {"COGNITO_USER_POOL_ID": pool_id, "COGNITO_CLIENT_ID": client_id}


def _ignore_exists(call: Any, **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code not in ("UsernameExistsException", "GroupExistsException"):
            raise


def create_all(demo_password: str = DEFAULT_DEMO_PASSWORD) -> dict[str, str]:
    """Create everything; return the environment the app needs to find what has generated ids."""
    settings = get_settings()
    create_tables()
    create_topics(settings)
    create_platform_applications(settings)
    env = create_queues(settings)
    env.update(create_user_pool(settings, demo_password))
    log.info("bootstrap done: %d topics, %d tables", len(departements.CODES) + 1, 6)
    return env
