"""Tests of the Route value, its constructors and its validation."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from openskies.errors import DataError, GeometryError
from openskies.geo.route import Route, as_route, routes_from_geojson, transit_flags

KUBINKA = (36.653, 55.608)

GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><name>Moscow loop</name>
    <trkseg>
      <trkpt lat="55.608" lon="36.653"><ele>200</ele></trkpt>
      <trkpt lat="56.0" lon="38.0"></trkpt>
    </trkseg>
    <trkseg>
      <trkpt lat="55.608" lon="36.653"></trkpt>
    </trkseg>
  </trk>
</gpx>
"""


def test_from_coords_keeps_order_and_defaults_to_observation_legs():
    route = Route.from_coords([KUBINKA, (38.0, 56.0, 150.0), KUBINKA], start="uumb")
    # three waypoints make two legs; the altitude is dropped; ids are upper-cased
    assert route.waypoints == (KUBINKA, (38.0, 56.0), KUBINKA)
    assert route.legs == 2
    assert route.transit == (False, False)
    assert route.start == "UUMB"
    assert route.end is None
    assert route.line.equals(shapely.LineString([KUBINKA, (38.0, 56.0), KUBINKA]))


@pytest.mark.parametrize(
    ("points", "match"),
    [
        ([KUBINKA, (38.0, 95.0)], r"waypoint 2 of 2 .*latitude 95.0 is outside"),
        ([KUBINKA, (38.0, math.nan)], r"waypoint 2 of 2 .*finite"),
        ([(math.inf, 1.0), KUBINKA], r"waypoint 1 of 2 .*finite"),
        ([KUBINKA, (181.0, 50.0)], r"waypoint 2 of 2 .*longitude 181.0"),
        ([KUBINKA], r"at least two waypoints"),
        ([], r"at least two waypoints"),
        ([KUBINKA, ("east", 50.0)], r"waypoint 2 is"),
    ],
)
def test_bad_coordinates_name_the_waypoint(points, match):
    with pytest.raises(GeometryError, match=match):
        Route.from_coords(points)


def test_transit_flags_accept_booleans_or_leg_indices():
    # four waypoints, three legs: [True, False, True] and the indices [0, 2] agree
    points = [KUBINKA, (38.0, 56.0), (39.0, 57.0), KUBINKA]
    by_flag = Route.from_coords(points, transit=[True, False, True])
    by_index = Route.from_coords(points, transit=[0, 2])
    assert by_flag.transit == by_index.transit == (True, False, True)
    assert by_flag.transit_legs == (0, 2)
    assert transit_flags("[1]", 3) == (False, True, False)
    assert transit_flags(None, 2) == (False, False)
    assert transit_flags(math.nan, 2) == (False, False)


@pytest.mark.parametrize(
    ("transit", "match"),
    [([3], "transit leg 3 does not exist"), (["x"], "booleans"), ([True], "booleans")],
)
def test_bad_transit_lists_are_rejected(transit, match):
    with pytest.raises(GeometryError, match=match):
        Route.from_coords([KUBINKA, (38.0, 56.0), KUBINKA], transit=transit)


def test_transit_flags_must_match_the_legs():
    with pytest.raises(GeometryError, match="1 flags but the route has 2 legs"):
        Route((KUBINKA, (38.0, 56.0), KUBINKA), (True,))


def test_from_linestring_and_as_route():
    line = shapely.LineString([KUBINKA, (38.0, 56.0)])
    assert as_route(line).waypoints == (KUBINKA, (38.0, 56.0))
    route = Route.from_linestring(line, end="UUMB")
    assert as_route(route) is route
    assert route.end == "UUMB"
    with pytest.raises(GeometryError, match="got Point"):
        as_route(shapely.Point(KUBINKA))
    with pytest.raises(GeometryError, match="empty"):
        Route.from_linestring(shapely.LineString())


def test_geojson_feature_properties_become_route_fields(tmp_path):
    feature = {
        "type": "Feature",
        "geometry": {
            "type": "LineString",
            "coordinates": [list(KUBINKA), [38.0, 56.0], list(KUBINKA)],
        },
        "properties": {"start": "UUMB", "end": "UUMB", "transit": [1], "name": "a"},
    }
    route = Route.from_geojson(feature)
    assert route.transit == (False, True)
    assert (route.start, route.end, route.name) == ("UUMB", "UUMB", "a")
    # the same feature round-trips through to_feature and through a file
    assert Route.from_geojson(route.to_feature()) == route
    path = tmp_path / "route.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature, feature]})
    )
    assert routes_from_geojson(path) == (route, route)
    with pytest.raises(GeometryError, match="expected one route, found 2"):
        Route.from_geojson(path)
    # a bare geometry as JSON text
    bare = json.dumps(feature["geometry"])
    assert Route.from_geojson(bare).waypoints == route.waypoints


