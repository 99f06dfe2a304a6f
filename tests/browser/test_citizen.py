"""The citizen web app in Chromium: home (current alert + feed), reading pages, OTV form, brigade
search, geolocation, web push consent, and the service worker's handling of pushes."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

MONTPELLIER = {"latitude": 43.6109, "longitude": 3.8772}


def test_the_home_page_shows_the_feed_item_the_opp_published(page: Any, api: Any, check_page: Any) -> None:
    title = f"Conseils avant les vacances {uuid.uuid4().hex[:6]}"
    body = {"title": title, "body": "Fermez portes et fenêtres, même pour une courte absence.", "kind": "prevention"}
    assert api.request("POST", "/opp/feed", body=body, user="opp-ggd34").status_code == 201
    page.goto("/")
    item = page.locator(".feed-item", has_text=title)
    expect(item).to_be_visible()
    expect(item).to_contain_text("Fermez portes et fenêtres")
    expect(item.locator(".badge")).to_have_text("Prévention")
    check_page(page, "accueil")


def test_the_home_page_shows_the_current_alert_and_then_its_replacement(page: Any, api: Any, check_page: Any) -> None:
    page.goto("/#reglages")
    page.get_by_label("Votre département").select_option("74")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#settings-form .form-status")).to_contain_text("Département enregistré : Haute-Savoie (74)")

    first = api.send_alert(
        "74", f"Cambriolages de maisons à Annecy en soirée : fermez tout. Réf {uuid.uuid4().hex[:6]}", "corg-74"
    )
    page.goto("/#accueil")
    expect(page.locator("#home-alert .alert-text")).to_have_text(first["text"])
    expect(page.locator("#home-alert h2")).to_have_text("Alerte en cours · Haute-Savoie (74)")
    check_page(page, "alerte-en-cours")

    second = api.send_alert(
        "74", f"Série de cambriolages de commerces à Annecy : vigilance. Réf {uuid.uuid4().hex[:6]}", "corg-74"
    )
    assert second["revision"] > first["revision"]
    page.reload()
    expect(page.locator("#home-alert .alert-text")).to_have_text(second["text"])
    expect(page.get_by_text(first["text"])).to_have_count(0)


def test_the_brigade_search_suggests_communes_as_one_types(page: Any, check_page: Any) -> None:
    page.goto("/#brigades")
    search = page.get_by_role("combobox", name="Commune ou code postal")
    search.press_sequentially("Montpel", delay=30)
    option = page.get_by_role("option", name=re.compile("^Montpellier"))
    expect(option.first).to_be_visible()
    expect(search).to_have_attribute("aria-expanded", "true")
    check_page(page, "suggestions")
    search.press("ArrowDown")
    expect(page.locator("#commune-option-0")).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    results = page.locator("#brigade-results")
    expect(results.get_by_role("heading", level=2).first).to_have_text("Montpellier (34)")
    # Montpellier's zone is not known officially: the nearest brigade and police station, never "compétente"
    leads = results.locator(".unit.competent")
    expect(leads).to_have_count(2)
    expect(leads.locator(".unit-role")).to_have_text(
        ["Brigade la plus proche du centre de la commune", "Commissariat le plus proche du centre de la commune"]
    )
    expect(results).not_to_contain_text("compétent")
    expect(results.locator(".notice")).to_contain_text("probablement en zone police (estimation)")
    expect(leads.first.locator("a[href^='tel:']")).to_have_count(1)
    expect(leads.locator("a[href^='https://www.openstreetmap.org/?mlat=']")).to_have_count(2)
    expect(page.locator("#data-date")).to_contain_text(re.compile(r"fiches des unités mises à jour jusqu'au \d+"))
    expect(page.locator("#data-date")).to_contain_text("75, 77, 92, 93, 94, 95")
    check_page(page, "brigades-commune")


def test_the_type_ahead_explains_how_it_understood_the_commune(page: Any, check_page: Any) -> None:
    page.goto("/#brigades")
    search = page.get_by_role("combobox", name="Commune ou code postal")
    search.press_sequentially("cholais", delay=30)  # Cholet, spelt by ear
    option = page.get_by_role("option", name=re.compile("^Cholet"))
    expect(option.first).to_contain_text("Vouliez-vous dire Cholet ?")
    check_page(page, "suggestions-corrected")
    search.fill("")
    search.press_sequentially("Meythet", delay=30)  # merged into Annecy
    expect(page.get_by_role("option").first).to_contain_text("Meythet : ancienne commune d’Annecy")
    check_page(page, "suggestions-former-commune")
    search.fill("")
    search.press_sequentially("cholet 75", delay=30)  # Cholet is not in Paris: the hint is ignored
    expect(page.get_by_role("option").first).to_contain_text("Cholet")
    note = "Aucune commune de ce nom ne correspond à «\u00a075\u00a0»\u00a0: indice ignoré."
    expect(page.locator("#commune-note")).to_have_text(note)
    check_page(page, "suggestions-ignored-hint")
    search.fill("")
    search.press_sequentially("toulon 83000", delay=30)  # name and postal code: nothing to explain
    first = page.get_by_role("option").first
    expect(first).to_contain_text("Toulon")
    expect(first.locator(".match")).to_have_count(0)
    expect(page.locator("#commune-note")).to_be_hidden()


def test_geolocation_finds_the_commune_and_the_nearest_brigades(page: Any, context: Any, check_page: Any) -> None:
    context.grant_permissions(["geolocation"])
    context.set_geolocation(MONTPELLIER)
    page.goto("/#brigades")
    page.get_by_role("button", name="Me géolocaliser").click()
    results = page.locator("#brigade-results")
    expect(results.get_by_role("heading", level=2).first).to_have_text("Montpellier (34)")
    expect(results.locator(".notice")).to_contain_text("zone police")
    units = results.locator(".unit")
    expect(units.first).to_be_visible()
    assert units.count() >= 2
    expect(results.locator(".unit .meta", has_text=re.compile(r"^À \d+(,\d)? km$")).first).to_be_visible()
    check_page(page, "brigades-position")


def test_consent_subscribes_the_browser_and_the_alert_reaches_it_until_it_unsubscribes(
    page: Any, context: Any, api: Any, push_service: str, server: str, check_page: Any
) -> None:
    context.grant_permissions(["notifications"])
    # Headless Chromium has no push service (none at all in its incognito contexts): the page's
    # PushManager.subscribe() answers a subscription minted by the loopback push service of
    # `make run`, which then receives, checks and decrypts what the app sends to it.
    subscription = requests.post(f"{push_service}/_control/subscriptions", json={}, timeout=10).json()
    subscription = subscription["subscriptions"][0]
    context.add_init_script(f"({_PUSH_STUB})({json.dumps(subscription)})")
    page.goto("/#reglages")
    check_page(page, "reglages")
    page.get_by_label("Votre département").select_option("74")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#settings-form .form-status")).to_contain_text("Cochez la case")
    assert page.evaluate("window.__subscribeOptions") is None

    page.get_by_label(re.compile("^J'accepte de recevoir les notifications")).check()
    page.get_by_role("button", name="Enregistrer").click()
    status = page.locator("#settings-form .form-status")
    expect(status).to_contain_text("vous recevrez les alertes cambriolages de Haute-Savoie (74)")
    expect(page.locator("#push-state")).to_have_text("Notifications activées pour Haute-Savoie (74) sur ce navigateur.")
    vapid_key = api.request("GET", "/webpush/public-key").json()["public_key"]
    assert page.evaluate("window.__subscribeOptions") == {"userVisibleOnly": True, "key": vapid_key}
    subscription_id = page.evaluate("localStorage.getItem('stopcamb.subscription')")
    assert subscription_id
    check_page(page, "abonne")

    text = f"Cambriolages de maisons à Annecy : fermez tout. Réf {uuid.uuid4().hex[:6]}"
    api.send_alert("74", text, "corg-74")
    payload = json.loads(_delivery_to(push_service, subscription["endpoint"], text)["payload"])
    pushes = ServiceWorkerPushes(page, context, server)
    pushes.deliver(payload)
    shown = pushes.wait_for(lambda notes: any(text in body for _, _, body, _ in notes))
    assert [tag for tag, _, body, _ in shown if text in body] == [payload["tag"]]

    page.get_by_role("button", name="Ne plus recevoir les alertes").click()
    expect(page.locator("#push-state")).to_have_text("Notifications désactivées sur ce navigateur.")
    assert page.evaluate("localStorage.getItem('stopcamb.subscription')") is None
    assert page.evaluate("window.__unsubscribed") is True
    assert api.request("PUT", f"/subscriptions/{subscription_id}", body={"department": "74"}).status_code == 404


def test_a_browser_whose_id_was_replaced_registers_again_when_its_settings_change(
    page: Any, context: Any, api: Any, push_service: str
) -> None:
    """A registration of the same endpoint elsewhere (or by someone who learnt it) rotates the id:
    the page's `PUT` then gets 404 and the page registers its browser again, keeping the new id."""
    context.grant_permissions(["notifications"])
    subscription = requests.post(f"{push_service}/_control/subscriptions", json={}, timeout=10).json()
    subscription = subscription["subscriptions"][0]
    context.add_init_script(f"({_PUSH_STUB})({json.dumps(subscription)})")
    page.goto("/#reglages")
    page.get_by_label("Votre département").select_option("74")
    page.get_by_label(re.compile("^J'accepte de recevoir les notifications")).check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#push-state")).to_have_text("Notifications activées pour Haute-Savoie (74) sur ce navigateur.")
    first = page.evaluate("localStorage.getItem('stopcamb.subscription')")
    body = {"platform": "web", "web_push": subscription, "department": "74", "accept_notifications": True}
    rotated = api.request("POST", "/subscriptions", body=body)
    assert rotated.status_code == 201 and rotated.json()["id"] != first

    page.get_by_label("Votre département").select_option("2A")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.locator("#settings-form .form-status")).to_contain_text("vous recevrez les alertes cambriolages")
    again = page.evaluate("localStorage.getItem('stopcamb.subscription')")
    assert again not in (None, first, rotated.json()["id"])
    assert api.request("PUT", f"/subscriptions/{again}", body={"department": "2A"}).status_code == 200


