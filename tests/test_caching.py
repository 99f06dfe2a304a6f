"""Reads a CDN can absorb: ETag and 304 on the public reads, Cache-Control per route, nothing cached
for positions, operators or writes, and a new alert or retraction seen within the stated bound."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib import caching
from chalicelib.openapi import document

Headers = Callable[[str], dict[str, str]]
TEXT = "Cambriolages de maisons à Lodève cette nuit : fermez portes et fenêtres, signalez au 17."
ALERT = {"department": "34", "text": TEXT, "offence_type": "cambriolage_habitation", "offence_established": True}
READS = [
    "/alerts/34",
    "/feed",
    "/feed?limit=5",
    "/departments",
    "/communes?q=lodeve",
    "/brigades/gendarmerie-34069-01",
    "/content/prevention?audience=particulier",
    "/content/victim",
    "/content/otv",
]


def directives(value: str) -> dict[str, str]:
    return dict(([*part.strip().split("="), ""])[:2] for part in value.split(","))  # type: ignore[misc]


@pytest.mark.parametrize("path", READS)
def test_each_public_read_answers_304_to_its_own_etag(client: Any, path: str) -> None:
    first = client.http.get(path)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert re.fullmatch(r'W/"[0-9a-f]{32}"', tag)

    again = client.http.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.body == b""
    assert again.headers["ETag"] == tag and again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert "Content-Type" not in again.headers
    # as a CDN or a browser sends it: a list, a strong form of the weak tag
    assert client.http.get(path, headers={"If-None-Match": f'"other", {tag[2:]}'}).status_code == 304
    assert client.http.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_alert_and_feed_are_kept_seconds_by_the_cdn_and_reference_data_hours(client: Any) -> None:
    live = directives(client.http.get("/alerts/34").headers["Cache-Control"])
    assert "public" in live and int(live["max-age"]) == 0
    assert 0 < int(live["s-maxage"]) <= 60 and int(live["stale-while-revalidate"]) > 0
    assert int(live["s-maxage"]) + 2 * int(live["stale-while-revalidate"]) <= caching.LIVE_BOUND_SECONDS
    assert directives(client.http.get("/feed").headers["Cache-Control"]) == live
    for path in ("/departments", "/communes?q=lodeve", "/content/victim", "/brigades/gendarmerie-34069-01"):
        reference = directives(client.http.get(path).headers["Cache-Control"])
        assert int(reference["s-maxage"]) >= 3600 and int(reference["stale-while-revalidate"]) > 0, path


def test_a_new_alert_and_a_retraction_change_the_etag(client: Any, auth_header: Headers) -> None:
    empty = client.http.get("/alerts/34").headers["ETag"]
    sent = client.http.post("/corg/alerts", headers=auth_header("corg-34"), body=json.dumps(ALERT))
    assert sent.status_code == 201
    after_send = client.http.get("/alerts/34", headers={"If-None-Match": empty})
    assert after_send.status_code == 200 and after_send.json_body["alert"]["text"] == TEXT
    retracted = client.http.delete("/corg/alerts/34", headers=auth_header("corg-34"))
    assert retracted.status_code == 200
    after_retraction = client.http.get("/alerts/34", headers={"If-None-Match": after_send.headers["ETag"]})
    assert after_retraction.status_code == 200 and after_retraction.json_body == {"alert": None}


def test_positions_operators_writes_and_errors_are_never_stored(client: Any, auth_header: Headers) -> None:
    answers = [
        client.http.get("/brigades/nearest?lat=43.61&lon=3.87"),
        client.http.get("/corg/alerts?department=34", headers=auth_header("corg-34")),
        client.http.get("/corg/subscribers?department=34", headers=auth_header("corg-34")),
        client.http.post("/corg/alerts", headers=auth_header("corg-34"), body=json.dumps(ALERT)),
        client.http.get("/brigades/no-such-unit"),
        client.http.get("/alerts/20"),
        client.http.get("/health"),
    ]
    for answer in answers:
        assert answer.headers["Cache-Control"] == "no-store", answer.status_code
        assert "ETag" not in answer.headers
    # an operator's If-None-Match changes nothing on a route that is never cached
    log = client.http.get("/corg/alerts?department=34", headers={**auth_header("corg-34"), "If-None-Match": "*"})
    assert log.status_code == 200


def test_no_operator_or_position_route_can_be_given_a_policy() -> None:
    for route in ("/brigades/nearest", "/corg/alerts", "/opp/feed", "/admin/metrics", "/auth/login"):
        assert caching.policy("GET", route) is None
    assert caching.policy("POST", "/feed") is None
    assert caching.policy("GET", "/feed") is caching.LIVE


def test_the_description_declares_the_validators_of_every_cached_read() -> None:
    paths = document()["paths"]
    for route in caching.POLICIES:
        operation = paths[route]["get"]
        assert {"If-None-Match"} <= {p["name"] for p in operation["parameters"]}, route
        assert "content" not in operation["responses"]["304"], route
        assert {"ETag", "Cache-Control"} <= set(operation["responses"]["200"]["headers"]), route


# --- The CDN in front of the API (infra/resources.yaml) ------------------------------------------

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS managed policies
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import yaml

    from tools.package import template_only

    built = template_only("dev", tmp_path_factory.mktemp("sam") / "dev")
    return dict(yaml.safe_load(built.read_text()))


def behaviour_for(distribution: dict[str, Any], route: str) -> dict[str, Any]:
    """The behaviour CloudFront picks for a path: the first pattern that matches, else the default."""
    import fnmatch

    path = re.sub(r"\{[^}]+\}", "x", route)
    for behaviour in distribution["CacheBehaviors"]:
        if fnmatch.fnmatchcase(path, behaviour["PathPattern"]):
            return dict(behaviour)
    return dict(distribution["DefaultCacheBehavior"])


def cache_key(template: dict[str, Any], behaviour: dict[str, Any]) -> dict[str, Any] | None:
    """The cache policy's key parameters (None: caching disabled)."""
    policy = behaviour["CachePolicyId"]
    if policy == CACHING_DISABLED:
        return None
    config = template["Resources"][policy["Ref"]]["Properties"]["CachePolicyConfig"]
    return dict(config["ParametersInCacheKeyAndForwardedToOrigin"])


