"""The content rules: what a CORG may announce, and what it may not."""

import pytest

from chalicelib import rules
from chalicelib.rules import OFFENCE_TYPES, check_alert, check_identifying, check_topic, length, normalize_text, redact

SEED_EXAMPLE = (
    "MEYTHET, nombreux cambriolages dans les maisons, en fin de journée : prenez vos précautions et soyez "
    "vigilants, faites passer l'info !"
)
FORBIDDEN_EXAMPLE = "Attention : véhicule ou personnes suspectes en repérage dans les zones artisanales..."


def rule_ids(text: str, offence_type: str | None = "cambriolage_habitation", established: bool | None = True) -> set:
    findings = check_alert(text=text, offence_type=offence_type, offence_established=established)
    return {f.rule for f in findings}


def test_the_seed_example_is_accepted() -> None:
    assert check_alert(text=SEED_EXAMPLE, offence_type="serie_cambriolages", offence_established=True) == []


def test_the_doctrine_forbidden_example_is_refused_as_suspicion() -> None:
    findings = check_alert(text=FORBIDDEN_EXAMPLE, offence_type="cambriolage_commerce", offence_established=True)
    assert [f.rule for f in findings] == ["suspicion"]
    assert "soupçon" in findings[0].message
    assert findings[0].excerpt == "suspectes"


@pytest.mark.parametrize(
    "text",
    [
        SEED_EXAMPLE,
        "Lodève : 3 cambriolages de maisons cette nuit, fermez portes et volets.",
        "Série de cambriolages de commerces à Pézenas : vérifiez vos alarmes et rideaux métalliques.",
        "Tentatives de cambriolage au Crès, quartier des Arènes. Appelez le 17 si vous êtes témoin.",
        "Cambriolages en journée rue des Lilas à Sète : fermez à clé même quand vous êtes chez vous.",
        "COMPOSEZ LE 112 OU LE 17 EN CAS D'URGENCE APRÈS UN CAMBRIOLAGE À AGDE",
        "Vols par effraction dans les pavillons du 12 au 15 juillet à Lunel, vers 14H30.",
        "Cambriolages : les suspensions de courrier pendant les vacances aident les voleurs.",
        "Cambriolages à Béziers : un guide pour repérer les failles de votre logement sur l'appli.",
        "Cambriolages en hausse : 10 000 euros de bijoux dérobés à Montpellier cette semaine.",
        "Cambriolages à Mèze 🏠🔒 restez vigilants 👍🏽",
    ],
)
def test_lawful_alerts_pass(text: str) -> None:
    assert check_alert(text=text, offence_type="cambriolage_habitation", offence_established=True) == []


@pytest.mark.parametrize("rule", [r for r in rules.RULES if r.refused_examples], ids=lambda r: r.id)
def test_every_rule_refuses_its_own_examples(rule: rules.Rule) -> None:
    for example in rule.refused_examples:
        assert rules.matches(rule, example), example
        if rule.id not in ("offence_type", "offence_not_established"):
            assert rule.id in rule_ids(example), example


@pytest.mark.parametrize("rule", [r for r in rules.RULES if r.accepted_examples], ids=lambda r: r.id)
def test_every_rule_accepts_its_lawful_examples(rule: rules.Rule) -> None:
    for example in rule.accepted_examples:
        assert check_alert(text=example, offence_type="cambriolage_habitation", offence_established=True) == [], example


