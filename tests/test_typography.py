"""French typography, applied once (`chalicelib.typography`), and a scan of every text the app serves:
pages, scripts, content, error messages, push texts and the OTV PDF; no breakable space before
« ; : ! ? » or inside « », no number group or unit that can break, the glossary's variants and
English words nowhere."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib import content, holidays, otv, otv_pdf, validation
from chalicelib.alerts import RETRACTION_TEXT
from chalicelib.errors import CATALOGUE, AppError
from chalicelib.typography import (
    NBSP,
    NNBSP,
    NOT_PROSE,
    french,
    french_html,
    french_js,
    html_pieces,
    js_pieces,
    plain,
    problems,
)

WEB = Path(otv.__file__).parent / "web"
GLOSSARY = content.load("glossary")


# --- The function -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "typeset"),
    [
        ("Appelez le 17 : vite !", f"Appelez le 17{NNBSP}: vite{NNBSP}!"),
        ("« Plainte en ligne »", f"«{NNBSP}Plainte en ligne{NNBSP}»"),
        ("le «OTV» ici", f"le «{NNBSP}OTV{NNBSP}» ici"),
        ("0 892 705 705", f"0{NBSP}892{NBSP}705{NBSP}705"),
        ("le 116 006, gratuit", f"le 116{NBSP}006, gratuit"),
        ("01 23 45 67 89", f"01{NBSP}23{NBSP}45{NBSP}67{NBSP}89"),
        ("jusqu'à 12 mois, 24 h/24 et 7 j/7", f"jusqu'à 12{NBSP}mois, 24{NBSP}h/24 et 7{NBSP}j/7"),
        ("160 caractères; 2 000 au plus", f"160{NBSP}caractères{NNBSP}; 2{NBSP}000 au plus"),
        ("Où ? Ici", f"Où{NNBSP}? Ici"),
    ],
)
def test_french_sets_the_no_break_spaces(text: str, typeset: str) -> None:
    assert french(text) == typeset
    assert french(typeset) == typeset  # twice changes nothing
    assert problems(text) and not problems(typeset)


@pytest.mark.parametrize(
    "text",
    [
        "https://www.service-public.fr/particuliers/vosdroits/F34634?x=1",
        "à 14:30",
        "tel:17",
        "sms:114",
        "« Accept: application/pdf »".replace(" »", NNBSP + "»").replace("« ", "«" + NNBSP),
        "le 3 mai 2027",
        "entre 14 h et 16 h".replace(" h", NBSP + "h"),
    ],
)
def test_links_times_codes_and_dates_are_left_as_they_are(text: str) -> None:
    assert french(text) == text


def test_the_pdf_variant_uses_the_no_break_space_its_font_has() -> None:
    assert french("Nom : « x »", narrow=NBSP) == f"Nom{NBSP}: «{NBSP}x{NBSP}»"


def test_plain_gives_back_ordinary_spaces_for_searching() -> None:
    assert plain(french("Appelez le 0 892 705 705 : « vite » !")) == "Appelez le 0 892 705 705 : « vite » !"


def test_only_the_strings_of_a_script_are_typeset() -> None:
    source = (
        "const a = b ? c : d; // un commentaire : rien\n"
        'const re = /x ?y/g; const t = `Bonjour ${name} : « ${x ? "oui !" : "non"} »`;\n'
        'setStatus("Envoyé : merci !", 1 / 2);\n'
    )
    typeset = french_js(source)
    assert "b ? c : d" in typeset and "// un commentaire : rien" in typeset and "/x ?y/g" in typeset
    assert f"Envoyé{NNBSP}: merci{NNBSP}!" in typeset
    assert f"{NNBSP}: «{NNBSP}${{x ? " in typeset and f'"oui{NNBSP}!"' in typeset
    assert [piece for piece, is_text in js_pieces(typeset) if is_text and problems(piece)] == []


def test_only_the_text_and_readable_attributes_of_a_page_are_typeset() -> None:
    page = '<p class="a:b" aria-label="Fermer : oui">Texte : « ici »</p><!-- commentaire : non -->'
    typeset = french_html(page)
    assert 'class="a:b"' in typeset and "<!-- commentaire : non -->" in typeset
    assert f'aria-label="Fermer{NNBSP}: oui"' in typeset and f"Texte{NNBSP}: «{NNBSP}ici{NNBSP}»" in typeset


def test_pydantic_choices_are_listed_in_french() -> None:
    message = validation.french_message(
        {"type": "literal_error", "ctx": {"expected": "'maison', 'appartement' or 'commerce'"}}
    )
    assert message == "Valeur non autorisée : valeurs possibles « maison », « appartement » ou « commerce »."


# --- Every served text ---------------------------------------------------------------------------------


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in strings(item)]
    if isinstance(node, dict):
        return [s for k, v in node.items() if k not in NOT_PROSE for s in strings(v)]
    return []


def served_texts(client: Any) -> dict[str, list[str]]:
    """Every text a citizen or an officer reads, by where it comes from."""
    texts: dict[str, list[str]] = {}
    for path in ("/", "/console"):
        body = client.http.get(path).body.decode()
        pieces = [p for p, is_tag in html_pieces(body) if not is_tag]
        pieces += [m.group(1) for m in re.finditer(r'(?:aria-label|placeholder|title|alt)="([^"]*)"', body)]
        texts[path] = pieces
    scripts = ["/sw.js", *(f"/static/{p.name}" for p in sorted((WEB / "static").glob("*.js")))]
    for path in scripts:
        body = client.http.get(path).body.decode()
        texts[path] = [p for p, is_text in js_pieces(body) if is_text]
    for path in ("/content/victim", "/content/otv", "/content/prevention?audience=particulier"):
        texts[path] = strings(client.http.get(path).json_body)
    texts["/content/prevention?audience=commercant"] = strings(
        client.http.get("/content/prevention?audience=commercant").json_body
    )
    texts["errors"] = [
        s for code in CATALOGUE for s in (AppError(code).to_problem()["title"], AppError(code).to_problem()["detail"])
    ]
    texts["validation"] = [french(m) for m in validation._MESSAGES.values()]
    period = next(p for p in holidays.calendar() if p.zone not in (None, "all"))  # a zone's period
    item = otv.reminder_feed_item(period)
    texts["push"] = [otv.reminder_push_text(period), item.title, item.body, RETRACTION_TEXT]
    texts["pdf"] = [otv_pdf.printable(t) for t in (otv_pdf.TITLE, *strings(content.otv()["zones"]))]
    return texts


@pytest.fixture(scope="module")
def texts(aws_session: Any) -> dict[str, list[str]]:
    from chalice.test import Client

    import app

    with Client(app.app) as client:
        return served_texts(client)


def test_every_served_text_follows_french_typography(texts: dict[str, list[str]]) -> None:
    wrong = {f"{where}: {text.strip()[:80]!r}": problems(text) for where, items in texts.items() for text in items}
    assert {k: v for k, v in wrong.items() if v} == {}
    assert sum(len(items) for items in texts.values()) > 300  # it did read them all


def test_no_served_text_uses_a_variant_the_glossary_forbids(texts: dict[str, list[str]]) -> None:
    avoid = [variant for term in GLOSSARY["terms"] for variant in term.get("avoid", [])]
    found = [(where, v) for where, items in texts.items() for t in items for v in avoid if v in plain(t)]
    assert found == []


def test_no_message_holds_an_english_word(texts: dict[str, list[str]]) -> None:
    english = re.compile(r"\b(?:" + "|".join(map(re.escape, GLOSSARY["english"])) + r")\b", re.IGNORECASE)

    def prose(text: str) -> bool:  # a script's strings are also event names, CSS classes, MIME types
        return len(text.split()) >= 3 and not text.strip().startswith(("<", "{", "http"))

    found = [(where, t) for where, items in texts.items() for t in items if prose(t) and english.search(plain(t))]
    assert found == []


def test_the_glossary_names_each_term_once_with_its_variants() -> None:
    terms = [t["term"] for t in GLOSSARY["terms"]]
    assert len(terms) == len(set(terms))
    for term in GLOSSARY["terms"]:
        assert all(variant != term["term"] for variant in term.get("avoid", []))


def test_the_scan_catches_a_breakable_space_in_a_served_page(aws_session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages are typeset when served: the same scan on the raw file finds what it fixes."""
    raw = (WEB / "index.html").read_text()
    assert any(problems(p) for p, is_tag in html_pieces(raw) if not is_tag)
    assert not any(problems(p) for p, is_tag in html_pieces(french_html(raw)) if not is_tag)


def test_content_files_are_served_typeset_but_kept_plain_for_their_editors() -> None:
    raw = json.loads((Path(content.__file__).parent / "victim.json").read_text())
    assert NNBSP not in json.dumps(raw, ensure_ascii=False)
    assert NNBSP in json.dumps(content.victim(), ensure_ascii=False)
