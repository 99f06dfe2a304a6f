import pytest

from chalicelib import departements
from chalicelib.errors import AppError


def test_there_are_101_departements_including_corsica_and_the_drom() -> None:
    assert len(departements.CODES) == 101
    for code in ("01", "2A", "2B", "95", "971", "972", "973", "974", "976"):
        assert code in departements.CODES
    assert "20" not in departements.CODES


@pytest.mark.parametrize(
    ("typed", "code"),
    [("1", "01"), ("01", "01"), (" 34 ", "34"), ("2a", "2A"), ("2B", "2B"), ("974", "974")],
)
def test_typed_numbers_are_normalised(typed: str, code: str) -> None:
    assert departements.normalize(typed) == code


@pytest.mark.parametrize("typed", ["20", "00", "96", "975", "", "  ", "abc", "3 4", "340"])
def test_unknown_codes_are_refused_with_a_french_message(typed: str) -> None:
    with pytest.raises(AppError) as raised:
        departements.normalize(typed)
    assert raised.value.status == 400
    assert raised.value.code == "invalid_department"
    assert "Indiquez 01 à 95, 2A, 2B" in raised.value.detail


def test_non_strings_are_refused() -> None:
    with pytest.raises(AppError):
        departements.normalize(34)


def test_listing_gives_code_and_name() -> None:
    listing = departements.listing()
    assert {"code": "34", "name": "Hérault"} in listing
    assert {"code": "2A", "name": "Corse-du-Sud"} in listing


def test_every_mainland_departement_has_exactly_one_school_zone() -> None:
    assigned = [code for _, codes in departements.ACADEMIES.values() for code in codes]
    assert len(assigned) == len(set(assigned)) == 94
    mainland = [code for code in departements.CODES if code not in ("2A", "2B") and len(code) == 2]
    assert sorted(assigned) == sorted(mainland)


@pytest.mark.parametrize(
    ("code", "zone"),
    [("34", "C"), ("75", "C"), ("93", "C"), ("31", "C"), ("74", "A"), ("33", "A"), ("69", "A"),
     ("13", "B"), ("59", "B"), ("67", "B"), ("76", "B"), ("14", "B"), ("2A", None), ("2B", None),
     ("971", None), ("974", None), ("976", None)],
)  # fmt: skip
def test_school_zone_follows_the_academies(code: str, zone: str | None) -> None:
    zones = [z for z in departements.SCHOOL_ZONES if code in departements.in_school_zone(z)]
    assert zones == ([zone] if zone else [])


def test_zone_listing_counts_follow_the_academies() -> None:
    assert [len(departements.in_school_zone(z)) for z in departements.SCHOOL_ZONES] == [32, 41, 21]
    assert "34" in departements.in_school_zone("C")
