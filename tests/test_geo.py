"""Grid nearest-neighbour search and geodesic distances."""

import math
import random

from geographiclib.geodesic import Geodesic

from chalicelib import geo


def _reference_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"]) / 1000


def test_geodesic_distance_agrees_with_geographiclib_to_the_millimetre() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        lat, lon = rng.uniform(-25, 52), rng.uniform(-63, 56)
        other = lat + rng.uniform(-3, 3), lon + rng.uniform(-3, 3)
        assert abs(geo.geodesic_km(lat, lon, *other) - _reference_km(lat, lon, *other)) < 1e-6


def test_geodesic_distance_of_known_pairs() -> None:
    assert geo.geodesic_km(43.61, 3.8742, 43.61, 3.8742) == 0
    paris_montpellier = geo.geodesic_km(48.8589, 2.347, 43.61, 3.8742)
    assert 595 < paris_montpellier < 600
    # nearly antipodal: Vincenty does not converge, geographiclib answers
    assert math.isclose(geo.geodesic_km(0, 0, 0.5, 179.7), _reference_km(0, 0, 0.5, 179.7), rel_tol=1e-9)


def _brute_force(lats: list[float], lons: list[float], lat: float, lon: float, count: int) -> list[int]:
    distances = sorted((_reference_km(lat, lon, a, b), i) for i, (a, b) in enumerate(zip(lats, lons, strict=True)))
    return [i for _, i in distances[:count]]


def test_grid_finds_the_same_nearest_points_as_a_full_scan() -> None:
    rng = random.Random(11)
    lats = [rng.uniform(42, 51) for _ in range(800)]
    lons = [rng.uniform(-4, 8) for _ in range(800)]
    grid = geo.PointGrid(zip(lats, lons, range(len(lats)), strict=True), cell_degrees=0.2)
    for _ in range(40):
        lat, lon = rng.uniform(42.5, 50.5), rng.uniform(-3.5, 7.5)
        found = grid.nearest(lat, lon, count=3, max_km=500)
        assert [i for _, i in found] == _brute_force(lats, lons, lat, lon, 3)
        assert [d for d, _ in found] == sorted(d for d, _ in found)


def test_grid_returns_the_ids_given_with_the_points() -> None:
    grid = geo.PointGrid([(45.0, 5.0, "a"), (45.2, 5.0, "c"), (45.1, 5.0, "b")], cell_degrees=0.1)
    assert [i for _, i in grid.nearest(45.0, 5.0, count=5, max_km=100)] == ["a", "b", "c"]


def test_grid_answers_nothing_beyond_max_km() -> None:
    grid = geo.PointGrid([(45.0, 5.0, 0)], cell_degrees=0.1)
    assert grid.nearest(45.5, 5.0, max_km=30) == []
    assert grid.nearest(45.2, 5.0, max_km=30)[0][1] == 0


def test_grid_gives_up_quickly_far_from_every_point() -> None:
    """Near a pole, cells are thin: the search must stop at the edge of the data, not loop on."""
    grid = geo.PointGrid([(45.0, 5.0, 0), (-21.0, 55.5, 1)], cell_degrees=0.05)
    assert grid.nearest(89.9, 0.0, max_km=30) == []
    assert grid.nearest(-89.9, 179.9, max_km=150) == []
    assert grid.nearest(45.0, -30.0, max_km=10_000)[0][1] == 0
