"""check_routes with cells gives check_route's verdicts on long and grazing routes.

Routes over Russia: long random walks (the benchmark's kind), walks across the
antimeridian (Chukotka), near the pole (Franz Josef Land, Severnaya Zemlya) and
walks that graze the territory's boundary and the 10 km border zone at small
offsets, where the cells must hand the legs to the exact test.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.geo.geodesy import wgs84
from openskies.rules.batch import check_routes
from openskies.rules.legality import check_route
from openskies.rules.registry import rule_set
from openskies.rules.settle import rule_cells

DATES = ("2012-06-01", "2019-06-01")
# (lon, lat) places to walk from: Moscow, Magadan, Chukotka across 180,
# Franz Josef Land, Severnaya Zemlya, the Chinese border, Kaliningrad, Georgia
SPOTS = (
    (36.65, 55.61),
    (150.72, 59.91),
    (179.5, 66.5),
    (-179.5, 67.0),
    (55.0, 80.6),
    (98.0, 79.5),
    (127.5, 50.25),
    (20.5, 54.7),
    (42.0, 43.6),
)
TREATY = None


def _forward(lon, lat, azimuth, km):
    to_lon, to_lat, _ = wgs84().fwd(lon, lat, azimuth, km * 1000.0)
    return float(to_lon), float(to_lat)


@st.composite
def walks(draw):
    """A walk of 2-8 legs from a spot or from a point near a boundary."""
    date = draw(st.sampled_from(DATES))
    view = TREATY.as_of(date)
    rules = rule_set(view, "USA", "RUS")
    kind = draw(st.sampled_from(["spot", "territory", "border"]))
    if kind == "spot":
        start = draw(st.sampled_from(SPOTS))
    else:
        edge = (
            rules.territory.boundary if kind == "territory" else rules.border.boundary
        )
        point = edge.interpolate(draw(st.floats(0.0, 1.0)), normalized=True)
        offset = draw(st.sampled_from([0.0, 0.01, 0.1, 0.5, 3.0]))
        start = _forward(point.x, point.y, draw(st.floats(0, 360)), offset)
    points = [start]
    long = draw(st.booleans())
    for _ in range(draw(st.integers(2, 8))):
        km = draw(
            st.floats(100.0, 450.0) if long else st.sampled_from([0.5, 5.0, 30.0])
        )
        points.append(_forward(*points[-1], draw(st.floats(0, 360)), km))
    return {
        "observer": "USA",
        "observed": "RUS",
        "date": date,
        "geometry": shapely.LineString(points),
    }


@pytest.fixture(autouse=True)
def _treaty(treaty):
    global TREATY
    TREATY = treaty


@settings(max_examples=25, deadline=None)
@given(st.lists(walks(), min_size=1, max_size=8))
def test_cells_give_the_verdicts_of_the_full_test_and_check_route(treaty, rows):
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    view = treaty.as_of("2019-06-01")
    fast = check_routes(view, frame, cells=True)
    full = check_routes(view, frame, cells=False)
    for column in ("legal", "violations", "findings", "start_airfield"):
        assert list(fast[column]) == list(full[column])
    np.testing.assert_array_equal(fast["distance_km"], full["distance_km"])
    row = rows[0]
    report = check_route(
        treaty.as_of(row["date"]),
        row["geometry"],
        observer=row["observer"],
        observed=row["observed"],
    )
    assert fast.iloc[0]["legal"] == report.legal
    assert fast.iloc[0]["violations"] == tuple(v.rule for v in report.binding)
    assert fast.iloc[0]["findings"] == tuple(v.rule for v in report.findings)


def test_cells_settle_legs_far_from_boundaries(treaty):
    """A leg deep inside Russia is settled; one to the sea is known to leave."""
    rules = rule_set(treaty.as_of("2019-06-01"), "USA", "RUS")
    cells = rule_cells(rules)
    inner = cells.grid.clearance([100.0, 33.0], [62.0, 69.5], inside=True)
    assert inner[0] > 300.0  # central Siberia: far from every boundary
    assert inner[1] < 50.0  # the Kola coast
    assert cells.grid.classify([33.0], [72.0])[0] == 0  # Barents Sea
    # merged with the areas: never more than the territory alone
    assert (cells.inner <= cells.grid.inner).all()
    assert (cells.inner <= cells.clear).all()
    # a long route inside and one to the sea: verdicts with and without cells
    frame = gpd.GeoDataFrame(
        {
            "observer": ["USA", "USA"],
            "observed": ["RUS", "RUS"],
            "geometry": [
                shapely.LineString([(60.0, 57.0), (64.0, 58.0), (60.0, 57.0)]),
                shapely.LineString([(36.65, 55.61), (33.0, 72.0), (36.65, 55.61)]),
            ],
        },
        geometry="geometry",
        crs=4326,
    )
    view = treaty.as_of("2019-06-01")
    fast = check_routes(view, frame, cells=True)
    full = check_routes(view, frame, cells=False)
    assert "R17-territory" not in fast.iloc[0]["violations"]
    assert "R17-territory" in fast.iloc[1]["violations"]
    assert list(fast["violations"]) == list(full["violations"])


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 360), st.sampled_from([5.0, 20.0, 60.0, 90.0])),
        min_size=2,
        max_size=12,
    )
)
def test_length_near_a_sublimit_region_bounds_the_length_inside(treaty, legs):
    """Only the legs not proven outside Kaliningrad count towards KGD-500's bound.

    Per route, the length of the legs the cells do not prove outside the
    region must bound the length of the whole densified track inside it (GEOS),
    and a walk around Moscow has no such leg at all.
    """
    from openskies.geo.geodesy import length_inside_km
    from openskies.rules.batch import _Settler
    from openskies.rules.batch_input import groups, waypoints
    from openskies.rules.tracks import Tracks

    view = treaty.as_of("2019-06-01")
    walks = []
    for start in ((20.5, 54.7), (36.65, 55.61)):  # Kaliningrad, Moscow
        points = [start]
        for azimuth, km in legs:
            points.append(_forward(*points[-1], azimuth, km))
        walks.append(shapely.LineString(points))
    frame = gpd.GeoDataFrame(
        {"observer": ["USA"] * 2, "observed": ["RUS"] * 2},
        geometry=walks,
        crs=4326,
    )
    coords, owner = waypoints(np.asarray(frame.geometry.array), frame.index)
    starts = np.searchsorted(owner, np.arange(2))
    ends = np.append(starts[1:], owner.size) - 1
    grouped = groups(view, frame)
    transit = np.zeros(owner.size - 2, dtype=bool)
    tracks = Tracks.of(coords, starts, ends, transit, settle=_Settler(grouped, 0, 2))
    (check,) = [
        c for c in grouped[0][2].checks if c.restriction.kind == "distance_sublimit"
    ]
    near = tracks.near_km[id(check.area)]
    whole = Tracks.of(coords, starts, ends, transit)  # every leg densified
    inside = length_inside_km(whole.observation, check.area)
    assert (near * 1.01 + 1.0 >= inside).all()
    if sum(km for _, km in legs) < 700.0:  # Moscow is 1,050 km away
        assert near[1] == 0.0  # every leg proven far from Kaliningrad
    assert near[0] <= tracks.open_km[0] + 1e-9
    if inside[0] > 0.0:
        assert near[0] > 0.0
