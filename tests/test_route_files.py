"""Routes read from vector files of every format: openskies.geo.route_files."""

from __future__ import annotations

import geopandas as gpd
import pytest

from openskies.cli.main import main
from openskies.errors import DataError
from openskies.geo.route import Route
from openskies.geo.route_files import routes_from_file

KNOWN = Route.from_coords(
    [(37.0, 55.0), (38.5, 55.5), (40.0, 55.2)],
    transit=[1],
    start="UUMB",
    end="UUMB",
    name="loop",
)


def _flat(points) -> list[float]:
    return [value for point in points for value in point[:2]]


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [KNOWN.name], "start": ["UUMB"], "end": ["UUMB"], "transit": ["[1]"]},
        geometry=[KNOWN.line],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [(".gpkg", "GPKG"), (".fgb", "FlatGeobuf"), (".shp", "ESRI Shapefile")],
)
def test_written_file_reads_back_same_route(tmp_path, suffix, driver):
    path = tmp_path / f"route{suffix}"
    _frame().to_file(path, driver=driver)
    (route,) = routes_from_file(path)
    assert _flat(route.waypoints) == pytest.approx(_flat(KNOWN.waypoints))
    assert route.transit_legs == (1,)
    assert (route.start, route.end, route.name) == ("UUMB", "UUMB", "loop")


def test_written_kml_reads_back_waypoints_and_name(tmp_path):
    path = tmp_path / "route.kml"
    _frame()[["name", "geometry"]].to_file(path, driver="KML")
    (route,) = routes_from_file(path)
    assert _flat(route.waypoints) == pytest.approx(_flat(KNOWN.waypoints))
    assert route.name == "loop"


def test_reprojected_file_reads_back_in_degrees(tmp_path):
    path = tmp_path / "route.gpkg"
    _frame().to_crs(3857).to_file(path, driver="GPKG")
    (route,) = routes_from_file(path)
    assert _flat(route.waypoints) == pytest.approx(_flat(KNOWN.waypoints), abs=1e-6)


HAND_KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Placemark><name>Kubinka</name><Point><coordinates>36.65,55.61</coordinates></Point>
</Placemark>
<Placemark><name>by hand</name><LineString><coordinates>
36.65,55.61,0 38.0,56.0,0 36.65,55.61,0
</coordinates></LineString></Placemark>
</Document></kml>
"""


def test_hand_written_kml_skips_points(tmp_path):
    path = tmp_path / "hand.kml"
    path.write_text(HAND_KML, encoding="utf-8")
    (route,) = routes_from_file(path)
    assert route.name == "by hand"
    assert _flat(route.waypoints) == pytest.approx(
        [36.65, 55.61, 38.0, 56.0, 36.65, 55.61]
    )


def test_unreadable_and_lineless_files_name_the_file(tmp_path):
    garbage = tmp_path / "route.kml"
    garbage.write_text("not a KML at all", encoding="utf-8")
    with pytest.raises(DataError, match=r"route\.kml"):
        routes_from_file(garbage)
    with pytest.raises(DataError, match="does not exist"):
        routes_from_file(tmp_path / "missing.fgb")
    points = tmp_path / "points.gpkg"
    gpd.GeoDataFrame(geometry=gpd.points_from_xy([37.0], [55.0]), crs=4326).to_file(
        points, driver="GPKG"
    )
    with pytest.raises(DataError, match="no LineString"):
        routes_from_file(points)


def _check(path) -> int:
    args = ["--observer", "USA", "--observed", "RUS", "--date", "2015-06-01"]
    return main(["check-route", str(path), *args])


def test_check_route_cli_bad_kml_one_line_exit_2(tmp_path, capsys):
    garbage = tmp_path / "route.kml"
    garbage.write_text("<kml", encoding="utf-8")
    code = _check(garbage)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "route.kml" in err


def test_check_route_cli_reads_kml(tmp_path, capsys):
    path = tmp_path / "route.kml"
    path.write_text(HAND_KML, encoding="utf-8")
    code = _check(path)
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert out.startswith("by hand: ")
