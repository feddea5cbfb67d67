"""Fuzz the kernel's cell path: hostile options and coordinates for check_routes."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.errors import OpenSkiesError, OptionsError
from openskies.geo.cells import CellGrid
from openskies.rules.batch import check_routes

EXTREMES = st.sampled_from(
    [
        0.0,
        -0.0,
        180.0,
        -180.0,
        90.0,
        -90.0,
        179.9999999,
        -179.9999999,
        89.99999,
        1e308,
        -1e308,
        math.nan,
        math.inf,
        -math.inf,
        2.0**63,
        1e-300,
    ]
)
COORDS = st.one_of(st.floats(-180, 180), EXTREMES)


@settings(max_examples=60, deadline=None)
@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=5),
        st.floats(),
        st.lists(st.booleans(), max_size=2),
    )
)
def test_bad_cells_option_is_an_options_error(treaty, value):
    frame = gpd.GeoDataFrame(
        {"observer": ["USA"], "observed": ["RUS"]},
        geometry=[shapely.LineString([(36.6, 55.6), (37.0, 56.0)])],
        crs=4326,
    )
    if value is None or isinstance(value, bool):
        check_routes(treaty.as_of("2019-06-01"), frame, cells=value)
        return
    with pytest.raises(OptionsError, match="cells must be"):
        check_routes(treaty.as_of("2019-06-01"), frame, cells=value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(COORDS, COORDS), min_size=2, max_size=6), st.booleans())
def test_hostile_coordinates_raise_only_openskies_errors(treaty, points, cells):
    try:
        line = shapely.LineString(points)
    except Exception:  # shapely itself refuses: not our input
        return
    frame = gpd.GeoDataFrame(
        {"observer": ["USA"], "observed": ["RUS"]}, geometry=[line], crs=4326
    )
    try:
        result = check_routes(treaty.as_of("2019-06-01"), frame, cells=cells)
    except OpenSkiesError:
        return
    full = check_routes(treaty.as_of("2019-06-01"), frame, cells=False)
    assert list(result["violations"]) == list(full["violations"])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(COORDS, COORDS), min_size=1, max_size=50))
def test_cell_lookups_of_any_point_are_defined(points):
    """Any float, NaN and infinities included, looks up a class and a distance."""
    grid = CellGrid.of(shapely.box(10.0, 40.0, 20.0, 50.0), 38.0, 52.0, 1.0)
    lon, lat = np.array(points, dtype=float).T
    state = grid.classify(lon, lat)
    km = grid.clearance(lon, lat, inside=True)
    assert set(np.unique(state)) <= {0, 1, 2}
    assert np.all(km >= 0)
    bad = ~np.isfinite(lon) | ~np.isfinite(lat) | (lat < 38.0) | (lat >= 52.0)
    assert np.all(state[bad] == 2)
    assert np.all(km[bad] == 0)


def test_infinite_longitude_is_unknown():
    grid = CellGrid.of(shapely.box(-180.0, 40.0, 180.0, 50.0), 38.0, 52.0, 1.0)
    state = grid.classify([math.inf, -math.inf, math.nan, 0.0], [45.0] * 4)
    assert state.tolist() == [2, 2, 2, 1]
