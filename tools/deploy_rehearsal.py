"""`make deploy-rehearsal`: the first deployment of a stage, rehearsed on an embedded AWS (moto).

    python -m tools.deploy_rehearsal --stage dev [--reuse-package]

1. Package the stage (`tools/package.py`: SAM template + zip), run AWS's own SAM transform on it
   (`tools/infra_tools.py`), with the zip's S3 key as `aws cloudformation package` names it.
2. Start moto's server, store the stage's secrets as the README's first step does (VAPID pair in
   SSM, APNs and FCM secrets), upload the zip and the template to S3.
3. Create the stack with CloudFormation (moto's), from the template's S3 URL as the README's deploy
   command does (the template is over CloudFormation's 51,200-byte inline limit). moto's
   CloudFormation lacks a few resource types and runs custom resources in Docker: those resources
   are *stood in for*, created by the real API call made from the template's own properties
   (after their references are resolved), and listed in the output.
4. Unpack the zip into a clean folder and, for every function of the stack, import its handler in
   a fresh Python with no site-packages and the function's own environment as the stack set it
   (pointed at moto), then send `/health` through the packaged API handler.

Prints a JSON report; exits 1 when a step fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import socket
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools import infra_tools
from tools.package import PROJECT_DIR, build, stage_config

REGION = "eu-west-3"
BUCKET = "stopcamb-deploy-artifacts"
CFN_TEMPLATE_BODY_LIMIT = 51_200  # bytes: above it CloudFormation wants the template from S3
PLACEHOLDER_CREDENTIALS = {"aws_access_key_id": "rehearsal", "aws_secret_access_key": "rehearsal"}
_DYNAMIC_SSM = re.compile(r"\{\{resolve:ssm:([^}:]+)\}\}")


class RehearsalError(RuntimeError):
    pass


# --- Intrinsic functions ---------------------------------------------------------------------------


class Unresolved(Exception):
    """A reference to a resource that does not exist yet."""


class Resolver:
    """Evaluates CloudFormation intrinsics with what is known so far: parameters, pseudo
    parameters, and the physical ids and attributes of resources already created."""

    def __init__(self, parameters: dict[str, Any], conditions: dict[str, Any]) -> None:
        self.values: dict[str, Any] = dict(parameters)
        self.attributes: dict[tuple[str, str], Any] = {}
        self.condition_source = conditions
        self.conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self.resolve(self.condition_source[name]))
        return self.conditions[name]

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                if arg == "AWS::NoValue":
                    return _NO_VALUE
                if arg not in self.values:
                    raise Unresolved(arg)
                return self.values[arg]
            if key == "Fn::GetAtt":
                name, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                if (name, attribute) not in self.attributes:
                    raise Unresolved(f"{name}.{attribute}")
                return self.attributes[(name, attribute)]
            if key == "Fn::Sub":
                text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
                return re.sub(r"\$\{([^}!]+)\}", lambda m: str(self._sub_value(m.group(1), extra)), text)
            if key == "Fn::Join":
                return arg[0].join(str(v) for v in self.resolve(arg[1]))
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if key == "Fn::If":
                return self.resolve(arg[1] if self.condition(arg[0]) else arg[2])
            if key == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(a) for a in arg)
            if key == "Fn::Or":
                return any(self.resolve(a) for a in arg)
            if key == "Condition":
                return self.condition(arg)
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in node.items()) if v is not _NO_VALUE}

    def _sub_value(self, name: str, extra: dict[str, Any]) -> Any:
        if name in extra:
            return extra[name]
        if "." in name:
            return self.resolve({"Fn::GetAtt": name.split(".", 1)})
        return self.resolve({"Ref": name})


_NO_VALUE = object()


def references(node: Any) -> set[str]:
    """The logical names a node refers to (Ref, GetAtt, ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= references(item)
    elif isinstance(node, dict):
        for key, arg in node.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add((arg if isinstance(arg, list) else arg.split(".", 1))[0])
            elif key == "Fn::Sub":
                text = arg if isinstance(arg, str) else arg[0]
                local = set() if isinstance(arg, str) else set(arg[1])
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)} - local
                if not isinstance(arg, str):
                    found |= references(arg[1])
            else:
                found |= references(arg)
    return {name for name in found if not name.startswith("AWS::")}


