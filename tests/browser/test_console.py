"""The CORG / OPP console in Chromium: login, composing under the rules, send, correct, retract,
the log, the OPP's feed and prevention push, and who may see what."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

VALID_TEXT = "Cambriolages de maisons en fin de journée dans le secteur : fermez portes et volets, soyez vigilants."


def unique(text: str) -> str:
    return f"{text} Réf {uuid.uuid4().hex[:6]}."


def test_login_names_the_operator_and_logout_forgets_the_session(page: Any, check_page: Any) -> None:
    page.goto("/console")
    check_page(page, "connexion")
    page.get_by_label("Identifiant").fill("corg-34")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#login-form .form-status")).to_have_text("Identifiant ou mot de passe incorrect.")

    page.get_by_label("Mot de passe").fill("Demo-Gendarmerie-2026!")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#session-user")).to_have_text("corg-34 (CORG 34)")
    expect(page.get_by_label("Département", exact=True)).to_have_value("34")
    expect(page.locator("#department option")).to_have_text(["Hérault (34)"])
    assert page.evaluate("JSON.parse(sessionStorage.getItem('stopcamb.console')).token").count(".") == 2
    assert page.evaluate("localStorage.length") == 0
    check_page(page, "console-corg")

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_the_counter_accepts_160_characters_and_flags_161(page: Any, console_login: Any) -> None:
    console_login(page, "corg-34")
    text = (VALID_TEXT + " Prudence." * 10)[:160]
    page.get_by_label("Texte de l'alerte").fill(text)
    page.get_by_label("Fait constaté par la gendarmerie").check()
    expect(page.locator("#compose-counter")).to_have_text("160 / 160")
    expect(page.locator("#compose-send")).to_be_enabled()
    expect(page.locator("#compose-findings")).to_be_empty()

    page.get_by_label("Texte de l'alerte").press("End")
    page.get_by_label("Texte de l'alerte").press("x")
    expect(page.locator("#compose-counter")).to_have_text("161 / 160 · 1 caractère de trop")
    expect(page.locator("#compose-counter")).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator("#compose-send")).to_be_disabled()
    expect(page.locator("#preview-text")).to_have_text(text + "x")


def test_a_forbidden_text_shows_its_finding_and_cannot_be_sent(page: Any, console_login: Any, api: Any) -> None:
    before = api.request("GET", "/alerts/34").json()["alert"]
    console_login(page, "corg-34")
    page.get_by_label("Texte de l'alerte").fill("Véhicule suspect en repérage près de l'école, soyez vigilants.")
    page.get_by_label("Fait constaté par la gendarmerie").check()
    findings = page.locator("#compose-findings li")
    expect(findings.first).to_be_visible()
    assert "suspicion" in " ".join(findings.evaluate_all("(items) => items.map((i) => i.dataset.rule)"))
    expect(page.locator("#compose-send")).to_be_disabled()
    expect(page.get_by_label("Texte de l'alerte")).to_have_attribute("aria-invalid", "")

    page.evaluate("document.getElementById('compose-form').requestSubmit()")
    expect(page.locator("#compose-form .form-status")).to_have_text("Corrigez le texte avant l'envoi.")
    expect(page.locator("#confirm-dialog")).not_to_be_visible()
    assert api.request("GET", "/alerts/34").json()["alert"] == before


def test_send_correct_and_retract_an_alert_while_the_log_follows(
    page: Any, console_login: Any, check_page: Any
) -> None:
    keys: list[str] = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key", ""))
            if r.method == "POST" and r.url.endswith("/corg/alerts")
            else None
        ),
    )
    console_login(page, "corg-34")
    first = unique("Série de cambriolages de maisons en fin de journée : fermez portes et volets.")
    send(page, first, check_page)
    expect(page.locator("#current-alert .alert-text")).to_have_text(first)
    expect(page.locator("#log-table tbody tr").first).to_contain_text(first)
    expect(page.locator("#log-table tbody tr").first).to_contain_text("Envoi")

    page.get_by_role("button", name="Corriger").click()
    expect(page.get_by_label("Texte de l'alerte")).to_have_value(first)
    expect(page.get_by_label("Texte de l'alerte")).to_be_focused()
    expect(page.locator("#compose-mode")).to_be_visible()
    corrected = unique("Cambriolages de maisons en soirée : fermez portes et volets.")
    send(page, corrected, None)
    expect(page.locator("#current-alert .alert-text")).to_have_text(corrected)
    expect(page.locator("#log-table tbody tr").first).to_contain_text(corrected)

    page.get_by_role("button", name="Annuler l'alerte").click()
    expect(page.locator("#confirm-dialog")).to_contain_text("Message précédent annulé")
    page.locator("#confirm-ok").click()
    expect(page.locator("#current-alert")).to_have_text("Aucune alerte en cours pour Hérault (34).")
    expect(page.locator("#log-table tbody tr").first).to_contain_text("Annulation")
    check_page(page, "apres-annulation")
    assert len(keys) == 2 and len(set(keys)) == 2
    assert all(re.fullmatch(r"[0-9a-f-]{36}", key) for key in keys)


def send(page: Any, text: str, check_page: Any) -> None:
    """Compose `text`, attest the offence, confirm in the dialog that names the département."""
    page.get_by_label("Texte de l'alerte").fill(text)
    page.get_by_label("Fait constaté par la gendarmerie").check()
    expect(page.locator("#preview-text")).to_have_text(text)
    expect(page.locator("#compose-send")).to_be_enabled()
    page.get_by_role("button", name="Envoyer l'alerte…").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-message")).to_contain_text(re.compile(r"abonnés? du département Hérault \(34\)"))
    expect(page.locator("#confirm-message")).not_to_contain_text("indisponible")
    if check_page:
        check_page(page, "confirmation")
    page.get_by_role("button", name="Confirmer l'envoi").click()
    expect(page.locator("#compose-form .form-status")).to_contain_text("Alerte envoyée (révision")
    expect(page.get_by_label("Texte de l'alerte")).to_have_value("")


def test_the_compose_form_works_with_the_keyboard_alone(page: Any, console_login: Any) -> None:
    console_login(page, "corg-34")
    page.keyboard.press("Tab")
    assert focused(page) == "department"
    for _ in range(12):  # past the composer's controls (tests/browser/test_composer.py), to the free text
        page.keyboard.press("Tab")
        if focused(page) == "compose-text":
            break
    assert focused(page) == "compose-text"
    text = unique("Cambriolage d'un commerce du centre-ville cette nuit : vérifiez vos fermetures.")
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert focused(page) == "compose-offence"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert focused(page) == "compose-established"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Space")
    expect(page.locator("#compose-send")).to_be_enabled()
    page.keyboard.press("Tab")
    assert focused(page) == "compose-send"
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-dialog")).to_be_visible()
    page.keyboard.press("Tab")
    assert focused(page) == "confirm-ok"
    page.keyboard.press("Enter")
    expect(page.locator("#compose-form .form-status")).to_contain_text("Alerte envoyée")
    expect(page.locator("#current-alert .alert-text")).to_have_text(text)
    assert "cambriolage_commerce" in page.evaluate("fetch('alerts/34').then((r) => r.text())")


def focused(page: Any) -> str:
    return str(page.evaluate("document.activeElement.id"))


def test_a_corg_chief_cannot_see_or_use_the_opp_actions(page: Any, console_login: Any) -> None:
    console_login(page, "corg-34")
    expect(page.locator("#opp-panel")).to_be_hidden()
    expect(page.get_by_role("button", name="Publier")).to_have_count(0)
    expect(page.get_by_role("heading", name="Prévention nationale (OPP du GGD34)")).to_have_count(0)
    status = page.evaluate(
        """() => fetch('opp/feed', {method: 'POST', headers: {'Content-Type': 'application/json',
             Authorization: 'Bearer ' + JSON.parse(sessionStorage.getItem('stopcamb.console')).token},
             body: JSON.stringify({title: 'Essai', body: 'Essai', kind: 'information'})}).then((r) => r.status)"""
    )
    assert status == 403


def test_the_opp_publishes_and_removes_feed_items_and_pushes_prevention(
    page: Any, console_login: Any, check_page: Any
) -> None:
    console_login(page, "opp-ggd34")
    expect(page.locator("#corg-panel")).to_be_hidden()
    title = unique("Vacances : pensez à l'Opération Tranquillité Vacances")
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Texte", exact=True).fill("Inscrivez-vous auprès de votre brigade avant votre départ.")
    page.get_by_label("Rubrique").select_option("otv")
    page.get_by_label("Lien (facultatif, https)").fill("http://www.service-public.fr/")
    page.get_by_role("button", name="Publier").click()
    link_error = page.locator("#feed-link-error")
    expect(link_error).to_be_visible()
    expect(page.get_by_label("Lien (facultatif, https)")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Lien (facultatif, https)").fill("https://www.service-public.fr/particuliers/vosdroits/F34634")
    page.get_by_role("button", name="Publier").click()
    expect(page.locator("#feed-form .form-status")).to_contain_text("est publié")
    expect(link_error).to_have_count(0)
    row = page.locator("#feed-list li", has_text=title)
    expect(row).to_be_visible()
    check_page(page, "console-opp")

    row.get_by_role("button").click()
    page.locator("#confirm-ok").click()
    expect(page.locator("#feed-list li", has_text=title)).to_have_count(0)

    page.get_by_label("Texte de la notification").fill("Bientôt les départs en vacances : inscrivez-vous à l'OTV.")
    page.get_by_role("button", name="Envoyer à tous les abonnés…").click()
    page.locator("#confirm-ok").click()
    expect(page.locator("#prevention-form .form-status")).to_have_text("Notification de prévention envoyée.")
