"""The alert composer in Chromium: compose with the keyboard alone, preview the server's text live,
send through the confirmation, and the citizen page shows the alert; refusals and the département's
limits are visible where the operator works."""

from __future__ import annotations

import re
import uuid
from typing import Any

from playwright.sync_api import expect

NBSP = "\u00a0"


def focused(page: Any) -> str:
    """The focused control, by its id or, for the communes' buttons, by its accessible name."""
    return str(page.evaluate("document.activeElement.id || document.activeElement.getAttribute('aria-label') || ''"))


def tab(page: Any, expected: str) -> None:
    page.keyboard.press("Tab")
    assert focused(page) == expected


def type_time(page: Any, digits: str, field: str, value: str) -> None:
    """A time input's parts (hours, minutes and, in some locales, AM/PM) are each a Tab stop."""
    page.keyboard.type(digits)
    expect(page.locator(f"#{field}")).to_have_value(value)
    while focused(page) == field:
        page.keyboard.press("Tab")


def choose_commune(page: Any, typed: str, name: str) -> None:
    """Type in the combobox, go down to the suggestion with the arrow key, choose it with Enter."""
    page.keyboard.type(typed, delay=30)
    expect(page.get_by_role("option", name=re.compile(f"^{re.escape(name)}"))).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#composer-commune")).to_have_attribute("aria-activedescendant", "composer-commune-option-0")
    page.keyboard.press("Enter")
    expect(page.get_by_role("list", name="Communes choisies").get_by_text(name, exact=True)).to_be_visible()
    assert focused(page) == "composer-commune"


def test_compose_preview_and_send_with_the_keyboard_then_the_citizen_page_shows_it(
    page: Any, context: Any, console_login: Any, check_page: Any, api: Any
) -> None:
    advice = api.request("GET", "/corg/alert-advice", user="corg-34").json()["items"][0]["text"]
    reference = uuid.uuid4().hex[:6]
    console_login(page, "corg-34")
    tab(page, "department")
    tab(page, "composer-offence")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#composer-offence")).to_have_value("tentative_cambriolage")
    tab(page, "composer-commune")
    choose_commune(page, "latt", "Lattes")
    choose_commune(page, "34920", "Le Crès")
    tab(page, "Retirer Lattes")
    tab(page, "Retirer Le Crès")
    tab(page, "composer-when")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#composer-hours")).to_be_visible()
    tab(page, "composer-start")
    type_time(page, "1400", "composer-start", "14:00")
    assert focused(page) == "composer-end"
    type_time(page, "1630", "composer-end", "16:30")
    assert focused(page) == "composer-advice"
    tab(page, "composer-sentence")
    page.keyboard.type(f"Réf. {reference}.")
    tab(page, "composer-established")
    page.keyboard.press("Space")

    expected = (
        f"Tentative de cambriolage constatée entre 14{NBSP}h et 16{NBSP}h{NBSP}30 à Lattes et au Crès. "
        f"{advice} Réf. {reference}."
    )
    expect(page.locator("#composer-preview-text")).to_have_text(expected)
    expect(page.locator("#composer-counter")).to_have_text(f"{len(expected)} / 160")
    expect(page.locator("#composer-findings")).to_be_empty()
    expect(page.locator("#composer-preview-heading")).to_have_text("Alerte cambriolages – Hérault")
    check_page(page, "composeur-apercu")

    tab(page, "composer-send")
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-quote")).to_have_text(expected)
    expect(page.locator("#confirm-message")).to_contain_text("du département Hérault (34)")
    check_page(page, "composeur-confirmation")
    tab(page, "confirm-ok")
    page.keyboard.press("Enter")
    expect(page.locator("#composer-form .form-status")).to_contain_text("Alerte envoyée (révision")
    expect(page.locator("#current-alert .alert-text")).to_have_text(expected)
    expect(page.locator("#log-table tbody tr").first).to_contain_text(expected)
    expect(page.get_by_role("list", name="Communes choisies")).to_be_hidden()

    citizen = context.new_page()
    citizen.goto("/#reglages")
    citizen.get_by_label("Votre département").select_option("34")
    citizen.get_by_role("button", name="Enregistrer").click()
    expect(citizen.locator("#settings-form .form-status")).to_contain_text("Hérault (34)")
    citizen.goto("/#accueil")
    expect(citizen.locator("#home-alert .alert-text")).to_have_text(expected)
    check_page(citizen, "accueil-alerte-composee")
    logged = api.request("GET", "/corg/alerts?department=34&limit=1", user="corg-34").json()["entries"][0]
    assert logged["text"] == expected
    assert [c["name"] for c in logged["composition"]["communes"]] == ["Lattes", "Le Crès"]
    assert logged["composition"]["when"] == {"kind": "hours", "start": "14:00", "end": "16:30"}