# --- Stand-ins: the real API call for what moto's CloudFormation cannot create --------------------


def api_params(client: Any, operation: str, properties: dict[str, Any], **renames: str) -> dict[str, Any]:
    """The template's properties as the API operation's parameters: renamed where CloudFormation
    names them otherwise, first letter lowered where the API is camelCase, unknown ones left out."""
    members = client.meta.service_model.operation_model(operation).input_shape.members
    params = {}
    for key, value in properties.items():
        name = renames.get(key, key)
        for candidate in (name, name[:1].lower() + name[1:]):
            if candidate in members:
                params[candidate] = value
                break
    return params


StandIn = Callable[[Any, str, dict[str, Any]], tuple[str, dict[str, Any]]]


def _user_pool(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cognito = aws("cognito-idp")
    pool = cognito.create_user_pool(**api_params(cognito, "CreateUserPool", p, UserPoolName="PoolName"))["UserPool"]
    return pool["Id"], {"Arn": pool["Arn"], "ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"}


def _user_pool_client(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cognito = aws("cognito-idp")
    client = cognito.create_user_pool_client(**api_params(cognito, "CreateUserPoolClient", p))["UserPoolClient"]
    return client["ClientId"], {}


def _user_pool_group(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cognito = aws("cognito-idp")
    group = cognito.create_group(**api_params(cognito, "CreateGroup", p))["Group"]
    return group["GroupName"], {}


def _stage(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    gateway = aws("apigateway")
    params = api_params(gateway, "CreateStage", p, RestApiId="restApiId", DeploymentId="deploymentId")
    gateway.create_stage(**params)
    return p["StageName"], {}


def _gateway_account(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    patch = [{"op": "replace", "path": "/cloudwatchRoleArn", "value": p["CloudWatchRoleArn"]}]
    aws("apigateway").update_account(patchOperations=patch)
    return f"{name}-account", {}


def _alarm(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    cloudwatch = aws("cloudwatch")
    cloudwatch.put_metric_alarm(**api_params(cloudwatch, "PutMetricAlarm", p))
    arn = f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{p['AlarmName']}"
    return p["AlarmName"], {"Arn": arn}


def _subscription(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    sns = aws("sns")
    arn = sns.subscribe(**api_params(sns, "Subscribe", p), ReturnSubscriptionArn=True)["SubscriptionArn"]
    return arn, {}


def _platform_application(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """What `infra/platform_application.py` does, with the secret read here (no Docker for Lambda)."""
    secret = json.loads(aws("secretsmanager").get_secret_value(SecretId=p["SecretId"])["SecretString"])
    if p["Platform"].startswith("APNS"):
        attributes = {"PlatformCredential": secret["signing_key"], "PlatformPrincipal": secret["key_id"]}
    else:
        attributes = {"PlatformCredential": json.dumps(secret)}
    arn = aws("sns").create_platform_application(Name=p["Name"], Platform=p["Platform"], Attributes=attributes)
    return arn["PlatformApplicationArn"], {}


def _dashboard(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    body = p["DashboardBody"] if isinstance(p["DashboardBody"], str) else json.dumps(p["DashboardBody"])
    aws("cloudwatch").put_dashboard(DashboardName=p.get("DashboardName", name), DashboardBody=body)
    return p.get("DashboardName", name), {}


def _rest_api(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The API from Chalice's Swagger 2.0 body, path by path (moto imports OpenAPI 3 only)."""
    gateway = aws("apigateway")
    api_id = gateway.create_rest_api(name=p["Name"], endpointConfiguration=_lower(p.get("EndpointConfiguration")))["id"]
    ids = {r["path"]: r["id"] for r in gateway.get_resources(restApiId=api_id)["items"]}
    for path, methods in sorted(p["Body"]["paths"].items()):
        parent = "/"
        for part in path.strip("/").split("/") if path != "/" else []:
            child = f"{parent.rstrip('/')}/{part}"
            if child not in ids:
                ids[child] = gateway.create_resource(restApiId=api_id, parentId=ids[parent], pathPart=part)["id"]
            parent = child
        for method, spec in methods.items():
            integration = spec["x-amazon-apigateway-integration"]
            gateway.put_method(
                restApiId=api_id, resourceId=ids[path], httpMethod=method.upper(), authorizationType="NONE"
            )
            gateway.put_integration(
                restApiId=api_id,
                resourceId=ids[path],
                httpMethod=method.upper(),
                type=integration["type"].upper(),
                integrationHttpMethod=integration["httpMethod"],
                uri=integration["uri"],
            )
    return api_id, {"RootResourceId": ids["/"]}


def _lower(value: Any) -> Any:
    """CloudFormation's PascalCase keys as the API Gateway API's camelCase."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _lower(v) for k, v in value.items()}
    return value


def _deployment(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    gateway = aws("apigateway")
    return gateway.create_deployment(**api_params(gateway, "CreateDeployment", p, RestApiId="restApiId"))["id"], {}


def _permission(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    params = api_params(aws("lambda"), "AddPermission", p)
    aws("lambda").add_permission(StatementId=name, **params)
    return name, {}


WAF_NUMBERS = {"Limit", "EvaluationWindowSec", "Size", "Priority", "ResponseCode"}


def _numbers(value: Any) -> Any:
    """Parameters resolve to text; the WAF API wants its limits and sizes as numbers."""
    if isinstance(value, dict):
        return {k: int(v) if k in WAF_NUMBERS and isinstance(v, str) else _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


def _web_acl(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    wafv2 = aws("wafv2")
    acl = wafv2.create_web_acl(**api_params(wafv2, "CreateWebACL", _numbers(p)))["Summary"]
    return f"{acl['Name']}|{acl['Id']}|{p['Scope']}", {"Arn": acl["ARN"], "Id": acl["Id"]}


def _web_acl_association(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    aws("wafv2").associate_web_acl(WebACLArn=p["WebACLArn"], ResourceArn=p["ResourceArn"])
    return f"{p['WebACLArn']}|{p['ResourceArn']}", {}


def _waf_logging(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    wafv2 = aws("wafv2")
    configuration = api_params(wafv2, "PutLoggingConfiguration", {"LoggingConfiguration": p})
    wafv2.put_logging_configuration(**configuration)
    return p["ResourceArn"], {}


def _cloudfront_api(value: Any) -> Any:
    """CloudFormation's CloudFront properties as the CloudFront API writes them: every list as
    `{"Quantity", "Items"}`, cached methods inside the allowed ones, the origin's ports given."""
    if isinstance(value, list):
        return {"Quantity": len(value), "Items": [_cloudfront_api(v) for v in value]}
    if not isinstance(value, dict):
        return value
    value = {k: _cloudfront_api(v) for k, v in value.items()}
    if "CachedMethods" in value and "AllowedMethods" in value:
        value["AllowedMethods"] = {**value["AllowedMethods"], "CachedMethods": value.pop("CachedMethods")}
    if "IPV6Enabled" in value:
        value["IsIPV6Enabled"] = value.pop("IPV6Enabled")
    if "OriginProtocolPolicy" in value:  # a custom origin
        value = {"HTTPPort": 80, "HTTPSPort": 443, **value}
        if "OriginSSLProtocols" in value:
            value["OriginSslProtocols"] = value.pop("OriginSSLProtocols")
    return value


def _validated_only(operation: str, config_key: str) -> StandIn:
    """moto has no API for these CloudFront resources: the request the resource stands for is built
    from the template's properties and checked against the API's own input shape (botocore's
    validator), then given an id. A property CloudFront would refuse fails the rehearsal."""

    def stand_in(aws: Any, name: str, p: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        from botocore.validate import ParamValidator

        client = aws("cloudfront")
        config = _cloudfront_api(p[config_key])
        if operation == "CreateDistribution":
            config = {"CallerReference": name, "Comment": "", **config}
        shape = client.meta.service_model.operation_model(operation).input_shape
        report = ParamValidator().validate({config_key: config}, shape)
        if report.has_errors():
            raise RehearsalError(f"{name}: {report.generate_report()}")
        physical = hashlib.sha256(name.encode()).hexdigest()[:14].upper()
        return physical, {"Id": physical, "DomainName": f"{physical.lower()}.cloudfront.net"}

    return stand_in


STAND_INS: dict[str, StandIn] = {
    "AWS::CloudFront::CachePolicy": _validated_only("CreateCachePolicy", "CachePolicyConfig"),
    "AWS::CloudFront::OriginRequestPolicy": _validated_only("CreateOriginRequestPolicy", "OriginRequestPolicyConfig"),
    "AWS::CloudFront::Distribution": _validated_only("CreateDistribution", "DistributionConfig"),
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGateway::Deployment": _deployment,
    "AWS::Lambda::Permission": _permission,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolGroup": _user_pool_group,
    "AWS::ApiGateway::Stage": _stage,
    "AWS::ApiGateway::Account": _gateway_account,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::CloudWatch::Dashboard": _dashboard,
    "AWS::SNS::Subscription": _subscription,
    "Custom::SnsPlatformApplication": _platform_application,
    "AWS::WAFv2::WebACL": _web_acl,
    "AWS::WAFv2::WebACLAssociation": _web_acl_association,
    "AWS::WAFv2::LoggingConfiguration": _waf_logging,
}
# Types moto's CloudFormation accepts but does not build as AWS does: its RestApi ignores the OpenAPI
# `Body`, so the API would have no method and no deployment could be made of it.
MOTO_INCOMPLETE = {"AWS::ApiGateway::RestApi": "moto's CloudFormation ignores the OpenAPI Body"}
# What a stand-in does not read (and so need not wait for).
IGNORED_PROPERTIES = {"Custom::SnsPlatformApplication": {"ServiceToken", "CredentialsVersion"}}


# --- The rehearsal ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Rehearsal:
    def __init__(self, stage: str, template: dict[str, Any], endpoint: str) -> None:
        import boto3

        self.stage = stage
        self.prefix = stage_config(stage)["prefix"]
        self.template = template
        self.endpoint = endpoint
        self.session = boto3.session.Session(region_name=REGION, **PLACEHOLDER_CREDENTIALS)
        self.report: dict[str, Any] = {"stage": stage, "stand_ins": {}, "stack_resources": 0}

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)

    # 2. what an operator stores before the first deployment
    def store_secrets(self) -> None:
        from tools.stage_secrets import put_secret, put_vapid

        put_vapid(self.client("ssm"), self.prefix)
        secrets = self.client("secretsmanager")
        key = "-----BEGIN PRIVATE KEY-----\nrehearsal\n-----END PRIVATE KEY-----"
        apns = {"signing_key": key, "key_id": "ABC123DEFG", "team_id": "TEAM123456", "bundle_id": "fr.example"}
        put_secret(secrets, f"{self.prefix}/apns", json.dumps(apns))
        put_secret(secrets, f"{self.prefix}/fcm", json.dumps({"project_id": "rehearsal", "type": "service_account"}))

    def upload(self, zip_path: Path, key: str) -> None:
        s3 = self.client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.upload_file(str(zip_path), BUCKET, key)

    def resolve_dynamic_references(self) -> list[str]:
        """`{{resolve:ssm:…}}` as CloudFormation resolves it (moto leaves it as text)."""
        ssm, names = self.client("ssm"), []

        def replace(match: re.Match[str]) -> str:
            names.append(match.group(1))
            return str(ssm.get_parameter(Name=match.group(1))["Parameter"]["Value"])

        resolver = Resolver(self.parameters(), {})
        text = json.dumps(self.template)
        # Sub-built names first: the only dynamic references here are Fn::Sub strings.
        for match in set(re.findall(r'"Fn::Sub": "(\{\{resolve:ssm:[^"]+\}\})"', text)):
            text = text.replace(f'{{"Fn::Sub": "{match}"}}', json.dumps(resolver.resolve({"Fn::Sub": match})))
        self.template = json.loads(_DYNAMIC_SSM.sub(replace, text))
        return sorted(set(names))

    def parameters(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            name: spec.get("Default") for name, spec in self.template.get("Parameters", {}).items()
        }
        values.update({"AWS::Region": REGION, "AWS::AccountId": "123456789012", "AWS::Partition": "aws"})
        values.update({"AWS::StackName": self.prefix, "AWS::URLSuffix": "amazonaws.com"})
        return values

    # 3. the stack, with stand-ins around it
    def deploy(self) -> None:
        from moto.cloudformation.parsing import get_model_map

        supported = set(get_model_map())
        resolver = Resolver(self.parameters(), self.template.get("Conditions", {}))
        resources = {
            name: r
            for name, r in self.template["Resources"].items()
            if "Condition" not in r or resolver.condition(r["Condition"])
        }
        standing = {
            n: r
            for n, r in resources.items()
            if r["Type"] not in supported or r["Type"].startswith("Custom::") or r["Type"] in MOTO_INCOMPLETE
        }
        self.stand_in_dependents(resources, standing)
        missing = sorted({r["Type"] for r in standing.values() if r["Type"] not in STAND_INS})
        if missing:
            raise RehearsalError(f"no stand-in for these resource types (add one to STAND_INS): {missing}")
        in_stack = {n: r for n, r in resources.items() if n not in standing}

        stood_in = set(standing)
        self.stand_in(standing, resolver, before_stack=True)
        stack_template = self.stack_template(in_stack, stood_in, resolver)
        self.create_stack(stack_template)
        self.learn_stack(in_stack, resolver)
        self.stand_in(standing, resolver, before_stack=False)
        if standing:
            unknown = {
                n: sorted(references(r.get("Properties", {})) - set(resolver.values)) for n, r in standing.items()
            }
            raise RehearsalError(f"stand-ins whose references never resolved: {unknown}")

    @staticmethod
    def stand_in_dependents(resources: dict[str, dict[str, Any]], standing: dict[str, dict[str, Any]]) -> None:
        """A stack resource that reads a stand-in made *after* the stack (one that reads the stack
        itself) cannot be in the stack: it is stood in too, until nothing changes."""

        def reads(name: str) -> set[str]:
            resource = resources[name]
            ignored = IGNORED_PROPERTIES.get(resource["Type"], set())
            properties = {k: v for k, v in resource.get("Properties", {}).items() if k not in ignored}
            return references(properties) & set(resources)

        changed = True
        while changed:
            late = {n for n in standing if reads(n) - set(standing)}
            grew = True
            while grew:  # stand-ins that read late stand-ins are late too
                more = {n for n in standing if reads(n) & late} - late
                late |= more
                grew = bool(more)
            moved = {n for n in resources if n not in standing and reads(n) & late}
            standing.update({n: resources[n] for n in moved})
            changed = bool(moved)

    def stand_in(self, pending: dict[str, dict[str, Any]], resolver: Resolver, *, before_stack: bool) -> None:
        progress = True
        while progress and pending:
            progress = False
            for name, resource in list(pending.items()):
                ignored = IGNORED_PROPERTIES.get(resource["Type"], set())
                properties = {k: v for k, v in resource.get("Properties", {}).items() if k not in ignored}
                try:
                    resolved = resolver.resolve(properties)
                except Unresolved:
                    continue
                physical, attributes = STAND_INS[resource["Type"]](self.client, name, resolved)
                resolver.values[name] = physical
                resolver.attributes.update({(name, k): v for k, v in attributes.items()})
                kinds = self.report["stand_ins"].setdefault(resource["Type"], [])
                kinds.append(name)
                del pending[name]
                progress = True

    def stack_template(
        self, in_stack: dict[str, dict[str, Any]], standing: set[str], resolver: Resolver
    ) -> dict[str, Any]:
        """The stack's part of the template: references to stood-in resources become their values."""

        def literal(node: Any) -> Any:
            if isinstance(node, list):
                return [literal(item) for item in node]
            if not isinstance(node, dict):
                return node
            if references(node) & standing and references(node) <= standing | set(resolver.values):
                try:
                    return resolver.resolve(node)
                except Unresolved:
                    pass
            return {k: literal(v) for k, v in node.items()}

        resources = {}
        for name, resource in in_stack.items():
            resource = literal(resource)
            depends = resource.get("DependsOn")
            if depends:
                kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in standing]
                resource["DependsOn"] = kept
                if not kept:
                    del resource["DependsOn"]
            if references(resource.get("Properties", {})) & standing:
                raise RehearsalError(f"{name} needs a stood-in resource created after the stack")
            resources[name] = resource
        outputs = {
            k: literal(v) for k, v in self.template.get("Outputs", {}).items() if not references(literal(v)) & standing
        }
        template = {k: v for k, v in self.template.items() if k not in ("Resources", "Outputs", "Metadata")}
        return {**template, "Resources": resources, "Outputs": outputs}

    def create_stack(self, template: dict[str, Any]) -> None:
        body = json.dumps(template)
        s3 = self.client("s3")
        s3.put_object(Bucket=BUCKET, Key=f"{self.prefix}/template.json", Body=body.encode())
        url = f"https://{BUCKET}.s3.{REGION}.amazonaws.com/{self.prefix}/template.json"
        cloudformation = self.client("cloudformation")
        cloudformation.create_stack(
            StackName=self.prefix, TemplateURL=url, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            stack = cloudformation.describe_stacks(StackName=self.prefix)["Stacks"][0]
            if not stack["StackStatus"].endswith("_IN_PROGRESS"):
                break
            time.sleep(0.5)
        if stack["StackStatus"] != "CREATE_COMPLETE":
            events = cloudformation.describe_stack_events(StackName=self.prefix)["StackEvents"]
            reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events[:10]]
            raise RehearsalError(f"stack {stack['StackStatus']}: {reasons}")
        self.report["stack_status"] = stack["StackStatus"]
        self.report["template_bytes"] = len(body)

    def learn_stack(self, in_stack: dict[str, dict[str, Any]], resolver: Resolver) -> None:
        """Physical ids and the attributes stood-in resources read (ARNs, mostly)."""
        listed = self.client("cloudformation").describe_stack_resources(StackName=self.prefix)["StackResources"]
        self.report["stack_resources"] = len(listed)
        for item in listed:
            name, physical = item["LogicalResourceId"], item.get("PhysicalResourceId")
            if not physical:  # moto gives none to some (Lambda permissions): nothing may read it then
                continue
            resolver.values[name] = physical
            kind = in_stack.get(name, {}).get("Type", "")
            resolver.attributes.update({(name, k): v for k, v in attributes_of(kind, physical).items()})

    # 4. every handler, from the zip, with its function's environment
    def import_handlers(self, zip_path: Path) -> None:
        from tools.check_package import probe

        lam = self.client("lambda")
        functions = [f for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"]]
        ours = [
            f for f in functions if f["FunctionName"].startswith(f"{self.prefix}-") or "APIHandler" in f["FunctionName"]
        ]
        results = {}
        with tempfile.TemporaryDirectory(prefix="lambda-task-") as folder:
            root = Path(folder)
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(root)
            for function in ours:
                if function.get("Runtime", "").startswith("python3.11") is False:
                    continue  # the inline custom-resource function is not in the zip
                env = {
                    **function.get("Environment", {}).get("Variables", {}),
                    "AWS_ENDPOINT_URL": self.endpoint,
                    "AWS_ACCESS_KEY_ID": "rehearsal",
                    "AWS_SECRET_ACCESS_KEY": "rehearsal",
                    "AWS_LAMBDA_FUNCTION_NAME": function["FunctionName"],
                }
                unresolved = {k: v for k, v in env.items() if "{{resolve" in v or not v.strip()}
                if unresolved:
                    raise RehearsalError(f"{function['FunctionName']}: environment left unresolved: {unresolved}")
                is_api = function["Handler"] == "app.app"
                requests = [["/health", {}]] if is_api else []
                spec = {"handlers": [function["Handler"]], "modules": [], "requests": requests}
                answer = probe(root, env, spec)
                if answer["failures"]:
                    raise RehearsalError(f"{function['FunctionName']}: {answer['failures']}")
                result: dict[str, Any] = {"handler": function["Handler"], "imported": True}
                if is_api:
                    result["health"] = answer["smoke"].get("/health", {}).get("status")
                    if result["health"] != 200:
                        raise RehearsalError(f"{function['FunctionName']}: /health answered {result['health']}")
                results[function["FunctionName"]] = result
        if not any(r.get("health") == 200 for r in results.values()):
            raise RehearsalError("the API function was not found in the stack, or did not answer /health")
        self.report["functions"] = results


def attributes_of(kind: str, physical: str) -> dict[str, str]:
    """The `Fn::GetAtt` attributes stand-ins read of a stack resource, from its physical id."""
    account = "123456789012"
    if kind == "AWS::SNS::Topic":
        return {"TopicArn": physical, "TopicName": physical.rsplit(":", 1)[-1]}
    if kind == "AWS::SQS::Queue":
        name = physical.rsplit("/", 1)[-1]
        return {"Arn": f"arn:aws:sqs:{REGION}:{account}:{name}", "QueueName": name, "QueueUrl": physical}
    if kind == "AWS::Lambda::Function":
        return {"Arn": f"arn:aws:lambda:{REGION}:{account}:function:{physical}"}
    if kind == "AWS::IAM::Role":
        return {"Arn": f"arn:aws:iam::{account}:role/{physical}", "RoleId": physical}
    if kind == "AWS::Logs::LogGroup":
        return {"Arn": f"arn:aws:logs:{REGION}:{account}:log-group:{physical}:*"}
    if kind == "AWS::DynamoDB::Table":
        return {"Arn": f"arn:aws:dynamodb:{REGION}:{account}:table/{physical}"}
    if kind == "AWS::Events::Rule":
        return {"Arn": f"arn:aws:events:{REGION}:{account}:rule/{physical}"}
    return {}


def s3_key_of(zip_path: Path) -> str:
    """The key `aws cloudformation package` gives an artefact: its MD5."""
    return hashlib.md5(zip_path.read_bytes(), usedforsecurity=False).hexdigest()


def rehearse(stage: str, *, reuse_package: bool = False) -> dict[str, Any]:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    build_dir = PROJECT_DIR / "build" / stage
    zip_path = build_dir / "deployment.zip"
    if not (reuse_package and zip_path.exists()):
        print(f"packaging {stage}…", file=sys.stderr, flush=True)
        zip_path = build(stage, build_dir)
    key = s3_key_of(zip_path)
    translated_path = build_dir / "cloudformation.json"
    template = infra_tools.translate(build_dir / "sam.yaml", translated_path, s3_key=key)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        rehearsal = Rehearsal(stage, template, f"http://127.0.0.1:{port}")
        rehearsal.store_secrets()
        rehearsal.upload(zip_path, key)
        rehearsal.report["dynamic_references"] = rehearsal.resolve_dynamic_references()
        if len(json.dumps(template)) <= CFN_TEMPLATE_BODY_LIMIT:
            rehearsal.report["note"] = "template small enough to deploy inline"
        print("creating the stack on the embedded AWS…", file=sys.stderr, flush=True)
        rehearsal.deploy()
        print("importing every handler from the zip…", file=sys.stderr, flush=True)
        rehearsal.import_handlers(zip_path)
        return rehearsal.report
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--reuse-package", action="store_true", help="use build/<stage>/deployment.zip if present")
    args = parser.parse_args()
    try:
        report = rehearse(args.stage, reuse_package=args.reuse_package)
    except (RehearsalError, infra_tools.InfraToolError) as error:
        print(f"deploy rehearsal: {error}", file=sys.stderr)
        return 1
    print(json.dumps(report, indent=2))
    stood = ", ".join(f"{kind} ×{len(names)}" for kind, names in sorted(report["stand_ins"].items()))
    print(f"stack {report['stack_status']} with {report['stack_resources']} resources; stood in: {stood}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
