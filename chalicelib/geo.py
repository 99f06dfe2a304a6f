"""Points on the map: a grid index for nearest-neighbour queries, and geodesic distances.

Candidates are found with a flat-earth (equirectangular) distance, which is exact enough to rank
points a few tens of kilometres apart; only the few answers returned get a geodesic distance on the
WGS84 ellipsoid.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE = math.pi / 180 * EARTH_RADIUS_KM

Ident = TypeVar("Ident")

# WGS84 ellipsoid
_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)


class PointGrid(Generic[Ident]):
    """Points `(lat, lon, id)` bucketed in cells of `cell_degrees`, searched ring by ring around a
    query. Ids are returned with the distances: they must be comparable (ints, strings)."""

    def __init__(self, points: Iterable[tuple[float, float, Ident]], *, cell_degrees: float):
        self.cell = cell = cell_degrees
        # Keys are whole floats (`//` is cheaper than `math.floor`): equal to, and hashed like, the
        # int keys the search looks up.
        self.cells: dict[tuple[float, float], list[tuple[float, float, Ident]]] = {}
        for point in points:
            self.cells.setdefault((point[0] // cell, point[1] // cell), []).append(point)
        rows = [row for row, _ in self.cells] or [0]
        columns = [column for _, column in self.cells] or [0]
        self.bounds = (min(rows), max(rows), min(columns), max(columns))

    def nearest(self, lat: float, lon: float, *, count: int = 1, max_km: float) -> list[tuple[float, Ident]]:
        """Up to `count` `(approximate km, id)`, nearest first, within `max_km`.

        Rings of cells are searched until the `count` best are nearer than the edge of the searched
        square, or it covers `max_km` or every cell holding points: a query far from all points
        costs a few rings, never a scan of the world.
        """
        cell = self.cell
        row, column = int(lat // cell), int(lon // cell)
        first_row, last_row, first_column, last_column = self.bounds
        reach = max_km / KM_PER_DEGREE  # in degrees of latitude, like every distance below
        if max(first_row - row, row - last_row - 1) * cell > reach:
            return []  # north or south of every point by more than max_km
        last_ring = max(row - first_row, last_row - row, column - first_column, last_column - column)
        # Distances are measured in a plane scaled for the query's latitude; in that same plane no
        # point outside the searched square is nearer than the square's nearest edge.
        scale = math.cos(math.radians(lat))
        cells = self.cells
        best: list[tuple[float, Ident]] = []  # (squared distance, id)
        ring = 0
        while True:
            for key in _ring(row, column, ring):
                for point_lat, point_lon, ident in cells.get(key, ()):
                    dy = point_lat - lat
                    dx = (point_lon - lon) * scale
                    best.append((dy * dy + dx * dx, ident))
            if len(best) > count:
                best.sort()
                del best[count:]
            edge = min(
                lat - (row - ring) * cell,
                (row + ring + 1) * cell - lat,
                (lon - (column - ring) * cell) * scale,
                ((column + ring + 1) * cell - lon) * scale,
            )
            if (len(best) == count and max(best)[0] <= edge * edge) or edge > reach or ring >= last_ring:
                best.sort()
                return [(KM_PER_DEGREE * math.sqrt(d), i) for d, i in best if d <= reach * reach]
            ring += 1


def _ring(row: int, column: int, radius: int) -> Iterable[tuple[int, int]]:
    """The cells at Chebyshev distance `radius` from (row, column)."""
    if radius == 0:
        return ((row, column),)
    return _ring_edges(row, column, radius)


def _ring_edges(row: int, column: int, radius: int) -> Iterator[tuple[int, int]]:
    for c in range(column - radius, column + radius + 1):
        yield row - radius, c
        yield row + radius, c
    for r in range(row - radius + 1, row + radius):
        yield r, column - radius
        yield r, column + radius


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance on the WGS84 ellipsoid, in km (Vincenty's inverse formula, to the millimetre).

    geographiclib's `Geodesic.Inverse` gives the same value but costs about 50 µs a call against
    about 5 µs here, which matters for a position query answered in a tenth of a millisecond; it
    still serves the nearly antipodal pairs where Vincenty's iteration does not converge.
    """
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    u1 = math.atan((1 - _F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - _F) * math.tan(math.radians(lat2)))
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    longitude = math.radians(lon2 - lon1)
    lam = longitude
    for _ in range(100):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        if sin_sigma == 0:
            return _geographiclib_km(lat1, lon1, lat2, lon2)
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha * sin_alpha
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = longitude + (1 - c) * _F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (2 * cos_2sm * cos_2sm - 1))
        )
        if abs(lam - previous) < 1e-10:  # distances then agree with geographiclib to the millimetre
            break
    else:
        return _geographiclib_km(lat1, lon1, lat2, lon2)
    u_sq = cos2_alpha * (_A * _A - _B * _B) / (_B * _B)
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (2 * cos_2sm * cos_2sm - 1)
                - big_b / 6 * cos_2sm * (4 * sin_sigma * sin_sigma - 3) * (4 * cos_2sm * cos_2sm - 3)
            )
        )
    )
    return _B * big_a * (sigma - delta_sigma) / 1000


def _geographiclib_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    from geographiclib.geodesic import Geodesic

    return float(Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]) / 1000