def test_a_free_sentence_the_rules_refuse_shows_its_finding_and_cannot_be_sent(
    page: Any, console_login: Any, check_page: Any, api: Any
) -> None:
    before = api.request("GET", "/alerts/34").json()["alert"]
    console_login(page, "corg-34")
    page.get_by_role("combobox", name="Communes du département").focus()
    choose_commune(page, "mauguio", "Mauguio")
    page.get_by_label("Phrase libre (facultative)").fill("Témoins : appelez le 06 12 34 56 78.")
    finding = page.locator("#composer-findings li[data-rule='phone_number']")
    expect(finding).to_be_visible()
    expect(page.locator("#composer-send")).to_be_disabled()
    expect(page.get_by_label("Phrase libre (facultative)")).to_have_attribute("aria-invalid", "true")
    check_page(page, "composeur-refus")

    page.get_by_label("Phrase libre (facultative)").fill("")
    expect(page.locator("#composer-findings")).to_be_empty()
    expect(page.locator("#composer-send")).to_be_enabled()
    page.get_by_role("button", name="Envoyer l'alerte composée…").click()
    expect(page.locator("#composer-established-error")).to_contain_text("Cochez cette case")
    expect(page.locator("#composer-established")).to_be_focused()
    expect(page.locator("#confirm-dialog")).not_to_be_visible()
    assert api.request("GET", "/alerts/34").json()["alert"] == before


def test_the_communes_offered_are_those_of_the_department_only(page: Any, console_login: Any) -> None:
    console_login(page, "corg-34")
    search = page.get_by_role("combobox", name="Communes du département")
    search.press_sequentially("annecy", delay=30)
    options = page.locator("#composer-commune-list li[role='option']")
    expect(options.first).to_be_visible()
    offered = options.all_inner_texts()  # what sounds alike in the Hérault, or nothing: never Annecy (74)
    assert not any(text.startswith("Annecy") for text in offered), offered
    assert all(re.search(r"34\d{3}$", text) or "Aucune commune" in text for text in offered), offered
    search.fill("")
    search.press_sequentially("saint-", delay=30)
    expect(options.first).to_have_text(re.compile(r"^Saint-"))
    texts = options.all_inner_texts()
    assert len(texts) == 8 and all(text.startswith("Saint-") and "34" in text for text in texts), texts
    search.press("Escape")
    expect(page.locator("#composer-commune-list")).to_be_hidden()
    page.get_by_role("radio", name="À une date").check()
    date_field = page.get_by_label("Date des faits")
    expect(date_field).to_be_visible()
    assert date_field.get_attribute("max") == page.evaluate("new Date().toLocaleDateString('sv-SE')")


def test_the_opp_adds_an_advice_sentence_that_the_composer_then_offers(
    page: Any, context: Any, console_login: Any, check_page: Any
) -> None:
    console_login(page, "opp-ggd34")
    rows = page.locator("#advice-rows fieldset")
    expect(rows.first).to_be_visible()
    count = rows.count()
    sentence = f"Fermez le portail à clé, même en journée ({uuid.uuid4().hex[:4]})."
    page.get_by_role("button", name="Ajouter un conseil").click()
    expect(rows).to_have_count(count + 1)
    new = rows.nth(count)
    expect(new.get_by_label("Identifiant du conseil")).to_be_focused()
    new.get_by_label("Identifiant du conseil").fill("portail")
    new.get_by_label("Texte du conseil").fill("Témoins : appelez le 06 12 34 56 78.")
    page.get_by_role("button", name="Enregistrer la liste").click()
    error = page.locator("#advice-form .field-error")
    expect(error).to_have_count(1)
    expect(new.get_by_label("Texte du conseil")).to_have_attribute("aria-invalid", "true")
    expect(new.get_by_label("Texte du conseil")).to_be_focused()

    new.get_by_label("Texte du conseil").fill(sentence)
    page.get_by_role("button", name="Enregistrer la liste").click()
    expect(page.locator("#advice-form .form-status")).to_contain_text("Liste enregistrée (version")
    expect(error).to_have_count(0)
    check_page(page, "conseils-opp")

    chief = context.new_page()
    console_login(chief, "corg-34")
    expect(chief.locator("#composer-advice option", has_text=sentence)).to_have_count(1)
    chief.close()
