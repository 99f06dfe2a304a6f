"""Ranking communes as people type them: rules on a small hand-made France, then the typed-query set
(tests/fixtures/typed_queries.jsonl) on the real data."""

from typing import Any

import pytest

from chalicelib import brigades
from chalicelib.commune_search import CommuneSearch, Found
from tools import typed_queries

# name, INSEE code, département, postal codes, population, city of an arrondissement
COMMUNES = [
    ("Bordeaux", "33063", "33", "33000", 260_000, ""),
    ("Bordeaux-en-Gâtinais", "45045", "45", "45340", 90, ""),
    ("Montpellier", "34172", "34", "34000", 300_000, ""),
    ("Montbel", "48100", "48", "48170", 150, ""),
    ("Saint-Laurent", "08385", "08", "08090", 1_050, ""),
    ("Saint-Laurent", "74244", "74", "74800", 841, ""),
    ("Saint-Laurent", "18219", "18", "18330", 511, ""),
    ("Saint-Laurent-du-Var", "06123", "06", "06700", 30_000, ""),
    ("Boulogne-Billancourt", "92012", "92", "92100", 119_000, ""),
    ("Les Essarts", "85084", "85", "85140", 9_000, ""),
    ("Cholet", "49099", "49", "49300", 54_000, ""),
    ("Chalais", "16073", "16", "16210", 1_700, ""),
    ("Montreuil", "93048", "93", "93100", 110_000, ""),
    ("Montreuil-sur-Mer", "62588", "62", "62170", 1_900, ""),
    ("Villeneuve-sur-Lot", "47323", "47", "47300", 22_000, ""),
    ("Villeneuve", "04242", "04", "04180", 4_000, ""),
    ("Paris", "75056", "75", "75001|75015", 2_100_000, ""),
    ("Paris 15e Arrondissement", "75115", "75", "75015", 230_000, "75056"),
    ("Paris 1er Arrondissement", "75101", "75", "75001", 16_000, "75056"),
    ("L'Aigle", "61214", "61", "61300", 8_000, ""),
    ("Neuilly-sur-Seine", "92051", "92", "92200", 60_000, ""),
    ("Berck", "62108", "62", "62600", 14_000, ""),
    ("Aix-en-Provence", "13001", "13", "13090", 145_000, ""),
    ("Saint-Denis", "97411", "974", "97400", 153_000, ""),
    ("Saint-Denis", "93066", "93", "93200", 113_000, ""),
    ("Soorts-Hossegor", "40304", "40", "40150", 4_000, ""),
    ("Le Chalon", "26069", "26", "26350", 190, ""),
    ("Chalon-sur-Saône", "71076", "71", "71100", 45_000, ""),
    ("Fleury-sur-Orne", "14271", "14", "14123", 4_900, ""),
    ("Fleuré", "61169", "61", "61200", 500, ""),
    ("Fontaines-Saint-Martin", "69087", "69", "69270", 3_100, ""),
    ("Saint-Martin", "97801", "978", "97150", 32_000, ""),
    ("Condé-sur-Vire", "50139", "50", "50420|50890", 4_100, ""),
    ("Condé-sur-l'Escaut", "59153", "59", "59163", 9_500, ""),
]
FORMER = [("Boulogne", 9), ("Montreuil-Juigné", 12)]  # (former name, current commune)


@pytest.fixture(scope="module")
def search() -> CommuneSearch:
    names, insee, departments, postal_codes, populations, parents = zip(*COMMUNES, strict=True)
    return CommuneSearch(
        names_of=names,
        insee=insee,
        department=departments,
        postal_codes=postal_codes,
        population=populations,
        parent=parents,
        former=FORMER,
    )


def answers(search: CommuneSearch, text: str, limit: int = 5) -> list[Found]:
    return search.search(text, limit)


def named(search: CommuneSearch, text: str, limit: int = 5) -> list[str]:
    return [f"{COMMUNES[f.commune][0]} ({COMMUNES[f.commune][2]})" for f in answers(search, text, limit)]


