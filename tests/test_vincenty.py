"""The compiled geodesic inverse against GeographicLib and pyproj."""

from __future__ import annotations

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic
from pyproj import Geod

from openskies.geo.geodesy import densify_legs, geodesic_inverse, geodesic_table
from openskies.geo.vincenty import azimuths_of, inverse, lengths, points


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    gap = np.abs(a - b) % 360.0
    return np.minimum(gap, 360.0 - gap)


def _pairs(count: int, seed: int) -> tuple[np.ndarray, ...]:
    """Random legs of every length, and hard ones: antipodal, polar, zero, equator."""
    rng = np.random.default_rng(seed)
    lon1 = rng.uniform(-180.0, 180.0, count)
    lat1 = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, count)))
    lon2 = lon1 + rng.normal(0.0, 4.0, count)
    lat2 = np.clip(lat1 + rng.normal(0.0, 3.0, count), -90.0, 90.0)
    q = count // 8
    lon2[:q] = rng.uniform(-180.0, 180.0, q)  # any length
    lat2[:q] = rng.uniform(-90.0, 90.0, q)
    lon2[q : 2 * q] = lon1[q : 2 * q] + 180.0 - rng.uniform(0.0, 1.5, q)  # antipodal
    lat2[q : 2 * q] = -lat1[q : 2 * q] + rng.normal(0.0, 0.5, q)
    lat1[3 * q : 4 * q] = rng.choice([-90.0, 90.0, 89.995, -89.9999], q)  # polar
    lat1[4 * q : 5 * q] = lat2[4 * q : 5 * q] = 0.0  # along the equator
    lon1[5 * q : 6 * q] = rng.uniform(179.0, 180.0, q)  # across the antimeridian
    lon2[5 * q : 6 * q] = rng.uniform(-180.0, -179.0, q)
    lon2 = (lon2 + 180.0) % 360.0 - 180.0
    lat2 = np.clip(lat2, -90.0, 90.0)
    lon2[2 * q : 3 * q] = lon1[2 * q : 3 * q]  # zero length
    lat2[2 * q : 3 * q] = lat1[2 * q : 3 * q]
    return lon1, lat1, lon2, np.ascontiguousarray(lat2)


def test_inverse_within_a_millimetre_of_pyproj_on_hard_and_random_legs() -> None:
    lon1, lat1, lon2, lat2 = _pairs(16_000, 1)
    azimuth, back, metres = geodesic_inverse(lon1, lat1, lon2, lat2)
    ref_azimuth, ref_back, ref_metres = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    assert np.abs(metres - ref_metres).max() < 1e-3
    long = ref_metres > 1.0  # azimuths of coincident points are conventions
    # 1e-7 degrees: under 1 mm of sideways offset per 500 km
    assert _angle(azimuth, ref_azimuth)[long].max() < 1e-7
    assert _angle(back, ref_back)[long].max() < 1e-7


def test_compiled_legs_match_geographiclib_and_hard_legs_are_left_to_it() -> None:
    lon1, lat1, lon2, lat2 = _pairs(800, 2)
    azimuth, back, metres, done = inverse(lon1, lat1, lon2, lat2)
    q = 100
    assert not done[2 * q : 4 * q].any()  # zero length and polar legs
    assert done[4 * q :].all()
    assert done.sum() > 500
    for i in np.flatnonzero(done):
        ref = Geodesic.WGS84.Inverse(lat1[i], lon1[i], lat2[i], lon2[i])
        assert metres[i] == pytest.approx(ref["s12"], abs=1e-3)
        assert _angle(azimuth[i : i + 1], np.array([ref["azi1"]]))[0] < 1e-7
        arrival = np.array([ref["azi2"] + 180.0])
        assert _angle(back[i : i + 1], arrival)[0] < 1e-7


def test_deferred_azimuths_are_those_of_the_inverse_bit_for_bit() -> None:
    # check_routes computes lengths first and azimuths only for some legs, in
    # any order; consecutive legs share reduced latitudes: every route gives
    # the bits of geodesic_inverse, hard legs (GeographicLib's) included
    lon1, lat1, lon2, lat2 = _pairs(4_000, 5)
    lon1[1::2], lat1[1::2] = lon2[:-1:2], lat2[:-1:2]  # chained legs too
    expected = geodesic_inverse(lon1, lat1, lon2, lat2)
    table = geodesic_table(lon1, lat1, lon2, lat2)
    assert np.array_equal(table[:, 2], expected[2])
    computed = ~np.isnan(table[:, 0])
    assert 0 < computed.sum() < 1_000  # only the legs left to GeographicLib
    order = np.random.default_rng(6).permutation(lon1.size)
    for part in np.array_split(order, 3):
        azimuths_of(table, lat1, lat2, part.astype(np.int64))
    assert np.array_equal(table[:, 0], expected[0])
    assert np.array_equal(table[:, 1], expected[1])


def test_legs_iterated_side_by_side_get_the_bits_they_get_alone() -> None:
    # lengths() iterates legs in lanes, hard and easy ones mixed: each leg must
    # give the bits (length, auxiliary longitude, success) of a call on it alone
    lon1, lat1, lon2, lat2 = _pairs(203, 7)  # not a multiple of the lanes
    together = lengths(lon1, lat1, lon2, lat2)
    for i in range(lon1.size):
        alone = lengths(
            *(np.ascontiguousarray(x[i : i + 1]) for x in (lon1, lat1, lon2, lat2))
        )
        assert [a[0] for a in alone] == [t[i] for t in together]


