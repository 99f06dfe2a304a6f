"""How the rules read a text: invisible characters, look-alike letters, accents that matter."""

import pytest

from chalicelib.rules import check_alert, redact, text


def rule_ids(message: str) -> set[str]:
    return {f.rule for f in check_alert(text=message, offence_type="cambriolage_habitation", offence_established=True)}


@pytest.mark.parametrize(
    "invisible",
    ["\u00ad", "\u200b", "\u200c", "\u2060", "\ufeff", "\u200e", "\u202e", "\u2066", "\u061c", "\u180e"],
)
def test_a_format_character_is_refused_and_cannot_hide_a_word(invisible: str) -> None:
    found = rule_ids(f"Un rôdeur sus{invisible}pect près de l'école")
    assert found == {"control_characters", "suspicion"}
    assert text.prepare(f"sus{invisible}pect").shown == "suspect"


def test_invisible_characters_cannot_hide_a_phone_number_or_a_plate() -> None:
    assert {"control_characters", "phone_number"} <= rule_ids("Témoins : 06\u200b12\u200b34\u200b56\u200b78")
    assert {"control_characters", "licence_plate"} <= rule_ids("Voiture AB\u2060-123\u2060-CD")


def test_emoji_sequences_keep_their_joiners() -> None:
    assert text.invisible_characters("Famille 👨‍👩‍👧 🏴󠁧󠁢󠁳󠁣󠁴󠁿") == []
    assert text.invisible_characters("a\u200db") == ["\u200d"]


@pytest.mark.parametrize(
    ("disguised", "rule"),
    [
        ("Individu susp\u0435ct à Agde", "suspicion"),  # Cyrillic е
        ("Individu \u0455uspect à Agde", "suspicion"),  # Cyrillic ѕ
        ("R\u03bfdeur à Sète", "suspicion"),  # Greek ο
        ("Saisie de dr\u043egue", "off_topic"),  # Cyrillic о
        ("Voiture \u0410\u0412-123-CD", "licence_plate"),  # Cyrillic А, В
    ],
)
def test_look_alike_letters_are_refused_and_read_as_latin(disguised: str, rule: str) -> None:
    assert {"foreign_script", rule} <= rule_ids(disguised)


def test_compatibility_forms_are_folded() -> None:
    assert "suspicion" in rule_ids("Individu ｓｕｓｐｅｃｔ")  # full-width letters
    assert "off_topic" in rule_ids("Traﬁc de stupéﬁants")  # ligature ﬁ
    assert "foreign_script" not in rule_ids("Cambriolages à Sète, Mèze, Agde : fermez tout")


@pytest.mark.parametrize(
    ("lawful", "unlawful", "rule"),
    [
        ("Maison cambriolée puis incendiée à Mèze", "Incendie à Mèze", "off_topic"),
        ("Cambriolages : notez vos repères, fermez à clé", "Cambriolages : individus repérés", "suspicion"),
    ],
)
def test_accent_folding_does_not_merge_two_words(lawful: str, unlawful: str, rule: str) -> None:
    assert rule_ids(lawful) == set()
    assert rule in rule_ids(unlawful)


def test_a_word_typed_without_its_accents_is_still_read() -> None:
    assert "suspicion" in rule_ids("individus reperes a Agde")
    assert "suspicion" in rule_ids("RODEURS SIGNALES")
    assert "off_topic" in rule_ids("Saisie de cocaine")


def test_the_prepared_text_keeps_the_length_of_its_lower_case() -> None:
    prepared = text.prepare("  İstanbul ÉTÉ «\u202fcambriolages\u202f» — Sète  ")
    assert len(prepared.lower) == len(prepared.shown)
    assert prepared.shown == 'İstanbul ÉTÉ " cambriolages " - Sète'


def test_redaction_reads_through_invisible_characters() -> None:
    masked = redact("Voiture AB-\u2060123-CD à Sète")
    assert "123" not in masked and "[masqué]" in masked


@pytest.mark.parametrize(
    ("spelt", "rule"),
    [
        ("Individu s u s p e c t à Agde", "suspicion"),
        ("Saisie de d.r.o.g.u.e à Sète", "off_topic"),
        ("R-O-D-E-U-R signalé", "suspicion"),
    ],
)
def test_a_word_spelt_out_letter_by_letter_is_read_as_the_word(spelt: str, rule: str) -> None:
    assert rule in rule_ids(spelt)


def test_single_letter_words_are_not_glued_to_their_neighbours() -> None:
    assert text.prepare("Il y a à Sète 3 maisons, secteur A B").shown == "Il y a à Sète 3 maisons, secteur A B"
    assert text.prepare("s u s p e c t à Agde").shown == "suspect à Agde"


@pytest.mark.parametrize(
    ("typed", "excerpt"),
    [
        ("Attention à l’homme en blouson", "Attention à l’homme"),
        ("Individu sus\u00adpect à Agde", "sus\u00adpect"),
        ("Individu s u s p e c t à Agde", "s u s p e c t"),
        ("Individu susp\u0435ct", "susp\u0435ct"),
        ("Cambriolage chez M.  Dupont", "M.  Dupont"),
    ],
)
def test_an_excerpt_quotes_what_the_operator_typed(typed: str, excerpt: str) -> None:
    findings = check_alert(text=typed, offence_type="cambriolage_habitation", offence_established=True)
    assert excerpt in [f.excerpt for f in findings]
    assert all(f.excerpt is None or f.excerpt in typed for f in findings)


def test_any_text_is_checked_without_error_and_excerpts_come_from_it() -> None:
    import random

    from chalicelib import rules

    rng = random.Random(12)
    pool = [chr(c) for c in range(0x20, 0x250)] + [
        "\u00ad", "\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u0430", "\u0435", "\u03bf", "\u0301", "\u0130",
        "\ufb01", "😀", "🏴", " ", "-", ".", "'", "a ", "Jean ", "Rom-", "suspect ", "06 ",
    ]  # fmt: skip
    for _ in range(400):
        typed = "".join(rng.choice(pool) for _ in range(rng.randint(0, 240)))
        prepared = text.prepare(typed)
        for finding in check_alert(text=typed, offence_type="cambriolage_habitation", offence_established=True):
            excerpt = finding.excerpt
            assert excerpt is None or excerpt in rules.normalize_text(typed) or excerpt in prepared.shown
        assert isinstance(redact(typed), str)