def test_every_rule_that_looks_at_the_text_has_examples_both_ways() -> None:
    for rule in rules.RULES:
        if rule.patterns:
            assert rule.refused_examples and rule.accepted_examples, rule.id


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Un individu suspect aperçu à Agde", "suspicion"),
        ("Des rôdeurs signalés à Sète", "suspicion"),
        ("Des RODEURS signalés à Sète", "suspicion"),
        ("Présence d’un véhicule suspecté de repérages", "suspicion"),
        ("Soupçons de cambriolage à Lunel", "suspicion"),
        ("Des allées et venues inhabituelles", "suspicion"),
        ("Cambriolage : plaque AA-001-AA relevée", "licence_plate"),
        ("Cambriolage, véhicule GH 456 JK", "licence_plate"),
        ("Cambriolage, véhicule 75 ABC 34", "licence_plate"),
        ("Cambriolage, véhicule 4512 XY 2A", "licence_plate"),
        ("Témoins : 04-67-12-34-56", "phone_number"),
        ("Témoins : +33 (0)6 12 34 56 78", "phone_number"),
        ("Contact gendarmerie@interieur.gouv.fr", "email"),
        ("Voir http://localhost/alerte", "url"),
        ("Voir stop-cambriolages.gouv.fr", "url"),
        ("Cambriolage chez Mme Durand à Gignac", "named_person"),
        ("Cambriolage au 4, rue de la Paix", "street_address"),
        ("Rodéo motorisé cette nuit à Lunel", "off_topic"),
        ("Accident de la circulation sur la RN 113", "off_topic"),
        ("Démantèlement d'un point de deal", "off_topic"),
        ("Bande de jeunes au centre-ville", "off_topic"),
    ],
)
def test_refused_alerts_name_the_rule(text: str, rule: str) -> None:
    assert rule in rule_ids(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Cambriolages : une suspension de la collecte des déchets n'a rien à voir",  # suspension ≠ suspect
        "Cambriolages : la prospection commerciale à domicile est encadrée",
        "Cambriolages : les voleurs ont pris des radiateurs",  # radiateur ≠ radar
        "Cambriolages : drogueries et quincailleries visées",  # droguerie ≠ drogue
        "Cambriolages : la manif de dimanche n'y est pour rien",
        "Cambriolage d'une boulangerie avenue de la Gare",
    ],
)
def test_whole_words_only_no_false_positive(text: str) -> None:
    assert rule_ids(text) == set(), text


def test_length_counts_what_a_person_sees() -> None:
    assert length("é") == 1
    assert length("e\u0301") == 1  # e + combining accent, as some keyboards type it
    assert length("🇫🇷") == 1
    assert length("👨‍👩‍👧") == 1
    assert length("  Sète  ") == 4


def test_160_characters_pass_and_161_fail() -> None:
    base = "Cambriolages à Agde. "
    text = (base * 10)[:160]
    assert length(text.strip()) <= 160
    exactly = "x" * 160
    assert "length" not in rule_ids(exactly)
    assert "length" in rule_ids(exactly + "y")
    assert "length" not in rule_ids("é" * 160)
    assert "length" not in rule_ids("e\u0301" * 160)  # 320 code points, 160 characters


def test_length_message_says_how_many() -> None:
    finding = check_alert(text="x" * 171, offence_type="cambriolage_habitation", offence_established=True)[0]
    assert finding.rule == "length"
    assert "171" in finding.message
    assert "160" in finding.message


def test_an_empty_or_blank_text_is_refused() -> None:
    assert "length" in rule_ids("")
    assert "length" in rule_ids("   ")


@pytest.mark.parametrize("control", ["\n", "\t", "\r", "\x00", "\x1b", "\u2028", "\u202e", "\u2066"])
def test_control_characters_are_refused(control: str) -> None:
    assert "control_characters" in rule_ids(f"Cambriolages{control}à Agde")


def test_emoji_joiners_are_not_control_characters() -> None:
    assert "control_characters" not in rule_ids("Cambriolages à Agde 👨‍👩‍👧")


def test_offence_type_must_come_from_the_closed_list() -> None:
    assert set(OFFENCE_TYPES) == {
        "cambriolage_habitation",
        "cambriolage_commerce",
        "tentative_cambriolage",
        "serie_cambriolages",
    }
    for offence in OFFENCE_TYPES:
        assert "offence_type" not in rule_ids(SEED_EXAMPLE, offence_type=offence)
    assert "offence_type" in rule_ids(SEED_EXAMPLE, offence_type="vol_de_voiture")
    assert "offence_type" in rule_ids(SEED_EXAMPLE, offence_type=None)


