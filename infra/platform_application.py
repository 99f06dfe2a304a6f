"""CloudFormation custom resource: one SNS platform application (APNs token key, or FCM v1).

CloudFormation has no platform-application resource, and resolves no Secrets Manager reference
for a custom resource; a secret passed as a property would also sit in the event. So this function
receives the secret's *name* and reads it itself. It never logs the secret.
Properties: Name, Platform (APNS, APNS_SANDBOX or GCM), SecretId, CredentialsVersion (change it to
re-read a rotated secret). Physical id and `Arn`: the application's ARN.
"""

import json
import urllib.request

import boto3


def handler(event, context):
    arn = event.get("PhysicalResourceId", "")
    try:
        if event["RequestType"] == "Delete":
            delete(arn)
        else:
            arn = upsert(event["ResourceProperties"], event.get("OldResourceProperties"), arn)
        respond(event, "SUCCESS", arn)
    except Exception as exc:
        respond(event, "FAILED", arn or "not-created", f"{type(exc).__name__}: {exc}"[:400])


def upsert(props, old, arn):
    """Same name and platform: new credentials on the same application; else a new application
    (CloudFormation then deletes the old one)."""
    sns = boto3.client("sns")
    attributes = credentials(props["Platform"], props["SecretId"])
    same = old is not None and (old["Name"], old["Platform"]) == (props["Name"], props["Platform"])
    if same and arn.startswith("arn:"):
        sns.set_platform_application_attributes(PlatformApplicationArn=arn, Attributes=attributes)
        return arn
    answer = sns.create_platform_application(Name=props["Name"], Platform=props["Platform"], Attributes=attributes)
    return answer["PlatformApplicationArn"]


def credentials(platform, secret_id):
    """APNs: a JSON secret {signing_key, key_id, team_id, bundle_id} (token-based .p8 key);
    FCM: the Firebase service-account JSON itself."""
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"]
    if platform == "GCM":
        return {"PlatformCredential": secret}
    key = json.loads(secret)
    return {
        "PlatformCredential": key["signing_key"],
        "PlatformPrincipal": key["key_id"],
        "ApplePlatformTeamID": key["team_id"],
        "ApplePlatformBundleID": key["bundle_id"],
    }


def delete(arn):
    if arn.startswith("arn:"):
        boto3.client("sns").delete_platform_application(PlatformApplicationArn=arn)


def respond(event, status, arn, reason="See the function's log"):
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": arn,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": {"Arn": arn},
        }
    ).encode()
    # ResponseURL: CloudFormation's pre-signed S3 URL for this request.
    request = urllib.request.Request(event["ResponseURL"], data=body, method="PUT", headers={"Content-Type": ""})  # noqa: S310
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
