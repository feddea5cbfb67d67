"""Compiled airfield distances and the batch's sub-limit shortcut decide exactly.

``airfield_distances`` uses the compiled geodesic lengths (within 1 mm of
GeographicLib's) and GeographicLib where that error could matter; the batch
check measures the length inside a distance sub-limit region only for routes
whose open legs could exceed it.  Both must give GeographicLib's verdicts.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.geo.geodesy import LENGTH_ERROR_KM, geodesic_km
from openskies.geo.route import Route
from openskies.rules.airfields import End, airfield_distances, eligible
from openskies.rules.batch import check_routes
from openskies.rules.legality import check_route

KUBINKA = (36.653, 55.608)
DAY = "2019-06-01"


@pytest.fixture(scope="module")
def russia(treaty):
    view = treaty.as_of(DAY)
    return view, eligible(view.airfields("RUS"), End.START)


def _exact(candidates, points):
    lon = np.array([a.lon for a in candidates])
    lat = np.array([a.lat for a in candidates])
    return geodesic_km(points[:, :1], points[:, 1:2], lon[None, :], lat[None, :])


def _places(candidates):
    """Points at airfields, between two of them (near-ties) and anywhere."""
    at = st.sampled_from([(a.lon, a.lat) for a in candidates])
    between = st.tuples(at, at).map(
        lambda p: ((p[0][0] + p[1][0]) / 2.0, (p[0][1] + p[1][1]) / 2.0)
    )
    anywhere = st.tuples(
        st.floats(20.0, 179.0, allow_nan=False), st.floats(40.0, 78.0, allow_nan=False)
    )
    return st.lists(st.one_of(at, between, anywhere), min_size=1, max_size=30)


@settings(max_examples=60)
@given(data=st.data())
def test_airfield_distances_are_geographiclibs(russia, data):
    view, candidates = russia
    points = np.array(data.draw(_places(candidates)), dtype=np.float64)
    exact = _exact(candidates, points)
    used, km, wrong = airfield_distances(view, candidates, None, points)
    rows = np.arange(points.shape[0])
    assert not wrong.any()
    # the nearest of the exact distances (first of equals)
    assert np.array_equal(used, np.argmin(exact, axis=1))
    assert np.all(np.abs(km - exact[rows, used]) <= LENGTH_ERROR_KM)
    # a tolerance a hair's breadth from a distance: the exact comparison
    for shift in (-1e-9, 0.0, 1e-9):
        tolerance = float(exact[0, used[0]]) + shift
        _, near, _ = airfield_distances(view, candidates, None, points, tolerance)
        assert (near[0] > tolerance) == (exact[0, used[0]] > tolerance)


def test_start_at_an_airfield_is_zero_km_away(russia):
    view, candidates = russia
    points = np.array([[a.lon, a.lat] for a in candidates])
    used, km, _ = airfield_distances(view, candidates, None, points)
    assert used.tolist() == list(range(len(candidates)))
    assert km.tolist() == [0.0] * len(candidates)


def test_declared_far_airfield_gets_its_distance(russia):
    view, candidates = russia
    first, last = candidates[0], candidates[-1]
    points = np.array([[first.lon, first.lat]])
    declared = np.array([last.id], dtype=object)
    used, km, _ = airfield_distances(view, candidates, declared, points)
    exact = geodesic_km(first.lon, first.lat, last.lon, last.lat)
    assert used.tolist() == [len(candidates) - 1]
    assert abs(km[0] - exact) <= LENGTH_ERROR_KM
    assert km[0] > 100.0


def _kaliningrad(legs, transit):
    """Kubinka, ``legs`` zigzag legs across Kaliningrad (about 128 km each), back."""
    zigzag = [(20.3 + 2.0 * (k % 2), 54.6 + 0.04 * k) for k in range(legs + 1)]
    line = shapely.LineString([KUBINKA, *zigzag, KUBINKA])
    return line, ([0, legs + 1] if transit else None)


@pytest.mark.parametrize("transit", [True, False])
def test_batch_sub_limit_verdicts_equal_check_route(treaty, transit):
    view = treaty.as_of(DAY)
    shapes = [_kaliningrad(legs, transit) for legs in range(1, 7)]
    frame = gpd.GeoDataFrame(
        {
            "observer": "USA",
            "observed": "RUS",
            "date": DAY,
            "transit": [t for _, t in shapes],
            "start": "UUMB",
        },
        geometry=[line for line, _ in shapes],
        crs=4326,
    )
    result = check_routes(view, frame)
    found = []
    for label, row in frame.iterrows():
        report = check_route(view, Route.from_row(row), observer="USA", observed="RUS")
        expected = tuple(v.rule for v in report.findings)
        assert result.loc[label, "findings"] == expected
        assert result.loc[label, "violations"] == tuple(v.rule for v in report.binding)
        found.append("KGD-500" in expected)
    # both sides of the sub-limit are met
    assert any(found)
    assert not all(found)
