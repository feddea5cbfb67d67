"""Fuzz: the compiled geodesic kernels on hostile coordinates."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from openskies.geo.geodesy import geodesic_inverse, geodesic_table
from openskies.geo.vincenty import azimuths_of

_ANY = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 90.0, -90.0, 180.0, -180.0, 1e308, -1e308, 2.0**63]),
)
_LON = st.floats(-180.0, 180.0)
_LAT = st.floats(-90.0, 90.0)


def _inverse(legs: list[tuple[float, ...]]) -> tuple[np.ndarray, ...]:
    """``(lon1, lat1, lon2, lat2)`` arrays and ``geodesic_inverse``'s three."""
    ends = tuple(np.array(x, dtype=np.float64) for x in zip(*legs, strict=True))
    return (*ends, *geodesic_inverse(*ends))


@settings(max_examples=200)
@given(st.lists(st.tuples(_ANY, _ANY, _ANY, _ANY), min_size=1, max_size=8))
def test_hostile_coordinates_never_raise_or_hang(legs: list[tuple[float, ...]]) -> None:
    lon1, _, _, _, azimuth, back, metres = _inverse(legs)
    assert azimuth.shape == back.shape == metres.shape == lon1.shape
    finite = np.isfinite(metres)
    assert (metres[finite] >= 0.0).all()
    assert (metres[finite] <= 20_004_000.0).all()  # half a meridian, at most


@settings(max_examples=200)
@given(
    st.lists(st.tuples(_ANY, _ANY, _ANY, _ANY), min_size=1, max_size=8),
    st.lists(st.integers(0, 7), max_size=8),
)
def test_deferred_azimuths_on_hostile_coordinates_are_the_inverse_s(
    legs: list[tuple[float, ...]], first: list[int]
) -> None:
    # check_routes: lengths first, azimuths later for some legs, in any order
    lon1, lat1, lon2, lat2, azimuth, back, metres = _inverse(legs)
    table = geodesic_table(lon1, lat1, lon2, lat2)
    assert np.array_equal(table[:, 2], metres, equal_nan=True)
    for which in ([i for i in first if i < lon1.size], list(range(lon1.size))):
        azimuths_of(table, lat1, lat2, np.array(which, dtype=np.int64))
    assert np.array_equal(table[:, 0], azimuth, equal_nan=True)
    assert np.array_equal(table[:, 1], back, equal_nan=True)


@settings(max_examples=300)
@given(st.lists(st.tuples(_LON, _LAT, _LON, _LAT), min_size=1, max_size=8))
def test_lengths_of_any_valid_legs_match_pyproj(legs: list[tuple[float, ...]]) -> None:
    lon1, lat1, lon2, lat2, _, _, metres = _inverse(legs)
    _, _, expected = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)
    assert np.abs(metres - expected).max() < 1e-3


# --- check_routes with cells (the compiled settling) on extreme routes -------

_EDGE_LON = st.one_of(
    st.sampled_from([-180.0, 180.0, -179.9999999, 179.9999999, 0.0, 33.0, 131.9]),
    st.floats(-180.0, 180.0),
)
_EDGE_LAT = st.one_of(
    st.sampled_from([-90.0, 90.0, 89.99, 89.999999, 84.0, 41.2, 69.95, 0.0]),
    st.floats(-90.0, 90.0),
)


def _routes(rows: list[list[tuple[float, float]]]) -> object:
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame(
        {"observer": ["USA"] * len(rows), "observed": ["RUS"] * len(rows)},
        geometry=[shapely.LineString(r) for r in rows],
        crs=4326,
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(_EDGE_LON, _EDGE_LAT), min_size=2, max_size=5),
        min_size=1,
        max_size=4,
    )
)
def test_cells_on_extreme_valid_routes_equal_the_full_test(treaty, rows) -> None:
    """Poles, +-180, coincident and tiny legs: the kernel decides or defers."""
    from openskies.rules.batch import check_routes

    view = treaty.as_of("2019-06-01")
    frame = _routes(rows)
    fast = check_routes(view, frame, cells=True)
    full = check_routes(view, frame, cells=False)
    for column in ("legal", "violations", "findings"):
        assert list(fast[column]) == list(full[column])
    np.testing.assert_array_equal(fast["distance_km"], full["distance_km"])


@settings(max_examples=40, deadline=None)
@given(_ANY, st.integers(0, 3))
def test_hostile_waypoints_raise_only_geometry_errors(treaty, value, where) -> None:
    import pytest

    from openskies.errors import GeometryError
    from openskies.rules.batch import check_routes

    row = [[37.0, 55.0], [40.0, 57.0]]
    row[where // 2][where % 2] = value
    frame = _routes([[tuple(p) for p in row]])
    valid = np.isfinite(value) and abs(value) <= (180.0 if where % 2 == 0 else 90.0)
    if valid:
        result = check_routes(treaty.as_of("2019-06-01"), frame, cells=True)
        assert len(result) == 1
    else:
        with pytest.raises(GeometryError, match="waypoint"):
            check_routes(treaty.as_of("2019-06-01"), frame, cells=True)
