"""Persons in alerts: names, initials, ages, and the places that only look like names."""

import time

import pytest

from chalicelib.rules import check_alert, persons, redact
from chalicelib.rules.text import prepare


def rule_ids(message: str) -> set[str]:
    return {f.rule for f in check_alert(text=message, offence_type="cambriolage_habitation", offence_established=True)}


def names_in(message: str) -> list[str]:
    prepared = prepare(message)
    return [prepared.shown[start:end] for start, end in persons.find_names(prepared)]


def test_the_first_name_list_is_real_and_compact() -> None:
    names = persons.first_names()
    assert 3000 <= len(names) <= 20000
    assert persons.FIRST_NAMES_FILE.stat().st_size < 100_000
    assert {"mickael", "sebastien", "nathalie", "mohamed", "ines", "kevin", "joao"} <= names
    assert not {"cambriolage", "gendarmerie", "rue", "saint"} & names


def test_the_first_name_list_loads_fast() -> None:
    persons.first_names.cache_clear()
    started = time.perf_counter()
    persons.first_names()
    assert time.perf_counter() - started < 0.05


@pytest.mark.parametrize(
    ("message", "name"),
    [
        ("Interpellation de Julien Garcia à Sète", "Julien Garcia"),
        ("un certain Mickaël D. a été vu", "Mickaël D."),
        ("CAMBRIOLAGE CHEZ JEAN-PIERRE BOUSQUET", "JEAN-PIERRE BOUSQUET"),
        ("la maison de Marie-Claire Le Gall", "Marie-Claire Le Gall"),
        ("Kevin D interpellé", "Kevin D"),
        ("Ines Ben Salah entendue", "Ines Ben Salah"),
    ],
)
def test_a_first_name_with_a_surname_or_an_initial_is_a_person(message: str, name: str) -> None:
    assert names_in(message) == [name]
    assert "named_person" in rule_ids(f"Cambriolages : {message}")


@pytest.mark.parametrize(
    "message",
    [
        "Cambriolages à Saint-Clément-de-Rivière et Saint-Jean-de-Védas",
        "Cambriolages à Pierre-Bénite, Sainte-Marie et Saint-Julien-en-Genevois",
        "Cambriolages rue Victor Hugo et avenue Jean Jaurès à Sète",
        "Cambriolages place du Général Charles de Gaulle à Agde",
        "Cambriolages près du collège Jean Moulin et de l'école Jules Ferry",
        "Cambriolages secteur de la brigade de Saint-Martin-de-Londres",
        "Cambriolages : une Mercedes Vito utilisée par les auteurs",
        "Cambriolages à Lunel. Fermez à clé",
        "Cambriolages : Pierre, Paul et Jacques, fermez vos portes",
    ],
)
def test_communes_streets_units_and_cars_are_not_persons(message: str) -> None:
    assert names_in(message) == []
    assert "named_person" not in rule_ids(message)


def test_a_commune_that_reads_as_a_name_is_not_a_person() -> None:
    # communes whose two words could be a first name and a surname
    keys = persons.commune_keys()
    assert "saint jean de vedas" in keys
    samples = [key for key in keys if len(key.split()) == 2 and key.split()[0] in persons.first_names()][:20]
    for key in samples:
        assert not persons._is_commune("Kevin Durand")
        assert persons._is_commune(key.title())


@pytest.mark.parametrize(
    "message",
    [
        "Cambriolages : un homme de 35 ans interpellé",
        "Cambriolages : l'auteur, âgé de 19 ans, en fuite",
        "Cambriolage chez une octogénaire de Mèze",
        "Cambriolages : une femme d'une trentaine d'années recherchée",
        "Cambriolage : Roux, 41 ans, en garde à vue",
        "Cambriolage chez un retraité de 72 ans",
    ],
)
def test_an_age_attached_to_a_person_identifies_them(message: str) -> None:
    assert "named_person" in rule_ids(message)


@pytest.mark.parametrize(
    "message",
    [
        "Cambriolages dans des maisons de plus de 100 ans à Lodève",
        "Cambriolages : depuis 2 ans, les vols visent les maisons sans volets",
        "Cambriolages à Lunel : les personnes âgées sont visées, ne laissez entrer personne",
    ],
)
def test_an_age_that_is_not_a_persons_is_lawful(message: str) -> None:
    assert "named_person" not in rule_ids(message)


def test_names_and_ages_are_masked_in_the_log() -> None:
    masked = redact("Cambriolage : Sébastien Roux, 41 ans, et Mme Fabre")
    for personal in ("Sébastien", "Roux", "41", "Fabre"):
        assert personal not in masked


def test_the_committed_first_name_list_is_the_one_the_tool_builds() -> None:
    from tools import first_names

    assert persons.FIRST_NAMES_FILE.read_text() == "\n".join(first_names.build()) + "\n"


@pytest.mark.parametrize(
    ("message", "names"),
    [
        ("Cambriolage de la pharmacie de Marc Vidal", ["Marc Vidal"]),
        ("Cambriolage de la pharmacie d'Anne Martin", ["Anne Martin"]),
        ("Cambriolage de la boulangerie Paul Durand", []),  # a shop's name
        ("Cambriolages près du lycée d'Anne Frank", []),
    ],
)
def test_a_business_of_someone_names_them_a_business_name_does_not(message: str, names: list[str]) -> None:
    assert names_in(message) == names


@pytest.mark.parametrize("department", ["34", "74", "2A"])
def test_no_commune_of_a_department_is_refused_for_its_name(department: str) -> None:
    from chalicelib import brigades

    directory = brigades.directory()
    names = [name for name, dept in zip(directory.name, directory.department, strict=True) if dept == department]
    assert len(names) > 100
    for name in names:
        for text in (
            f"Cambriolages à {name} cette nuit : fermez vos portes.",
            f"CAMBRIOLAGES A {name.upper()} CETTE NUIT",
        ):
            assert rule_ids(text) == set(), text


@pytest.mark.parametrize(
    ("place", "word", "rule"),
    [
        ("Cambriolages à Louches cette nuit", "Individus louches à Sète", "suspicion"),
        ("Bouchon : série de cambriolages", "Bouchon sur l'A9 ce matin", "off_topic"),
        ("Cambriolages à Baigneux-les-Juifs", "Cambriolages visant des juifs à Sète", "origin"),
        ("CAMBRIOLAGES A PONT-L'ABBÉ CETTE NUIT", "Cambriolage chez l'abbé Martin à Agde", "named_person"),
    ],
)
def test_a_commune_named_like_a_forbidden_word_is_a_place(place: str, word: str, rule: str) -> None:
    assert rule_ids(place) == set()
    assert rule in rule_ids(word)