def test_inverse_of_no_legs_and_of_known_legs() -> None:
    empty = np.zeros(0)
    assert all(x.size == 0 for x in geodesic_inverse(empty, empty, empty, empty))
    one = np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([0.0])
    azimuth, back, metres = geodesic_inverse(*one)
    # one degree of the WGS84 equator: a pi / 180
    assert metres[0] == pytest.approx(6378137.0 * np.pi / 180.0, abs=1e-6)
    assert azimuth[0] == pytest.approx(90.0)
    assert back[0] == pytest.approx(-90.0)


def test_densified_points_within_a_millimetre_of_geographiclib() -> None:
    lon1, lat1, lon2, lat2 = _pairs(4_000, 3)
    legs = ~np.isin(np.arange(4_000), np.arange(1_000, 2_000))  # no antipodes
    lon1, lat1, lon2, lat2 = (
        np.ascontiguousarray(x[legs]) for x in (lon1, lat1, lon2, lat2)
    )
    azimuth, _, metres = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    pieces = np.random.default_rng(4).integers(1, 12, lon1.size)
    which = np.repeat(np.arange(lon1.size), pieces - 1)
    step = (
        np.arange(which.size)
        - np.repeat(np.cumsum(pieces - 1) - (pieces - 1), pieces - 1)
        + 1
    )
    lon, lat = np.full(which.size, np.nan), np.full(which.size, np.nan)
    done = points(lon1, lat1, azimuth, metres, pieces.astype(np.int64), lon, lat)
    assert not done[np.abs(lat1) > 89.99].any()  # left to GeographicLib
    assert done.sum() > 0.8 * done.size
    ok = done[which]
    assert np.isnan(lon[~ok]).all()  # unwritten
    ref_lon, ref_lat, _ = Geod(ellps="WGS84").fwd(
        lon1[which], lat1[which], azimuth[which], metres[which] * step / pieces[which]
    )
    _, _, gap = Geod(ellps="WGS84").inv(lon[ok], lat[ok], ref_lon[ok], ref_lat[ok])
    assert gap.max() < 1e-3
    assert ((lon[ok] > -180.0) & (lon[ok] <= 180.0)).all()


def test_densify_legs_keeps_every_point_near_the_geodesic_across_a_pole() -> None:
    lon, lat, leg, km = densify_legs(
        np.array([0.0, 10.0]),
        np.array([89.995, 50.0]),
        np.array([180.0, 30.0]),
        np.array([80.0, 55.0]),
    )
    azimuth, _, metres = Geod(ellps="WGS84").inv(
        np.array([0.0, 10.0]),
        np.array([89.995, 50.0]),
        np.array([180.0, 30.0]),
        np.array([80.0, 55.0]),
    )
    start_lon, start_lat = np.array([0.0, 10.0])[leg], np.array([89.995, 50.0])[leg]
    _, _, along = Geod(ellps="WGS84").inv(start_lon, start_lat, lon, lat)
    ref_lon, ref_lat, _ = Geod(ellps="WGS84").fwd(
        start_lon, start_lat, azimuth[leg], along
    )
    _, _, gap = Geod(ellps="WGS84").inv(lon, lat, ref_lon, ref_lat)
    assert gap.max() < 1e-3
    assert km == pytest.approx(metres / 1000.0, abs=1e-6)
    assert (np.bincount(leg) > 2).all()


@pytest.mark.parametrize(
    ("one_way_m", "legal"), [(2_500_000.0, True), (2_500_000.0005, False)]
)
def test_routes_at_their_distance_limit_are_judged_on_exact_lengths(
    one_way_m: float, legal: bool
) -> None:
    # Kubinka (UUMB) had a 5,000 km limit in 2012; out and back along one
    # geodesic: exactly 5,000 km is legal, 1 mm more is not, for check_route
    # and for check_routes (compiled lengths are within 0.1 mm, not exact).
    import geopandas as gpd
    import shapely

    from openskies import load_treaty
    from openskies.geo.route import Route
    from openskies.rules.batch import check_routes
    from openskies.rules.legality import check_route

    kubinka = (36.653, 55.608)
    lon, lat, _ = Geod(ellps="WGS84").fwd(*kubinka, 60.0, one_way_m)
    coords = [kubinka, (float(lon), float(lat)), kubinka]
    view = load_treaty().as_of("2012-06-01")
    route = Route.from_coords(coords, start="UUMB", end="UUMB")
    report = check_route(view, route, observer="USA", observed="RUS")
    frame = gpd.GeoDataFrame(
        {"observer": ["USA"] * 3, "observed": ["RUS"] * 3, "start": ["UUMB"] * 3},
        geometry=[shapely.LineString(coords)] * 3,
        crs=4326,
    )
    batch = check_routes(view, frame, cells=True)
    assert report.legal is legal
    assert batch["legal"].tolist() == [legal] * 3
    assert batch["distance_km"].tolist() == [report.distance_km] * 3
