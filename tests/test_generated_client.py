"""A client generated from the description by openapi-python-client, as a mobile team would do it,
runs a citizen flow and an operator flow against the real app (Chalice's test client, moto) through
its typed models: every answer parses into the declared model, nothing is left untyped in an
`additional_properties` that is not a declared map, and no operation is missing from the client.

The generator runs offline in the test (a pinned dev dependency, about two seconds). Its one
configuration beyond names is what the changelog tells client teams: PDFs read as binary files.
"""

from __future__ import annotations

import importlib
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from chalicelib.openapi import document

PACKAGE = "stopcamb_client"
CONFIG = f"""post_hooks: []
package_name_override: {PACKAGE}
content_type_overrides:
  application/pdf: application/octet-stream
"""
PASSWORD = "Demo-Gendarmerie-2026!"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated from the served description into a temporary folder."""
    folder = tmp_path_factory.mktemp("generated-client")
    (folder / "openapi.json").write_text(json.dumps(document()))
    (folder / "config.yaml").write_text(CONFIG)
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(folder / "openapi.json"),
            "--config",
            str(folder / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr  # nothing dropped
    sys.path.insert(0, str(folder))
    httpx_log = logging.getLogger("httpx")
    level = httpx_log.level
    httpx_log.setLevel(logging.WARNING)  # its INFO line is the URL, and a URL may carry a position
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        httpx_log.setLevel(level)
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


class Api:
    """`api.call("searchCommunes", q=...)`: the generated function of an operationId, its answer
    checked for untyped leftovers."""

    def __init__(self, package: ModuleType, http: Any) -> None:
        import httpx

        self.package = package
        self.modules = {
            operation["operationId"]: f"{PACKAGE}.api.{operation['tags'][0]}.{_snake(operation['operationId'])}"
            for operations in document()["paths"].values()
            for operation in operations.values()
        }

        def send(request: httpx.Request) -> httpx.Response:
            target = request.url.raw_path.decode()
            answer = http.request(request.method, target, headers=dict(request.headers), body=request.content)
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.body)

        self.transport = httpx.MockTransport(send)
        self.citizen = package.Client(
            base_url="https://api.example", httpx_args={"transport": self.transport}, raise_on_unexpected_status=True
        )

    def operator(self, token: str) -> Any:
        return self.package.AuthenticatedClient(
            base_url="https://api.example",
            token=token,
            httpx_args={"transport": self.transport},
            raise_on_unexpected_status=True,
        )

    def call(self, operation_id: str, *args: Any, client: Any = None, status: int = 200, **kwargs: Any) -> Any:
        function = importlib.import_module(self.modules[operation_id])
        response = function.sync_detailed(*args, client=client or self.citizen, **kwargs)
        assert int(response.status_code) == status, (operation_id, response.status_code, response.content[:300])
        untyped = list(leftovers(response.parsed, operation_id))
        assert not untyped, f"fields the description does not type: {untyped}"
        return response.parsed

    def model(self, name: str) -> Any:
        return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def leftovers(value: Any, where: str) -> Iterator[str]:
    """Fields that landed in the `additional_properties` of a model that does not declare a map."""
    import attrs

    if attrs.has(type(value)):
        extra = getattr(value, "additional_properties", {})
        declared_map = type(value).__annotations__.get("additional_properties", "") != "dict[str, Any]"
        if extra and not declared_map:
            yield f"{where}: {sorted(extra)}"
        for field in attrs.fields(type(value)):
            if field.name != "additional_properties":
                yield from leftovers(getattr(value, field.name), f"{where}.{field.name}")
        for key, item in extra.items():
            yield from leftovers(item, f"{where}[{key}]")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leftovers(item, f"{where}[{index}]")


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


@pytest.fixture
def api(generated: ModuleType, client: Any) -> Api:
    return Api(generated, client.http)


def test_the_client_has_a_typed_function_for_every_operation(api: Api) -> None:
    for operation_id, module in api.modules.items():
        assert hasattr(importlib.import_module(module), "sync_detailed"), operation_id
    codes = api.model("DepartmentCode")
    assert codes.D2A.value == "2A" and codes.D19.value == "19" and codes.D971.value == "971"


def test_a_citizen_flow_through_the_generated_models(api: Api) -> None:
    departments = api.call("listDepartments")
    assert {d.code for d in departments.departments} >= {api.model("DepartmentCode").D34}

    communes = api.call("searchCommunes", q="montpellier", limit=3)
    montpellier = communes.results[0]
    assert montpellier.name == "Montpellier" and montpellier.competent is not None
    unit = api.call("getUnit", montpellier.competent.id)
    assert unit.id == montpellier.competent.id
    nearest = api.call("findNearestBrigades", lat=43.61, lon=3.87)
    assert nearest.nearest[0].distance_km >= 0

    assert api.call("getCurrentAlert", "34").alert is None
    assert api.call("listFeedItems", limit=5).items == []
    advice = api.call("getPreventionAdvice", audience=api.model("GetPreventionAdviceAudience").PARTICULIER)
    assert advice.sections and advice.sources[0].publisher
    victim = api.call("getVictimGuide")
    assert {n.href for n in victim.numbers} >= {"tel:17", "tel:112"}
    otv = api.call("getOtvInformation")
    assert otv.online_procedure.url.startswith("https://") and otv.form.fields

    blank = api.call("downloadBlankOtvForm")
    assert blank.payload.read().startswith(b"%PDF")
    departure = date.today() + timedelta(days=10)
    form = api.model("OtvForm")(
        last_name="Dupont",
        first_name="Marie",
        phone="06 12 34 56 78",
        address="12 rue des Lilas",
        postal_code="34000",
        commune="Montpellier",
        home_type=api.model("OtvFormHomeType").APPARTEMENT,
        departure_date=departure,
        return_date=departure + timedelta(days=14),
    )
    assert api.call("fillOtvForm", body=form).payload.read().startswith(b"%PDF")

    platform = api.model("SubscriptionBodyPlatform").IOS
    body = api.model("SubscriptionBody")(platform=platform, token="a" * 64, department="34", accept_notifications=True)
    subscription = api.call("createSubscription", body=body, status=201)
    assert subscription.department.value == "34"
    moved = api.call("updateSubscription", subscription.id, body=api.model("SubscriptionUpdate")(department="2a"))
    assert moved.department == api.model("DepartmentCode").D2A and moved.subscribed is True
    assert api.call("deleteSubscription", subscription.id, status=204) is None


def test_an_operator_flow_through_the_generated_models(api: Api) -> None:
    session = api.call("login", body=api.model("LoginBody")(username="corg-34", password=PASSWORD))
    assert "corg-34" in session.groups
    corg = api.operator(session.id_token)
    text = "Cambriolages de maisons à Lodève cette nuit : fermez portes et fenêtres, signalez au 17."

    draft = api.model("CheckBody")(text=text, offence_type="cambriolage_habitation", offence_established=True)
    check = api.call("checkAlert", client=corg, body=draft)
    assert check.ok is True and check.length == len(text)
    body = api.model("AlertBody")(
        department="34", text=text, offence_type="cambriolage_habitation", offence_established=True
    )
    sent = api.call("sendAlert", client=corg, body=body, idempotency_key="flow-1", status=201)
    assert sent.alert.revision == 1 and sent.delivery.status.value == "published"
    assert sent.delivery.channels.sns.ok is True
    assert datetime.now(UTC) - sent.alert.sent_at < timedelta(minutes=1)  # parsed as a UTC datetime

    current = api.call("getCurrentAlert", "34").alert
    assert current.id == sent.alert.id and current.offence_type.value == "cambriolage_habitation"

    refused_body = api.model("AlertBody")(
        department="34", text="Individu suspect rôdant rue Nationale", offence_type="cambriolage_habitation",
        offence_established=True,
    )  # fmt: skip
    refused = api.call("sendAlert", client=corg, body=refused_body, status=422)
    assert refused.code.value == "content_rejected" and refused.findings and refused.length > 0

    log = api.call("listAlertLog", client=corg, department="34")
    assert [e.kind for e in log.entries] == ["refused", "sent"]
    assert log.entries[1].delivery.channels.sns.ok and log.entries[0].findings
    assert api.call("countSubscribers", client=corg, department="34").count == 0
    retracted = api.call("retractAlert", "34", client=corg)
    assert retracted.alert.status.value == "retracted"

    opp = api.operator(api.call("login", body=api.model("LoginBody")(username="opp-ggd34", password=PASSWORD)).id_token)
    item_body = api.model("FeedItemBody")(
        title="Partir en vacances l'esprit tranquille",
        body="Inscrivez-vous à l'opération Tranquillité Vacances avant votre départ.",
        kind=api.model("FeedItemBodyKind").OTV,
    )
    item = api.call("publishFeedItem", client=opp, body=item_body, status=201)
    assert [i.id for i in api.call("listFeedItems").items] == [item.id]
    push_body = api.model("PreventionPushBody")(text="Vacances : fermez tout à clé et activez l'alarme.")
    push = api.call("sendPreventionPush", client=opp, body=push_body, status=201)
    assert push.delivery["national"].value == "published"
    assert api.call("removeFeedItem", item.id, client=opp, status=204) is None