def test_the_cdn_caches_each_listed_read_keyed_on_its_query_parameters_only(template: dict[str, Any]) -> None:
    distribution = template["Resources"]["Cdn"]["Properties"]["DistributionConfig"]
    paths = document()["paths"]
    for route in caching.POLICIES:
        key = cache_key(template, behaviour_for(distribution, route))
        assert key is not None, route
        declared = {p["name"] for p in paths[route]["get"].get("parameters", []) if p["in"] == "query"}
        strings = key["QueryStringsConfig"]
        assert set(strings.get("QueryStrings", [])) == declared, route
        assert strings["QueryStringBehavior"] == ("whitelist" if declared else "none"), route
        assert key["HeadersConfig"] == {"HeaderBehavior": "none"} and key["CookiesConfig"]["CookieBehavior"] == "none"
        assert key["EnableAcceptEncodingGzip"] and key["EnableAcceptEncodingBrotli"], route


def test_the_cdn_never_caches_operators_positions_or_any_other_route(template: dict[str, Any]) -> None:
    from app import app

    distribution = template["Resources"]["Cdn"]["Properties"]["DistributionConfig"]
    assert cache_key(template, distribution["DefaultCacheBehavior"]) is None
    assert distribution["DefaultCacheBehavior"]["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    pages = ("/", "/console", "/sw.js", "/static/{name}")  # their own no-cache and ETags
    for route, methods in app.routes.items():
        behaviour = behaviour_for(distribution, route)
        if route.startswith(caching.NEVER_CACHED) or (route not in caching.POLICIES and route not in pages):
            assert cache_key(template, behaviour) is None, route
            assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST, route  # Authorization passes
        assert behaviour["Compress"] is True, route
        assert set(methods) <= set(behaviour["AllowedMethods"]), route
    for policy in (r for r in template["Resources"].values() if r["Type"] == "AWS::CloudFront::CachePolicy"):
        headers = policy["Properties"]["CachePolicyConfig"]["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]
        assert "Authorization" not in json.dumps(headers)


def test_the_cdn_keeps_nothing_longer_than_the_api_says_and_shields_the_origin(template: dict[str, Any]) -> None:
    distribution = template["Resources"]["Cdn"]["Properties"]["DistributionConfig"]
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::CloudFront::CachePolicy":
            config = resource["Properties"]["CachePolicyConfig"]
            assert config["MinTTL"] == config["DefaultTTL"] == 0  # no Cache-Control: not kept
    (origin,) = distribution["Origins"]
    assert origin["OriginPath"] == "/api" and origin["OriginShield"]["Enabled"] is True
    api = template["Resources"]["RestAPI"]["Properties"]
    assert api["MinimumCompressionSize"] == 1024 and api["EndpointConfiguration"] == "REGIONAL"
