"""check_routes (vectorised) gives check_route's verdicts, route by route."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies.errors import GeometryError, OptionsError, UnknownStateError
from openskies.geo.geodesy import wgs84
from openskies.geo.route import Route
from openskies.rules.batch import check_routes
from openskies.rules.legality import check_route

KUBINKA = (36.653, 55.608)

# observer, observed, dates on which both are parties, airfields to start from
PAIRS = (
    ("USA", "RUS", ("2012-06-01", "2015-06-01", "2019-06-01"), ("UUMB", "UHMM")),
    ("RUS", "USA", ("2015-06-01", "2019-06-01"), ("KSUU", "PAED", "KIAD")),
    ("RUS", "DEU", ("2012-06-01", "2021-06-01"), ("ETSA", "ETNW")),
    ("DEU", "CAN", ("2019-06-01", "2021-06-01"), ("CYOW", "CYZF")),
    ("SWE", "FIN", ("2019-06-01", "2022-06-01"), ("EFHK",)),
)
# places where restrictions and the 10 km rule bite: (spot, observer, observed,
# dates, airfield flown from with transit legs)
HOT_SPOTS = (
    ((20.3, 54.65), "USA", "RUS", ("2012-06-01", "2019-06-01"), "UUMB"),  # KGD-500
    ((40.8, 43.52), "USA", "RUS", ("2012-06-01", "2019-06-01"), "UUMB"),  # GEO-10KM
    ((44.0, 42.85), "USA", "RUS", ("2015-06-01",), "UUMB"),  # South Ossetia
    ((12.0, 47.65), "RUS", "DEU", ("2019-06-01",), "ETSA"),  # 5 km from Austria
    ((28.3, 68.9), "SWE", "FIN", ("2019-06-01", "2022-06-01"), "EFHK"),  # RUS
    ((-100.0, 49.04), "DEU", "CAN", ("2019-06-01", "2021-06-01"), "CYZF"),  # USA
    ((-157.9, 21.4), "RUS", "USA", ("2019-06-01",), "KSUU"),  # Oahu, HAW-CAP
    ((176.0, 67.0), "USA", "RUS", ("2019-06-01",), "UHMM"),  # antimeridian
    ((44.8, 41.7), "RUS", "GEO", ("2015-06-01",), None),  # mission ban
)


def forward(point, azimuth, km):
    lon, lat, _ = wgs84().fwd(point[0], point[1], azimuth, km * 1000.0)
    return (float(lon), float(lat))


@st.composite
def walks(draw):
    """Random legs from an airfield (or a few km off it), often back to it."""
    observer, observed, dates, fields = draw(st.sampled_from(PAIRS))
    date = draw(st.sampled_from(dates))
    airfield = TREATY.as_of(date).airfield(draw(st.sampled_from(fields)))
    start = forward(
        (airfield.lon, airfield.lat),
        draw(st.floats(0, 360)),
        draw(st.sampled_from([0.0, 0.0, 3.0, 12.0])),  # tolerance: 5 km
    )
    points = [start]
    for _ in range(draw(st.integers(1, 6))):
        km = draw(st.sampled_from([20.0, 100.0, 300.0, 800.0]))
        points.append(forward(points[-1], draw(st.floats(0, 360)), km))
    if draw(st.integers(0, 4)):
        points.append(start)
    return observer, observed, date, points, [], draw(st.sampled_from([None, *fields]))


@st.composite
def spots(draw):
    """Transit from an airfield to a hot spot, observe around it, transit back."""
    spot, observer, observed, dates, field = draw(st.sampled_from(HOT_SPOTS))
    date = draw(st.sampled_from(dates))
    points = [spot]
    east = True
    for step in range(draw(st.integers(1, 6))):
        if spot == HOT_SPOTS[0][0]:  # zigzag over Kaliningrad, 128 km a leg
            points.append(((22.3 if east else 20.3), 54.65 + 0.03 * (step + 1)))
            east = not east
        else:
            km = draw(st.sampled_from([3.0, 15.0, 40.0, 120.0]))
            points.append(forward(points[-1], draw(st.floats(0, 360)), km))
    if field is None:
        return observer, observed, date, points, [], None
    airfield = TREATY.as_of(date).airfield(field)
    home = (airfield.lon, airfield.lat)
    legs = len(points) + 1
    return observer, observed, date, [home, *points, home], [0, legs - 1], field


@st.composite
def routes(draw):
    """A route that may break any rule (or none), as a GeoDataFrame row."""
    observer, observed, date, points, transit, start = draw(st.one_of(walks(), spots()))
    if len(points) > 3 and draw(st.integers(0, 5)) == 0:
        points.insert(-1, points[1])  # a waypoint declared twice
        transit = []
    if draw(st.integers(0, 5)) == 0:  # random transit flags
        transit = draw(
            st.lists(st.booleans(), min_size=len(points) - 1, max_size=len(points) - 1)
        )
    return {
        "observer": observer,
        "observed": observed,
        "date": date,
        "geometry": shapely.LineString(points),
        "transit": transit,
        "start": start,
    }


TREATY = None


@pytest.fixture(autouse=True)
def _treaty(treaty):
    global TREATY
    TREATY = treaty


def verdict(report):
    return (
        report.legal,
        tuple(v.rule for v in report.binding),
        tuple(v.rule for v in report.findings),
    )


@settings(max_examples=120)
@given(
    st.lists(routes(), min_size=1, max_size=6),
    st.sampled_from(["treaty", "observed-party"]),
)
def test_batch_verdicts_equal_check_route(treaty, rows, reading):
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    frame.index = [f"r{i}" for i in range(len(frame))]
    result = check_routes(treaty.as_of("2019-06-01"), frame, reading=reading)
    assert list(result.index) == list(frame.index)
    for label, row in frame.iterrows():
        route = Route.from_row(row)
        report = check_route(
            treaty.as_of(row["date"]),
            route,
            observer=row["observer"],
            observed=row["observed"],
            reading=reading,
        )
        got = result.loc[label]
        assert (got["legal"], got["violations"], got["findings"]) == verdict(report)
        assert got["distance_km"] == pytest.approx(report.distance_km, rel=1e-12)
        assert got["start_airfield"] == report.start_airfield
        assert got["end_airfield"] == report.end_airfield
        if report.max_distance_km is None:
            assert np.isnan(got["max_distance_km"])
        else:
            assert got["max_distance_km"] == report.max_distance_km


def test_batch_known_verdicts(treaty):
    # the hand-worked cases of test_legality, checked in one frame
    far = forward(KUBINKA, 60.0, 2800.0)
    frame = gpd.GeoDataFrame(
        {
            "observer": ["USA", "USA", "USA", "DEU"],
            "observed": ["RUS", "RUS", "RUS", "CAN"],
            "date": ["2015-06-01", "2012-06-01", "2019-06-01", "2021-06-01"],
        },
        geometry=[
            # 5,600 km out and back from Kubinka: over the 5,500 km of 2015
            shapely.LineString([KUBINKA, forward(KUBINKA, 60.0, 2500.0), KUBINKA]),
            shapely.LineString([KUBINKA, far, KUBINKA]),
            # across the antimeridian over Chukotka: inside the territory
            shapely.LineString([(176.0, 67.0), (-176.0, 67.3)]),
            # 5 km from the USA, a non-party in 2021
            shapely.LineString([(-100.0, 49.0377), (-100.0, 49.3)]),
        ],
        crs=4326,
    )
    result = check_routes(treaty.as_of("2019-06-01"), frame)
    assert result["legal"].tolist() == [True, False, False, False]
    assert result["violations"].tolist() == [
        (),
        ("R16",),
        ("R17-start", "R17-end"),
        ("R17-start", "R17-end", "R17-border"),
    ]
    assert result["distance_km"].iloc[0] == pytest.approx(5000.0)
    assert result["max_distance_km"].tolist()[:2] == [5500.0, 5000.0]
    assert result["legal"].dtype == bool


def test_batch_uses_declared_airfields_and_transit(treaty):
    zigzag = [(20.3, 54.65), (22.3, 54.65), (20.3, 54.72), (22.3, 54.72), (20.3, 54.79)]
    line = shapely.LineString([KUBINKA, *zigzag, KUBINKA])
    frame = gpd.GeoDataFrame(
        {
            "observer": ["USA", "USA"],
            "observed": ["RUS", "RUS"],
            "date": ["2019-06-01", "2019-06-01"],
            "transit": [[0, 5], None],
            "start": ["UUMB", "UIUU"],
            "end": [None, "UUMB"],
        },
        geometry=[line, line],
        crs=4326,
    )
    result = check_routes(treaty.as_of("2019-06-01"), frame)
    # 516 km over Kaliningrad: within KGD-500; the open legs leave RUS_BLR
    # (over Lithuania) and Ulan-Ude is 4,000 km from the start
    assert result["violations"].tolist() == [(), ("R17-start", "R17-territory")]
    assert result["start_airfield"].tolist() == ["UUMB", "UIUU"]
    frame.loc[0, "start"] = "NOPE"
    with pytest.raises(UnknownStateError, match="NOPE"):
        check_routes(treaty.as_of("2019-06-01"), frame)


def test_batch_input_errors(treaty):
    view = treaty.as_of("2019-06-01")
    good = shapely.LineString([KUBINKA, (38.0, 56.0)])
    frame = gpd.GeoDataFrame(
        {"observer": ["USA", "USA"], "observed": ["RUS", "RUS"]},
        geometry=[good, shapely.LineString([KUBINKA, (38.0, 91.0)])],
        index=["ok", "bad"],
        crs=4326,
    )
    with pytest.raises(GeometryError, match="route 'bad': waypoint 2 of 2"):
        check_routes(view, frame)
    with pytest.raises(OptionsError, match="lack column"):
        check_routes(view, frame.drop(columns="observer"))
    with pytest.raises(GeometryError, match="to_crs"):
        check_routes(view, frame.iloc[:1].to_crs(3857))
    points = frame.iloc[:1].set_geometry([shapely.Point(KUBINKA)], crs=4326)
    with pytest.raises(GeometryError, match="route 'ok': geometry must be"):
        check_routes(view, points)
    with pytest.raises(OptionsError, match="reading"):
        check_routes(view, frame.iloc[:1], reading="x")
    # without a date column the view's date applies: 2019, limit 5,500 km
    result = check_routes(view, frame.iloc[:1])
    assert result["max_distance_km"].iloc[0] == 5500.0


def test_chunks_give_the_same_result(treaty, monkeypatch):
    # routes are densified and checked in chunks; chunk edges must not matter
    import openskies.rules.batch as batch

    rows = [
        {
            "observer": "USA",
            "observed": "RUS",
            "date": date,
            "geometry": shapely.LineString(
                [KUBINKA, forward(KUBINKA, azimuth, km), KUBINKA]
            ),
            "transit": [1] if azimuth > 180 else None,
        }
        for date in ("2012-06-01", "2019-06-01")
        for azimuth in (30.0, 60.0, 200.0)
        for km in (10.0, 2600.0)
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    whole = check_routes(treaty.as_of("2019-06-01"), frame)
    monkeypatch.setattr(batch, "_CHUNK", 5)
    chunked = check_routes(treaty.as_of("2019-06-01"), frame)
    columns = ["legal", "violations", "findings", "distance_km", "start_airfield"]
    assert whole[columns].equals(chunked[columns])
    # azimuth 60: 2 x 2,600 km = 5,200 km over western Siberia, over the
    # 5,000 km of 2012 and within the 5,500 km of 2019
    assert whole["violations"].tolist()[3] == ("R16",)
    assert whole["violations"].tolist()[9] == ()


@pytest.mark.parametrize("long_route", [5, 5_000])  # padded matrix / lexsort path
def test_repeated_waypoints_found_on_both_paths(long_route):
    from openskies.rules.batch import _repeats

    rng = np.random.default_rng(5)
    lengths = [4, 4, 3, 6, long_route, 2]
    routes = [rng.uniform(-50, 50, (n, 2)).round(3) for n in lengths]
    routes[0][2] = routes[0][1]  # declared twice
    routes[1][3] = routes[1][0]  # closed: end = start is allowed
    routes[3][5] = routes[3][0]  # closed ...
    routes[3][4] = routes[3][2]  # ... and a repeat inside
    routes[4][-1] = routes[4][len(routes[4]) // 2]  # repeat at the end
    coords = np.concatenate(routes)
    owner = np.repeat(np.arange(len(lengths)), lengths)
    ends = np.cumsum(lengths) - 1
    starts = ends - np.array(lengths) + 1
    expected = [True, False, False, True, True, False]
    assert _repeats(coords, owner, starts, ends).tolist() == expected


def test_empty_frame_gives_an_empty_result_with_the_columns(treaty):
    # issue 10: IndexError
    empty = gpd.GeoDataFrame({"observer": [], "observed": []}, geometry=[], crs=4326)
    result = check_routes(treaty.as_of("2019-06-01"), empty)
    assert len(result) == 0
    assert list(result.columns) == [
        "observer",
        "observed",
        "geometry",
        "legal",
        "violations",
        "findings",
        "distance_km",
        "max_distance_km",
        "start_airfield",
        "end_airfield",
    ]
    assert result["legal"].dtype == bool


@pytest.mark.parametrize("column", ["observer", "observed"])
@pytest.mark.parametrize("missing", [None, np.nan, 7])
def test_row_without_its_parties_is_refused_by_name(treaty, column, missing):
    # issue 10: rows with a null observer were dropped by groupby and came back legal
    line = shapely.LineString([KUBINKA, (38.0, 56.0), KUBINKA])
    frame = gpd.GeoDataFrame(
        {"observer": ["USA", "USA"], "observed": ["RUS", "RUS"]},
        geometry=[line, line],
        index=["ok", "nobody"],
        crs=4326,
    )
    frame[column] = frame[column].astype(object)
    frame.loc["nobody", column] = missing
    with pytest.raises(OptionsError, match=f"routes row 'nobody': {column} is"):
        check_routes(treaty.as_of("2019-06-01"), frame)


@pytest.mark.parametrize(
    ("view", "routes", "message"),
    [
        (None, "frame", "view must be a TreatyView"),
        ("view", [1, 2], "routes must be a GeoDataFrame"),
        ("view", "plain", "routes must be a GeoDataFrame"),
    ],
)
def test_batch_wrong_types_raise_options_errors(treaty, view, routes, message):
    import pandas as pd

    line = shapely.LineString([KUBINKA, (38.0, 56.0)])
    frame = gpd.GeoDataFrame(
        {"observer": ["USA"], "observed": ["RUS"]}, geometry=[line], crs=4326
    )
    view = treaty.as_of("2019-06-01") if view == "view" else view
    if routes == "frame":
        routes = frame
    elif routes == "plain":
        routes = pd.DataFrame(frame)
    with pytest.raises(OptionsError, match=message):
        check_routes(view, routes)


@pytest.mark.parametrize("day", [None, [], np.nan, "2019-02-30", 2019])
def test_bad_date_in_a_row_is_refused(treaty, day):
    # a list in the date column raised TypeError (unhashable) from pandas
    line = shapely.LineString([KUBINKA, (38.0, 56.0)])
    frame = gpd.GeoDataFrame(
        {"observer": ["USA", "USA"], "observed": ["RUS", "RUS"]},
        geometry=[line, line],
        crs=4326,
    )
    frame["date"] = pd.Series(["2019-06-01", day], dtype=object)
    with pytest.raises(OptionsError, match="expected a date"):
        check_routes(treaty.as_of("2019-06-01"), frame)