def test_geojson_errors_name_the_feature(tmp_path):
    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}}
    with pytest.raises(GeometryError, match="feature 1 is a 'Point'"):
        routes_from_geojson({"type": "FeatureCollection", "features": [point]})
    bad = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[0, 0], [0, 91]]},
    }
    with pytest.raises(GeometryError, match="feature 1: waypoint 2 of 2"):
        routes_from_geojson(bad)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(DataError, match=r"broken\.geojson: not JSON"):
        routes_from_geojson(broken)
    with pytest.raises(DataError, match="not found"):
        routes_from_geojson(tmp_path / "missing.geojson")
    with pytest.raises(GeometryError, match="no route"):
        routes_from_geojson({"type": "FeatureCollection", "features": []})


def test_gpx_track_points_in_order(tmp_path):
    path = tmp_path / "loop.gpx"
    path.write_text(GPX)
    route = Route.from_gpx(path, start="UUMB")
    # the points of both track segments, in document order, as (lon, lat)
    assert route.waypoints == (KUBINKA, (38.0, 56.0), KUBINKA)
    assert route.name == "Moscow loop"
    assert route.start == "UUMB"
    assert Route.from_gpx(GPX).waypoints == route.waypoints


def test_gpx_errors():
    with pytest.raises(DataError, match="not a GPX"):
        Route.from_gpx("<gpx><trk>")
    with pytest.raises(GeometryError, match="GPX point 2"):
        Route.from_gpx('<gpx><rte><rtept lat="1" lon="2"/><rtept lat="x"/></rte></gpx>')
    with pytest.raises(GeometryError, match=r"waypoint 1 of 2 .*latitude 100\.0"):
        Route.from_gpx('<gpx><wpt lat="100" lon="2"/><wpt lat="1" lon="2"/></gpx>')


def test_from_geodataframe_row():
    frame = gpd.GeoDataFrame(
        {"start": ["UUMB", None], "transit": [[1], None], "name": ["a", math.nan]},
        geometry=[
            shapely.LineString([KUBINKA, (38.0, 56.0), KUBINKA]),
            shapely.LineString([KUBINKA, (38.0, 56.0)]),
        ],
        crs=4326,
    )
    first, second = (Route.from_row(row) for _, row in frame.iterrows())
    assert first.start == "UUMB"
    assert first.transit == (False, True)
    assert first.name == "a"
    assert second.start is None
    assert second.transit == (False,)
    assert second.name == ""


@given(
    st.lists(
        st.tuples(
            st.floats(-180, 180, allow_nan=False), st.floats(-90, 90, allow_nan=False)
        ),
        min_size=2,
        max_size=12,
    )
)
def test_any_valid_coordinates_round_trip_through_geojson(points):
    route = Route.from_coords(points)
    assert Route.from_geojson(json.dumps(route.to_feature())) == route
    assert route.legs == len(points) - 1


# --- hostile GeoJSON route files (issue 10) -------------------------------------

LINE = {"type": "LineString", "coordinates": [[36.653, 55.608], [38.0, 56.0]]}


def _feature(**changes: object) -> dict[str, object]:
    feature: dict[str, object] = {"type": "Feature", "geometry": LINE, "properties": {}}
    feature.update(changes)
    return feature


@pytest.mark.parametrize("transit", [True, 1, "1", "true", {"0": True}, 1.5])
def test_a_lone_transit_value_is_refused_with_the_format(transit: object) -> None:
    with pytest.raises(GeometryError, match=r"feature 1: transit must be a list"):
        routes_from_geojson(_feature(properties={"transit": transit}))