def test_offence_must_be_established() -> None:
    assert "offence_not_established" in rule_ids(SEED_EXAMPLE, established=False)
    assert "offence_not_established" in rule_ids(SEED_EXAMPLE, established=None)


def test_several_broken_rules_are_all_reported() -> None:
    found = rule_ids("Rôdeur suspect, plaque AB-123-CD, appelez le 0612345678, drogue", offence_type="x")
    assert found == {"offence_type", "suspicion", "licence_plate", "phone_number", "off_topic"}


def test_every_finding_has_a_french_explanation() -> None:
    checked_in_code = {"length", "control_characters", "foreign_script", "offence_type", "offence_not_established"}
    for rule in rules.RULES:
        assert rule.title and rule.message
        assert rule.patterns or rule.id in checked_in_code
        assert all(p.label and (p.regex or p.words or p.finder) for p in rule.patterns)
    finding = check_alert(text="Voiture AB-123-CD", offence_type="cambriolage_habitation", offence_established=True)
    assert finding[0].as_dict() == {
        "rule": "licence_plate",
        "message": rules.RULES_BY_ID["licence_plate"].message,
        "excerpt": "AB-123-CD",
    }
    assert "excerpt" not in finding[0].as_dict(with_excerpt=False)


def test_check_topic_applies_only_the_off_topic_rule() -> None:
    assert check_topic("Bientôt les départs en vacances, pensez à l'OTV") == []
    assert check_topic("Véhicule suspect AB-123-CD") == []
    assert [f.rule for f in check_topic("Prévention : sécurité routière et alcool au volant")] == ["off_topic"]


def test_check_identifying_finds_each_kind() -> None:
    text = "M. Durand, 3 rue Haute, AB-123-CD, 0612345678, a@b.fr, www.x.fr"
    assert {f.rule for f in check_identifying(text)} == set(rules.IDENTIFYING_RULES)


def test_redaction_masks_identifying_data_only() -> None:
    masked = redact("Voiture AB-123-CD, appelez le 06 12 34 56 78 ou écrivez à a.b@c.fr, cambriolages à Agde")
    assert "AB-123-CD" not in masked
    assert "06 12" not in masked
    assert "a.b@c.fr" not in masked
    assert masked.endswith("cambriolages à Agde")
    assert masked.count("[masqué]") == 3


def test_normalize_text_is_nfc_and_trimmed() -> None:
    assert normalize_text("  Se\u0300te \n") == "Sète"


def test_the_jurists_page_is_the_table_rendered() -> None:
    from tools import rules_doc

    assert rules_doc.OUTPUT.read_text() == rules_doc.render(), "run: python -m tools.rules_doc"
    page = rules_doc.render()
    for rule in rules.RULES:
        assert f"(`{rule.id}`)" in page and rule.title in page


@pytest.mark.parametrize(
    "advice",
    [
        "Cambriolages à Agde : merci de signaler tout individu suspect au 17.",
        "Cambriolages à Agde. Signaler tout comportement suspect au 17.",
        "Cambriolages à Sète, svp signalez tout véhicule suspect.",
        "Cambriolages à Lunel : n'hésitez pas à signaler toute présence inhabituelle.",
    ],
)
def test_general_advice_may_name_what_to_report(advice: str) -> None:
    assert rule_ids(advice) == set(), advice


@pytest.mark.parametrize(
    "description",
    [
        "Hier soir, individu suspect à Agde.",
        "Signalez au 17 ce qui suit : deux hommes vus en train de regarder les maisons.",
        "Cambriolages à Sète, un véhicule suspect a été vu, fermez vos portes.",
    ],
)
def test_a_description_next_to_advice_is_still_suspicion(description: str) -> None:
    assert "suspicion" in rule_ids(description), description
