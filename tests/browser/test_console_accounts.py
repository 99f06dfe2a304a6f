"""Operator identity in the console, in Chromium against `make run`: first login with a temporary
password, TOTP enrolment (QR code and key) and login with a real code (pyotp), the session state and
its silent refresh, logout on every tab, and the accounts panel (invite, resend, disable, re-enable,
reset MFA, remove, audit log; a chief for its own département only). Each test makes its own
operators: the demo accounts are shared by the whole browser session and stay untouched."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pyotp
from playwright.sync_api import expect

NEW_PASSWORD = "Quart-De-Nuit-2026!"


def invite(api: Any, group: str, by: str = "admin") -> tuple[str, str]:
    """A new operator of `group` and its temporary password, invited through the API."""
    username = f"{group.replace('-', '')}.{uuid.uuid4().hex[:8]}"
    answer = api.request("POST", "/admin/accounts", body={"username": username, "group": group}, user=by)
    assert answer.status_code == 201, answer.text
    return username, answer.json()["temporary_password"]


def activated(api: Any, group: str) -> str:
    """A new operator of `group` who has already chosen NEW_PASSWORD (first login done by API)."""
    username, temporary = invite(api, group)
    step = api.request("POST", "/auth/login", body={"username": username, "password": temporary}).json()
    body = {"challenge": "new_password", "username": username, "session": step["session"], "new_password": NEW_PASSWORD}
    assert "id_token" in api.request("POST", "/auth/challenge", body=body).json()
    return username


def enrolled(api: Any, username: str) -> pyotp.TOTP:
    """TOTP turned on for `username` through the API; the authenticator it would hold."""
    tokens = api.request("POST", "/auth/login", body={"username": username, "password": NEW_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {tokens['id_token']}"}
    enrolment = api.session.post(
        api.base + "/me/mfa", json={"access_token": tokens["access_token"]}, headers=headers, timeout=30
    ).json()
    totp = pyotp.TOTP(enrolment["secret"])
    confirm = {"access_token": tokens["access_token"], "code": totp.now()}
    assert api.session.post(api.base + "/me/mfa/confirm", json=confirm, headers=headers, timeout=30).ok
    return totp


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/console")
    page.get_by_label("Identifiant", exact=True).fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def confirm(page: Any) -> None:
    expect(page.locator("#confirm-dialog")).to_be_visible()
    page.locator("#confirm-ok").click()


def row(page: Any, username: str) -> Any:
    return page.locator(f'#accounts-table tr[data-username="{username}"]')


def test_first_login_sets_a_password_then_enrols_totp_then_logs_in_with_a_code(
    page: Any, api: Any, check_page: Any
) -> None:
    username, temporary = invite(api, "corg-34")
    sign_in(page, username, temporary)
    expect(page.get_by_role("heading", name="Choisissez votre mot de passe")).to_be_visible()
    expect(page.locator("#password-policy")).to_contain_text("12 caractères au moins")
    check_page(page, "premiere-connexion")
    page.get_by_label("Nouveau mot de passe").fill("motdepasse")
    page.get_by_label("Confirmez le mot de passe").fill("motdepasse")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.locator("#new-password-error")).to_contain_text("une majuscule")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.locator("#main")).to_be_focused()
    expect(page.locator("#session-state")).to_contain_text("double authentification non activée")

    page.get_by_role("button", name="Activer la double authentification").click()
    qr = page.locator("#mfa-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))
    assert qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    check_page(page, "enrolement-totp")
    wrong = str((int(totp.now()) + 1) % 1_000_000).zfill(6)
    page.locator("#mfa-code").fill(wrong)
    page.get_by_role("button", name="Vérifier et activer").click()
    expect(page.locator("#mfa-form .form-status")).to_contain_text("Code de vérification incorrect")
    page.locator("#mfa-code").fill(totp.now())
    page.get_by_role("button", name="Vérifier et activer").click()
    expect(page.locator("#mfa-panel")).to_be_hidden()
    expect(page.locator('#session-state [data-mfa="on"]')).to_have_text("double authentification activée")
    expect(page.get_by_role("button", name="Activer la double authentification")).to_be_hidden()

    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, username, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Code de vérification")).to_be_visible()
    check_page(page, "code-totp")
    page.locator("#totp-code").fill(totp.now())
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("#session-user")).to_have_text(f"{username} (CORG 34)")
    expect(page.locator('#session-state [data-mfa="on"]')).to_be_visible()


def test_the_session_is_refreshed_silently_and_shows_its_state(page: Any, console_login: Any) -> None:
    console_login(page, "corg-74")
    state = page.locator("#session-state")
    expect(state).to_contain_text("Session : encore")
    expect(state).to_contain_text("renouvelée automatiquement")
    before = page.evaluate("JSON.parse(sessionStorage.getItem('stopcamb.console'))")
    soon = int(time.time() * 1000) + 30_000  # 30 s left: less than the refresh margin
    page.evaluate(
        "(soon) => { const s = JSON.parse(sessionStorage.getItem('stopcamb.console')); s.expiresAt = soon;"
        " sessionStorage.setItem('stopcamb.console', JSON.stringify(s)); }",
        soon,
    )
    with page.expect_response(lambda r: r.url.endswith("/auth/refresh") and r.status == 200):
        page.reload()
    page.wait_for_function("JSON.parse(sessionStorage.getItem('stopcamb.console')).expiresAt > Date.now() + 120000")
    after = page.evaluate("JSON.parse(sessionStorage.getItem('stopcamb.console'))")
    assert after["token"] != before["token"] and after["refreshToken"] == before["refreshToken"]
    expect(page.locator("#session-user")).to_have_text("corg-74 (CORG 74)")


def test_logout_in_one_tab_logs_every_tab_out(context: Any, api: Any) -> None:
    username = activated(api, "corg-74")
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):
        sign_in(tab, username, NEW_PASSWORD)
        expect(tab.locator("#main")).to_be_focused()
    second_refresh = second.evaluate("JSON.parse(sessionStorage.getItem('stopcamb.console')).refreshToken")
    with first.expect_response(lambda r: r.url.endswith("/auth/logout")) as logout:
        first.get_by_role("button", name="Se déconnecter").click()
    assert logout.value.status == 204
    expect(second.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(second.locator("#login-form .form-status")).to_have_text("Vous avez été déconnecté depuis un autre onglet.")
    assert second.evaluate("sessionStorage.length") == 0
    refresh = api.request("POST", "/auth/refresh", body={"refresh_token": second_refresh})
    assert refresh.status_code == 401  # the logout revoked the other tab's session too


def test_an_admin_invites_resends_disables_enables_resets_mfa_and_removes(
    page: Any, console_login: Any, api: Any, check_page: Any
) -> None:
    enrolled_user = activated(api, "corg-74")
    enrolled(api, enrolled_user)
    console_login(page, "admin")
    expect(page.locator("#accounts-panel")).to_be_visible()
    page.get_by_label("Groupe", exact=True).select_option("corg-74")

    username = f"corg74.{uuid.uuid4().hex[:8]}"
    page.get_by_label("Identifiant du nouvel opérateur").fill(username)
    page.get_by_label("Groupe du nouvel opérateur").select_option("corg-74")
    page.get_by_role("button", name="Inviter", exact=True).click()
    temporary = page.locator(f'[data-temporary-password="{username}"]')
    expect(temporary).to_be_visible()
    first_password = temporary.inner_text()
    expect(row(page, username)).to_contain_text("invitation en attente")
    check_page(page, "comptes-admin")

    row(page, username).get_by_role("button", name=f"Renvoyer l'invitation : {username}").click()
    confirm(page)
    expect(temporary).not_to_have_text(first_password)
    assert (
        api.request("POST", "/auth/login", body={"username": username, "password": first_password}).status_code == 401
    )

    row(page, username).get_by_role("button", name=f"Désactiver : {username}").click()
    confirm(page)
    expect(row(page, username)).to_contain_text("désactivé")
    row(page, username).get_by_role("button", name=f"Réactiver : {username}").click()
    confirm(page)
    expect(row(page, username)).to_contain_text("invitation en attente")

    expect(row(page, enrolled_user)).to_contain_text("activée")
    row(page, enrolled_user).get_by_role(
        "button", name=f"Réinitialiser la double authentification : {enrolled_user}"
    ).click()
    confirm(page)
    expect(row(page, enrolled_user).locator('[data-label="Double authentification"]')).to_have_text("non")
    login = api.request("POST", "/auth/login", body={"username": enrolled_user, "password": NEW_PASSWORD}).json()
    assert "id_token" in login  # no code asked any more

    row(page, username).get_by_role("button", name=f"Retirer : {username}").click()
    confirm(page)
    expect(row(page, username)).to_have_count(0)

    audit = page.locator("#audit-table tbody tr")
    expect(audit.first).to_contain_text(username)
    actions = " ".join(audit.all_inner_texts())
    for label in ("Invitation", "Invitation renvoyée", "Désactivation", "Réactivation", "Suppression"):
        assert label in actions
    check_page(page, "journal-comptes")


def test_a_chief_manages_its_own_departement_only(page: Any, console_login: Any, api: Any, check_page: Any) -> None:
    console_login(page, "chef-34")
    expect(page.locator("#accounts-panel")).to_be_visible()
    expect(page.locator("#accounts-group option")).to_have_text(["CORG Hérault (34) (corg-34)"])
    expect(page.locator("#invite-group option")).to_have_count(1)
    expect(page.locator("#audit-section")).to_be_hidden()
    expect(row(page, "chef-34")).to_contain_text("(vous)")
    expect(row(page, "chef-34").get_by_role("button")).to_have_count(0)
    check_page(page, "comptes-chef")


def test_a_disabled_operator_is_sent_back_to_the_login_at_its_next_send(page: Any, api: Any) -> None:
    username = activated(api, "corg-74")
    sign_in(page, username, NEW_PASSWORD)
    expect(page.locator("#main")).to_be_focused()
    assert api.request("POST", f"/admin/accounts/{username}/disable", user="admin").status_code == 200
    page.get_by_label("Texte de l'alerte").fill("Cambriolages de maisons en fin de journée : fermez portes et volets.")
    page.get_by_label("Fait constaté par la gendarmerie").check()
    page.get_by_role("button", name="Envoyer l'alerte…").click()
    confirm(page)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    expect(page.locator("#login-form .form-status")).to_contain_text("désactivé")
    log = api.request("GET", "/corg/alerts?department=74&limit=100", user="admin").json()["entries"]
    assert all(entry["sent_by"] != username for entry in log)  # nothing was sent, nothing logged
