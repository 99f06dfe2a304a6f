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
