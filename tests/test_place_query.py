"""Splitting what a person types into the commune's name and the hints around it."""

import pytest

from chalicelib.place_query import parse


def hint_of(text: str) -> tuple[str, dict[str, object]]:
    """The name part and the fields of the single hint of a query."""
    query = parse(text)
    assert len(query.hints) == 1, query
    hint = query.hints[0]
    fields = {
        "departments": set(hint.departments),
        "region": set(hint.region),
        "postal_code": hint.postal_code,
        "arrondissement": hint.arrondissement,
    }
    return query.name, {key: value for key, value in fields.items() if value}


@pytest.mark.parametrize("typed", ["toulon 83000", "83000 toulon", "Toulon (83000)", "TOULON, 83000"])
def test_a_postal_code_either_side(typed: str) -> None:
    assert hint_of(typed) == ("toulon", {"postal_code": "83000"})


@pytest.mark.parametrize(
    ("typed", "name", "departments"),
    [
        ("rennes 35", "rennes", {"35"}),
        ("montauban (82)", "montauban", {"82"}),
        ("35 rennes", "rennes", {"35"}),
        ("bourg 1", "bourg", {"01"}),
        ("ajaccio 2a", "ajaccio", {"2A"}),
        ("bastia (2B)", "bastia", {"2B"}),
        ("calvi 20", "calvi", {"2A", "2B"}),
        ("saint-paul 974", "saint paul", {"974"}),
        ("papeete 987", "papeete", {"987"}),
        ("vitre dept 35", "vitre", {"35"}),
        ("saint-quentin aisne", "saint quentin", {"02"}),
        ("brest (finistère)", "brest", {"29"}),
        ("thonon haute-savoie", "thonon", {"74"}),
        ("le port la réunion", "le port", {"974"}),
        ("le port reunion", "le port", {"974"}),
        ("basse-terre guadeloupe", "basse terre", {"971"}),
    ],
)
def test_a_department_number_or_name(typed: str, name: str, departments: set[str]) -> None:
    found_name, fields = hint_of(typed)
    assert found_name == name
    assert fields["departments"] == departments


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("vannes bretagne", {"22", "29", "35", "56"}),
        ("sartene corse", {"2A", "2B"}),
        ("meaux ile de france", {"75", "77", "78", "91", "92", "93", "94", "95"}),
        ("beauvais picardie", {"02", "60", "80"}),
        ("faaa tahiti", {"987"}),
    ],
)
def test_a_region_or_territory_name(typed: str, region: set[str]) -> None:
    _, fields = hint_of(typed)
    assert fields["region"] == region


@pytest.mark.parametrize(
    "typed",
    ["paris 3e", "paris 3eme", "paris 3ème", "paris 3e arr", "paris 3ème arrondissement", "paris IIIe",
     "paris 3 eme", "paris arrondissement 3", "paris 3e arrdt", "3e arrondissement paris"],
)  # fmt: skip
def test_an_arrondissement_in_every_written_form(typed: str) -> None:
    assert hint_of(typed) == ("paris", {"arrondissement": 3})


@pytest.mark.parametrize(("typed", "number"), [("lyon 1er", 1), ("lyon 1re", 1), ("marseille xvie", 16)])
def test_first_and_roman_arrondissements(typed: str, number: int) -> None:
    assert hint_of(typed)[1] == {"arrondissement": number}


@pytest.mark.parametrize("typed", ["conde sur vire", "saint gilles croix de vie", "bourg ixe"])
def test_roman_numerals_are_arrondissements_only_after_a_city_that_has_them_or_announced(typed: str) -> None:
    assert all(hint.arrondissement is None for hint in parse(typed).hints)
    assert hint_of("bourg ixe arrondissement")[1] == {"arrondissement": 9}


def test_the_start_of_a_postal_code_typed_so_far() -> None:
    assert hint_of("toulon 830") == ("toulon", {"postal_code": "830"})
    assert hint_of("toulon 8300") == ("toulon", {"postal_code": "8300"})
    assert hint_of("saint-paul 974") == ("saint paul", {"departments": {"974"}})  # a département first


def test_a_small_number_is_read_both_ways() -> None:
    assert hint_of("lyon 3") == ("lyon", {"departments": {"03"}, "arrondissement": 3})
    assert hint_of("rennes 35") == ("rennes", {"departments": {"35"}})  # no 35th arrondissement


def test_a_name_is_always_left() -> None:
    assert parse("vienne") == parse("vienne")
    assert (parse("vienne").name, parse("vienne").hints) == ("vienne", ())
    assert hint_of("38 vienne") == ("vienne", {"departments": {"38"}})
    assert parse("saint-martin").hints == ()  # also a collectivity, but nothing would be left


def test_worded_hints_keep_the_whole_query_since_it_may_be_a_name() -> None:
    query = parse("villeneuve sur lot")
    assert (query.name, query.whole) == ("villeneuve", "villeneuve sur lot")
    assert parse("rennes 35").whole == ""  # digits belong to no name
    assert parse("fontaines saint martin 69").whole == "fontaines saint martin"  # the codes left out


def test_words_that_only_announce_are_dropped() -> None:
    assert parse("toulon cedex 9").hints == ()
    assert parse("toulon cedex 9").name == "toulon"
    assert parse("dijon france").name == "dijon"


def test_address_abbreviations_are_read_before_the_hints() -> None:
    assert hint_of("neuilly s/ seine 92") == ("neuilly sur seine", {"departments": {"92"}})