def test_the_exact_name_comes_first_even_before_a_bigger_city_nearly_typed(search: CommuneSearch) -> None:
    assert named(search, "montbel")[0] == "Montbel (48)"
    assert answers(search, "montbel")[0].match == ("name",)


def test_a_misspelt_city_beats_a_village_whose_name_starts_so(search: CommuneSearch) -> None:
    assert named(search, "bordeau")[:2] == ["Bordeaux (33)", "Bordeaux-en-Gâtinais (45)"]
    assert named(search, "bordaux")[0] == "Bordeaux (33)"
    assert answers(search, "bordaux")[0].match == ("corrected",)


def test_namesakes_do_not_hide_the_big_commune_whose_name_starts_so(search: CommuneSearch) -> None:
    found = named(search, "saint laurent")
    assert found[0] == "Saint-Laurent (08)"  # the biggest namesake first
    assert found.index("Saint-Laurent-du-Var (06)") < 3


def test_current_communes_come_before_former_ones(search: CommuneSearch) -> None:
    found = answers(search, "boulogne")
    assert named(search, "boulogne")[0] == "Boulogne-Billancourt (92)"
    former = next(f for f in found if f.matched_name == "Boulogne")
    assert former.match == ("name", "former_name")
    assert COMMUNES[former.commune][0] == "Les Essarts"


def test_spelling_by_ear_finds_the_city(search: CommuneSearch) -> None:
    assert named(search, "cholais")[:2] == ["Cholet (49)", "Chalais (16)"]
    assert answers(search, "cholais")[0].match == ("phonetic",)


def test_a_hint_the_candidate_agrees_with_puts_it_first(search: CommuneSearch) -> None:
    for typed in ("montreuil 62", "montreuil (62170)", "montreuil pas de calais"):
        first = answers(search, typed)[0]
        assert COMMUNES[first.commune][0] == "Montreuil-sur-Mer", typed
        assert first.ignored_hints == ()
    assert answers(search, "montreuil 62170")[0].match == ("prefix", "postal_code")
    assert COMMUNES[answers(search, "montreuil 621")[0].commune][0] == "Montreuil-sur-Mer"  # typing the code
    assert answers(search, "montreuil 62")[0].match == ("prefix", "department_hint")


def test_a_hint_no_candidate_agrees_with_is_ignored_and_said_so(search: CommuneSearch) -> None:
    found = answers(search, "cholet 75")
    assert COMMUNES[found[0].commune][0] == "Cholet"
    assert found[0].ignored_hints == ("75",)


def test_a_name_ending_like_a_department_is_read_as_a_name(search: CommuneSearch) -> None:
    first = answers(search, "villeneuve sur lot")[0]
    assert (COMMUNES[first.commune][0], first.ignored_hints) == ("Villeneuve-sur-Lot", ())


def test_an_arrondissement_number_or_postal_code_brings_the_arrondissement(search: CommuneSearch) -> None:
    for typed in ("paris 15", "paris 15eme", "paris 15e arrondissement", "paris 75015", "75015 paris"):
        assert named(search, typed)[:2] == ["Paris 15e Arrondissement (75)", "Paris (75)"], typed
    assert answers(search, "paris 1er")[0].match == ("name", "arrondissement")


def test_address_habits_and_glued_articles(search: CommuneSearch) -> None:
    assert named(search, "neuilly s/ seine")[0] == "Neuilly-sur-Seine (92)"
    assert answers(search, "laigle")[0].match == ("name",)
    assert named(search, "laigle")[0] == "L'Aigle (61)"


def test_a_name_followed_by_more_words_or_without_its_small_words(search: CommuneSearch) -> None:
    assert (named(search, "berck sur mer")[0], answers(search, "berck sur mer")[0].match) == (
        "Berck (62)",
        ("corrected",),
    )
    assert (named(search, "aix provence")[0], answers(search, "aix provence")[0].match) == (
        "Aix-en-Provence (13)",
        ("name",),
    )