def test_transit_lists_of_booleans_or_indices_are_accepted() -> None:
    for transit in ([True], [0], "[0]", "[true]"):
        (route,) = routes_from_geojson(_feature(properties={"transit": transit}))
        assert route.transit == (True,)
    with pytest.raises(GeometryError, match="not the JSON text of a list"):
        transit_flags("[not json", 1)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"type": "FeatureCollection", "features": [3]}, "feature 1 must be a JSON"),
        ({"type": "FeatureCollection", "features": {"a": 1}}, "'features' must be"),
        (_feature(geometry=[1, 2]), "'geometry' must be a JSON object"),
        (_feature(properties="x"), "'properties' must be a JSON object"),
        (
            _feature(geometry={"type": "LineString", "coordinates": "0,0"}),
            "key 'coordinates': must be a list",
        ),
        (
            _feature(geometry={"type": "LineString", "coordinates": [[0, 0], ["a"]]}),
            "feature 1: waypoint 2 is",
        ),
        (
            _feature(
                geometry={"type": "LineString", "coordinates": [[0, 0], [True, 1]]}
            ),
            "waypoint 2 is",
        ),
        (
            _feature(
                geometry={"type": "LineString", "coordinates": [[0, 0], [1e400, 1]]}
            ),
            "coordinates must be finite",
        ),
        (_feature(properties={"name": ["x"]}), "key 'name': must be text"),
        (_feature(properties={"start": 7}), "start must be an airfield id"),
    ],
)
def test_malformed_features_name_the_feature_and_key(
    document: dict[str, object], message: str
) -> None:
    with pytest.raises((DataError, GeometryError), match=message):
        routes_from_geojson(document)


def test_nan_and_deep_nesting_in_a_file(tmp_path):
    path = tmp_path / "nan.geojson"
    path.write_text('{"type": "LineString", "coordinates": [[NaN, 1], [2, 2]]}')
    with pytest.raises(GeometryError, match=r"nan\.geojson: feature 1: waypoint 1"):
        routes_from_geojson(path)
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataError, match="nested too deeply"):
        routes_from_geojson(path)
    with pytest.raises(DataError, match="nested too deeply"):
        routes_from_geojson('{"a":' * 100_000)


@pytest.mark.parametrize("coords", [None, 3, "0,0,1,1", {"a": 1}, [None, None]])
def test_from_coords_refuses_wrong_types(coords: object) -> None:
    with pytest.raises(GeometryError):
        Route.from_coords(coords)  # type: ignore[arg-type]


def test_constructor_refuses_wrong_types() -> None:
    with pytest.raises(GeometryError, match="waypoints must be a tuple"):
        Route(None)  # type: ignore[arg-type]
    with pytest.raises(GeometryError, match="waypoint 2 is"):
        Route((KUBINKA, "ab"))  # type: ignore[arg-type]
    with pytest.raises(GeometryError, match="transit must be a tuple of booleans"):
        Route((KUBINKA, KUBINKA), transit=(1,))  # type: ignore[arg-type]
    with pytest.raises(GeometryError, match="name must be text"):
        Route((KUBINKA, KUBINKA), name=None)  # type: ignore[arg-type]


def test_numpy_waypoints_are_accepted() -> None:
    import numpy as np

    route = Route.from_coords(np.array([KUBINKA, (38.0, 56.0)]))
    assert route.waypoints == (KUBINKA, (38.0, 56.0))


BAD_ROUTE_FILES = {
    "transit.geojson": json.dumps(
        {"type": "Feature", "geometry": LINE, "properties": {"transit": True}}
    ),
    "feature.geojson": '{"type": "FeatureCollection", "features": ["x"]}',
    "deep.geojson": "[" * 100_000,
    "broken.gpx": "<gpx><trkpt lat='1' lon='x'/></gpx>",
    "notxml.gpx": "<gpx",
    "binary.geojson": "\udcff",
}


@pytest.mark.parametrize("name", sorted(BAD_ROUTE_FILES))
def test_check_route_exits_2_with_one_line(tmp_path, capsys, name: str) -> None:
    from openskies.cli.main import main

    path = tmp_path / name
    path.write_bytes(BAD_ROUTE_FILES[name].encode("utf-8", "surrogateescape"))
    argv = ["check-route", str(path), "--observer", "USA", "--observed", "RUS"]
    assert main([*argv, "--date", "2019-06-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert name in err


def test_check_route_refuses_a_fifo_and_a_directory(tmp_path, capsys) -> None:
    import os

    from openskies.cli.main import main

    fifo = tmp_path / "route.geojson"
    os.mkfifo(fifo)
    for target in (fifo, tmp_path):
        argv = ["check-route", str(target), "--observer", "USA", "--observed", "RUS"]
        assert main([*argv, "--date", "2019-06-01"]) == 2
        assert capsys.readouterr().err.count("\n") == 1