def _delivery_to(push_service: str, endpoint: str, text: str) -> dict[str, Any]:
    """The push the app's web-push worker delivered to `endpoint` with `text` (waits up to 30 s)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        deliveries = requests.get(f"{push_service}/_control/deliveries?limit=200", timeout=10).json()["deliveries"]
        for delivery in deliveries:
            if delivery["endpoint"] == endpoint and text in (delivery["payload"] or ""):
                return dict(delivery)
        time.sleep(0.3)
    raise AssertionError(f"no push delivered to the subscription with {text!r}")


_PUSH_STUB = """(subscription) => {
  let current = null;
  const made = {
    endpoint: subscription.endpoint,
    expirationTime: null,
    toJSON: () => subscription,
    unsubscribe: async () => { window.__unsubscribed = true; current = null; return true; },
  };
  window.__subscribeOptions = null;
  PushManager.prototype.subscribe = async function (options) {
    const key = btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey)));
    window.__subscribeOptions = {
      userVisibleOnly: options.userVisibleOnly,
      key: key.replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''),
    };
    current = made;
    return made;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
}"""


class ServiceWorkerPushes:
    """Push events delivered to the page's real service worker through the DevTools protocol, and
    the notifications it then shows."""

    def __init__(self, page: Any, context: Any, server: str) -> None:
        assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)") == f"{server}/"
        self.page, self.origin = page, f"{server}/"
        self.cdp = context.new_cdp_session(page)
        registrations: list[dict[str, Any]] = []
        self.cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
        versions: list[dict[str, Any]] = []
        self.cdp.on("ServiceWorker.workerVersionUpdated", lambda e: versions.extend(e["versions"]))
        self.cdp.send("ServiceWorker.enable")
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        self.registration = next(r for r in registrations if r["scopeURL"] == self.origin and not r["isDeleted"])
        # An idle worker may be stopped: start it, so that the first push is not lost while it boots.
        self.cdp.send("ServiceWorker.startWorker", {"scopeURL": self.origin})
        for _ in range(50):
            if any(v["runningStatus"] == "running" for v in versions[-1:]):
                break
            page.wait_for_timeout(100)

    def deliver(self, payload: dict[str, Any]) -> None:
        registration = self.registration["registrationId"]
        message = {"origin": self.origin, "registrationId": registration, "data": json.dumps(payload)}
        self.cdp.send("ServiceWorker.deliverPushMessage", message)

    def wait_for(self, done: Callable[[list[list[Any]]], bool]) -> list[list[Any]]:
        """The notifications shown ([tag, title, body, renotify]) once `done` holds (10 s at most)."""
        shown: list[list[Any]] = []
        for _ in range(100):
            shown = self.page.evaluate(
                """navigator.serviceWorker.ready.then((r) => r.getNotifications())
                     .then((list) => list.map((n) => [n.tag, n.title, n.body, n.renotify]))"""
            )
            if done(shown):
                return shown
            self.page.wait_for_timeout(100)
        raise AssertionError(f"notifications shown: {shown}")


def test_the_service_worker_shows_pushes_under_their_collapse_key(page: Any, context: Any, server: str) -> None:
    context.grant_permissions(["notifications"])
    page.goto("/")
    pushes = ServiceWorkerPushes(page, context, server)
    # One at a time, each waited for: this test is about replacement by tag, not bursts (a burst
    # through the DevTools protocol once lost its third push in CI).
    pushes.deliver({"title": "Alerte cambriolages", "body": "Premier message", "tag": "alert-34"})
    pushes.wait_for(lambda notes: any(n[2] == "Premier message" for n in notes))
    pushes.deliver({"title": "Prévention", "body": "Pensez à l'OTV", "tag": "national"})
    pushes.wait_for(lambda notes: len(notes) == 2)
    pushes.deliver({"title": "Alerte cambriolages", "body": "Message corrigé", "tag": "alert-34"})
    shown = pushes.wait_for(lambda notes: len(notes) == 2 and any(n[2] == "Message corrigé" for n in notes))
    assert sorted(shown) == [
        ["alert-34", "Alerte cambriolages", "Message corrigé", True],
        ["national", "Prévention", "Pensez à l'OTV", True],
    ]


def test_prevention_and_victim_pages_show_the_advice_and_the_emergency_links(page: Any, check_page: Any) -> None:
    page.goto("/#prevention")
    content = page.locator("#prevention-content")
    expect(content.get_by_role("heading", level=2).first).to_have_text("Protéger son domicile contre les cambriolages")
    check_page(page, "prevention-particulier")
    page.get_by_label("Mon commerce (commerçant)").check()
    expect(content.get_by_role("heading", level=2).first).to_have_text("Protéger son commerce contre les cambriolages")
    check_page(page, "prevention-commercant")

    page.get_by_role("link", name="Victime").click()
    expect(page.get_by_role("heading", level=1, name="Victime d'un cambriolage")).to_be_focused()
    numbers = page.locator("#victime-content .numbers a")
    expect(numbers).to_have_count(5)
    assert numbers.evaluate_all("(links) => links.map((a) => a.getAttribute('href'))") == [
        "tel:17",
        "tel:112",
        "sms:114",
        "tel:116006",
        "tel:+33892705705",
    ]
    steps = page.locator("#victime-content .steps > li")
    expect(steps.first).to_contain_text("17")
    expect(steps.nth(2)).to_contain_text("opposition")  # the urgent step comes before the inventory
    expect(steps.nth(3)).to_contain_text("liste des biens volés")
    expect(page.locator("#victime-content .sources li").first).to_contain_text("vérifié le 2 décembre 2026")
    check_page(page, "victime")


def test_the_otv_page_downloads_the_blank_form_and_a_prefilled_one(page: Any, check_page: Any) -> None:
    page.goto("/#otv")
    expect(page.locator("#otv-content").get_by_role("heading", name="Vous habitez en zone gendarmerie")).to_be_visible()
    expect(page.locator("#otv-content")).to_contain_text("Opération tranquillité entreprises et commerces")
    check_page(page, "otv")
    # Chromium headless cancels link downloads of an inline PDF (its viewer): fetch what the link names.
    link = page.get_by_role("link", name="Télécharger le formulaire vierge (PDF)")
    expect(link).to_have_attribute("download", "formulaire-otv.pdf")
    blank = page.request.get(link.evaluate("(a) => a.href"))
    assert blank.headers["content-type"] == "application/pdf"
    assert blank.body().startswith(b"%PDF")

    departure = date.today() + timedelta(days=10)
    form = page.locator("#otv-form")
    for label, value in {
        "Nom": "Martin",
        "Prénom": "Claire",
        "Téléphone": "06 12 34 56 78",
        "Adresse": "12 rue des Lilas",
        "Code postal": "34000",
        "Commune": "Montpellier",
        "Date de départ": departure.isoformat(),
        "Date de retour": (departure + timedelta(days=14)).isoformat(),
    }.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_label("Appartement").check()
    form.get_by_label("Animaux dans le logement").check()
    form.get_by_label("Nom de la 1re personne").fill("Paul Martin")
    form.get_by_label("Téléphone de la 1re personne").fill("0698765432")

    form.get_by_label("Téléphone", exact=True).fill("12")
    form.get_by_role("button", name="Obtenir le formulaire pré-rempli (PDF)").click()
    expect(page.locator("#otv-phone-error")).to_be_visible()
    expect(form.get_by_label("Téléphone", exact=True)).to_be_focused()
    check_page(page, "otv-erreur")

    form.get_by_label("Téléphone", exact=True).fill("06 12 34 56 78")
    with page.expect_download() as filled:
        form.get_by_role("button", name="Obtenir le formulaire pré-rempli (PDF)").click()
    assert filled.value.suggested_filename == "formulaire-otv-pre-rempli.pdf"
    assert Path(filled.value.path()).read_bytes().startswith(b"%PDF")
    expect(page.locator("#otv-phone-error")).to_have_count(0)


def test_the_app_is_installable(page: Any, server: str) -> None:
    page.goto("/")
    manifest_url = page.evaluate("document.querySelector('link[rel=manifest]').href")
    manifest = page.request.get(manifest_url)
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    document = manifest.json()
    assert (document["lang"], document["display"], document["start_url"]) == ("fr", "standalone", "../#accueil")
    sizes = set()
    for icon in document["icons"]:
        answer = page.request.get(f"{server}/static/{icon['src']}")
        assert answer.ok and answer.headers["content-type"] == icon["type"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => Boolean(r.active))") is True


def choose_otv_commune(page: Any, typed: str, option: str | None = None) -> Any:
    """Type a commune on the OTV page (and pick it among homonyms); the rules shown follow it."""
    form = page.locator("#otv-commune-form")
    form.get_by_label("Votre commune").fill(typed)
    form.get_by_role("button", name="Voir les règles de ma commune").click()
    if option is not None:
        form.get_by_role("button", name=re.compile(option)).click()
    content = page.locator("#otv-content")
    expect(content.locator(".otv-commune h2")).to_be_visible()
    return content


def download_prefilled_otv(page: Any, postal_code: str, commune: str) -> str:
    """Fill the request form for a commune, download the pre-filled PDF and return its text."""
    from pypdf import PdfReader

    departure = date.today() + timedelta(days=10)
    form = page.locator("#otv-form")
    for label, value in {
        "Nom": "Martin",
        "Prénom": "Claire",
        "Téléphone": "06 12 34 56 78",
        "Adresse": "12 rue des Lilas",
        "Code postal": postal_code,
        "Commune": commune,
        "Date de départ": departure.isoformat(),
        "Date de retour": (departure + timedelta(days=14)).isoformat(),
    }.items():
        form.get_by_label(label, exact=True).fill(value)
    with page.expect_download() as filled:
        form.get_by_role("button", name="Obtenir le formulaire pré-rempli (PDF)").click()
    reader = PdfReader(filled.value.path())
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


@pytest.mark.parametrize(
    ("typed", "option", "postal_code", "name", "station"),
    [
        ("77210", "^Avon", "77210", "Avon", "Commissariat de police de Fontainebleau"),
        ("Torcy", "^Torcy \\(77200", "77200", "Torcy", "Commissariat de police de Noisiel"),
        (
            "75018",
            "^Paris 18e",
            "75018",
            "Paris 18e Arrondissement",
            "Commissariat central de police de Paris 18e arrondissement",
        ),
    ],
)
def test_the_otv_page_and_pdf_of_a_police_zone_commune_give_the_police_rules_and_its_station(
    page: Any, check_page: Any, typed: str, option: str | None, postal_code: str, name: str, station: str
) -> None:
    page.goto("/#otv")
    content = choose_otv_commune(page, typed, option)
    expect(content.locator(".otv-commune h2")).to_contain_text(name)
    expect(content.locator(".zone-notice")).to_contain_text("Zone police")
    expect(content.locator(".otv-commune .unit-role")).to_have_text(["Commissariat compétent"])
    expect(content.locator(".otv-commune h3")).to_have_text([station])
    expect(content.locator(".otv-rules")).to_have_count(1)
    expect(content.locator(".otv-rules h2")).to_have_text("Vous habitez en zone police")
    expect(content.locator(".unknown-zone")).to_have_count(0)
    check_page(page, f"otv-{name}")
    text = download_prefilled_otv(
        page, postal_code, page.locator("#otv-form").get_by_label("Commune", exact=True).input_value()
    )
    assert f"Commissariat : {station}" in text and "Vous habitez en zone police" in text
    assert "Vous habitez en zone gendarmerie" not in text


def test_the_otv_page_and_pdf_of_a_commune_without_official_zone_give_both_rule_sets(
    page: Any, check_page: Any
) -> None:
    page.goto("/#otv")
    content = choose_otv_commune(page, "Lodève", "^Lodève")  # Hérault: no official zone list
    expect(content.locator(".zone-notice")).to_contain_text("Nous ne savons pas avec certitude")
    expect(content.locator(".otv-rules h2")).to_have_text(
        ["Vous habitez en zone gendarmerie", "Vous habitez en zone police"]
    )
    expect(content.locator(".unknown-zone")).to_be_visible()
    expect(content.locator(".otv-commune .unit-role")).to_have_text(
        ["Brigade la plus proche du centre de la commune", "Commissariat le plus proche du centre de la commune"]
    )
    expect(content).not_to_contain_text("compétent")
    check_page(page, "otv-zone-inconnue")
    text = download_prefilled_otv(page, "34700", "Lodève")
    assert "Vous habitez en zone gendarmerie" in text and "Vous habitez en zone police" in text
    assert "Brigade la plus proche : " in text and "Commissariat le plus proche : " in text
    assert "non connue avec certitude" in text