def test_a_territory_hint_picks_the_namesake_there(search: CommuneSearch) -> None:
    assert named(search, "saint denis")[:2] == ["Saint-Denis (974)", "Saint-Denis (93)"]
    for typed in ("saint-denis 93", "saint denis (93200)", "saint denis seine saint denis", "st denis ile de france"):
        assert named(search, typed)[0] == "Saint-Denis (93)", typed
    for typed in ("saint-denis de la réunion", "saint denis reunion", "st denis 974"):
        assert named(search, typed)[0] == "Saint-Denis (974)", typed


def test_a_word_from_inside_a_compound_name_finds_it_when_nothing_starts_so(search: CommuneSearch) -> None:
    assert named(search, "hossegor") == ["Soorts-Hossegor (40)"]
    assert answers(search, "hossegor 40")[0].match == ("prefix", "department_hint")
    assert named(search, "billancourt", 1) == ["Boulogne-Billancourt (92)"]


def test_a_name_typed_without_its_article_is_not_taken_as_typed_whole(search: CommuneSearch) -> None:
    assert named(search, "chalon", 2) == ["Chalon-sur-Saône (71)", "Le Chalon (26)"]
    assert named(search, "le chalon", 1) == ["Le Chalon (26)"]


def test_a_river_after_sur_ends_a_misspelt_name_rather_than_naming_a_department(search: CommuneSearch) -> None:
    assert named(search, "fleuy sur orne", 1) == ["Fleury-sur-Orne (14)"]  # not Fleuré in the Orne
    assert named(search, "fleuri-sur-orne", 1) == ["Fleury-sur-Orne (14)"]
    found = answers(search, "fleuy sur orne 14")[0]
    assert (COMMUNES[found.commune][0], found.match) == ("Fleury-sur-Orne", ("corrected", "department_hint"))


def test_a_name_written_by_ear_beats_a_territory_it_seems_to_name(search: CommuneSearch) -> None:
    assert named(search, "fontenes saint martin", 1) == ["Fontaines-Saint-Martin (69)"]
    found = answers(search, "fontaines saint martin 69270")[0]
    assert (COMMUNES[found.commune][0], found.match) == ("Fontaines-Saint-Martin", ("name", "postal_code"))


def test_a_river_named_like_a_roman_numeral_is_not_an_arrondissement(search: CommuneSearch) -> None:
    assert named(search, "conde sur vire", 1) == ["Condé-sur-Vire (50)"]
    assert named(search, "paris xve", 1) == ["Paris 15e Arrondissement (75)"]


def test_a_query_matching_nothing_gives_nothing(search: CommuneSearch) -> None:
    assert answers(search, "xqzwv") == []
    assert answers(search, "?!") == []


# -- the typed-query set, on the real data ---------------------------------------------------------


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    return typed_queries.evaluate(
        typed_queries.load(), lambda q: [c["insee"] for c in brigades.search_communes(q, limit=10)]
    )


def test_the_typed_query_set_is_checked_against_the_data() -> None:
    rows = typed_queries.load()
    assert rows == typed_queries.rows(brigades.directory().data_dir)  # run tools/typed_queries.py if not
    assert len(rows) >= 300
    departments = {brigades.directory().department[brigades.directory().by_insee[c]] for r in rows for c in r["insee"]}
    assert {"2A", "2B", "971", "972", "973", "974", "976", "975", "987", "988"} <= departments


def test_98_percent_of_typed_queries_find_their_commune_in_rank(results: dict[str, dict[str, Any]]) -> None:
    found = results["all"]
    assert found["topk"] / found["count"] >= 0.98, found["missed"]


def test_90_percent_in_every_habit(results: dict[str, dict[str, Any]]) -> None:
    assert len(results) >= 12
    for habit, found in results.items():
        assert found["topk"] / found["count"] >= 0.90, (habit, found["missed"])
