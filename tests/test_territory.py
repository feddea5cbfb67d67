"""Territories, airfields and restrictions as geometry: facts that could be false."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import shapely
import shapely.ops
from pyproj import Geod
from shapely.geometry import Point

from openskies import Treaty
from openskies.treaty.resources import bundled_dir

GEOD = Geod(ellps="WGS84")


def area_km2(geometry: shapely.Geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6


@pytest.mark.parametrize(
    ("name", "lon", "lat", "state"),
    [
        ("Moscow", 37.62, 55.75, "RUS"),
        ("Kaliningrad", 20.51, 54.71, "RUS"),
        ("Chukotka west of 180", 178.0, 66.0, "RUS"),
        ("Chukotka east of 180", -175.0, 66.0, "RUS"),
        ("Simferopol (Crimea)", 34.10, 44.95, "UKR"),
        ("Nuuk (Greenland)", -51.72, 64.18, "DNK"),
        ("Torshavn (Faroes)", -6.77, 62.01, "DNK"),
        ("Honolulu", -157.86, 21.31, "USA"),
        ("Anchorage", -149.90, 61.22, "USA"),
        ("Adak (Aleutians)", -176.64, 51.88, "USA"),
        ("Ponta Delgada (Azores)", -25.67, 37.74, "PRT"),
        ("Funchal (Madeira)", -16.91, 32.65, "PRT"),
        ("Las Palmas (Canaries)", -15.43, 28.12, "ESP"),
        ("Longyearbyen (Svalbard)", 15.63, 78.22, "NOR"),
    ],
)
def test_places_lie_in_their_state(
    treaty: Treaty, name: str, lon: float, lat: float, state: str
) -> None:
    assert treaty.state_territory(state).contains(Point(lon, lat)), name


@pytest.mark.parametrize(
    ("name", "lon", "lat", "state"),
    [
        ("Cayenne (French Guiana, excluded overseas part)", -52.33, 4.94, "FRA"),
        ("Saint-Denis (Reunion, excluded)", 55.45, -20.88, "FRA"),
        ("Bouvet Island (excluded)", 3.40, -54.42, "NOR"),
        ("Kralendijk (Bonaire, excluded)", -68.27, 12.15, "NLD"),
        ("Simferopol is not Russian territory", 34.10, 44.95, "RUS"),
        ("Minsk is not Russian territory", 27.56, 53.90, "RUS"),
    ],
)
def test_places_outside_a_state(
    treaty: Treaty, name: str, lon: float, lat: float, state: str
) -> None:
    assert not treaty.state_territory(state).contains(Point(lon, lat)), name


def test_minsk_in_the_group_territory_until_russia_left(treaty: Treaty) -> None:
    minsk = Point(27.56, 53.90)
    assert treaty.as_of("2021-12-17").territory("RUS_BLR").contains(minsk)
    assert not treaty.as_of("2021-12-17").territory("RUS").contains(minsk)
    assert treaty.as_of("2022-01-01").territory("BLR").contains(minsk)


def test_benelux_territory_is_the_union_of_its_states(treaty: Treaty) -> None:
    view = treaty.as_of("2019-01-01")
    union = view.territory("BENELUX")
    for state in ("BEL", "NLD", "LUX"):
        # covered up to the rounding of new vertices made by the union
        assert view.territory(state).difference(union).area < 1e-8
    parts = sum(area_km2(view.territory(s)) for s in ("BEL", "NLD", "LUX"))
    assert area_km2(union) == pytest.approx(parts, rel=0.02)


def test_territorial_sea_off_the_dutch_coast(treaty: Treaty) -> None:
    # Scheveningen beach (4.27 E, 52.11 N); heading 300 degrees leads into the open
    # North Sea.  10 km out is within the 12 nmi (22.2 km) sea, 40 km out is not.
    nld = treaty.state_territory("NLD")
    for km, inside in ((10, True), (40, False)):
        lon, lat, _ = GEOD.fwd(4.27, 52.11, 300, km * 1000)
        assert nld.contains(Point(lon, lat)) is inside, km


def test_every_confirmed_airfield_lies_in_its_state(treaty: Treaty) -> None:
    confirmed = [a for a in treaty.all_airfields if a.position_status == "confirmed"]
    assert len(confirmed) >= 60
    outside = [
        a.id
        for a in confirmed
        if "FIX" not in a.roles
        and not treaty.state_territory(a.state).contains(Point(a.lon, a.lat))
    ]
    assert outside == []
    # an entry/exit fix lies on the border: within 5 km of the territory
    for fix in [a for a in confirmed if "FIX" in a.roles]:
        territory = treaty.state_territory(fix.state)
        nearest = shapely.ops.nearest_points(territory, Point(fix.lon, fix.lat))[0]
        assert GEOD.inv(fix.lon, fix.lat, nearest.x, nearest.y)[2] < 5000


def test_russian_territory_area(treaty: Treaty) -> None:
    # Independent reference: Russia's area 17,098,246 km2 (Rosstat, land and inland
    # water) plus a 12 nmi band along its 37,653 km coastline (CIA World Factbook):
    # 17.098e6 + 37,653 x 22.224 = 17.935e6 km2.  Crimea is not included.
    reference = 17_098_246 + 37_653 * 22.224
    assert area_km2(treaty.state_territory("RUS")) == pytest.approx(reference, rel=0.03)


def test_every_territory_is_valid_and_within_lon_lat(treaty: Treaty) -> None:
    for code in treaty.territory_codes:
        geometry = treaty.state_territory(code)
        assert geometry.is_valid, code
        assert geometry.geom_type in ("Polygon", "MultiPolygon"), code
        minx, miny, maxx, maxy = geometry.bounds
        assert -180 <= minx <= maxx <= 180
        assert -90 <= miny <= maxy <= 90


def test_neighbours_needed_for_the_border_rule_are_present(treaty: Treaty) -> None:
    for code in (
        "KAZ",
        "CHN",
        "MNG",
        "MEX",
        "MDA",
        "SRB",
        "AUT",
        "CHE",
        "IRL",
        "ARM",
        "AZE",
        "IRN",
        "SYR",
    ):
        assert code in treaty.territory_codes, code
    view = treaty.as_of("2019-06-01")
    assert {"KAZ", "CHN", "MNG", "PRK"} <= set(view.adjacent_non_parties("RUS_BLR"))
    assert "USA" not in view.adjacent_non_parties("CAN")
    # after the US withdrawal its border with Canada is a non-party border
    assert "USA" in treaty.as_of("2021-01-01").adjacent_non_parties("CAN")


def test_kaliningrad_restriction_area(treaty: Treaty) -> None:
    (kgd,) = [r for r in treaty.all_restrictions if r.id == "KGD-500"]
    assert kgd.geometry is not None
    assert kgd.geometry.contains(Point(20.51, 54.71))
    assert not kgd.geometry.contains(Point(37.62, 55.75))
    # Kaliningrad oblast: 15,125 km2 of land; with its sea band 15,000-22,000 km2
    assert 15_000 < area_km2(kgd.geometry) < 22_000
    assert treaty.state_territory("RUS").covers(kgd.geometry)


def test_georgian_border_lines_are_on_the_russian_border(treaty: Treaty) -> None:
    (corridor,) = [r for r in treaty.all_restrictions if r.id == "GEO-10KM"]
    assert corridor.geometry is not None
    length_km = GEOD.geometry_length(corridor.geometry) / 1000
    assert 150 < length_km < 450
    rus, geo = treaty.state_territory("RUS"), treaty.state_territory("GEO")
    # every vertex of the lines lies within 2 km of both states' territories
    for lon, lat in shapely.get_coordinates(corridor.geometry)[::10]:
        assert rus.distance(Point(lon, lat)) < 0.02
        assert geo.distance(Point(lon, lat)) < 0.02


def test_restrictions_in_force_by_date(treaty: Treaty) -> None:
    ids = {r.id for r in treaty.as_of("2019-06-01").restrictions(observed="RUS")}
    assert {"KGD-500", "GEO-10KM"} <= ids
    assert "KGD-500" not in {r.id for r in treaty.as_of("2012-06-01").restrictions()}
    hawaii = treaty.as_of("2019-06-01").restrictions(observed="USA", observer="RUS")
    assert [r.id for r in hawaii if r.kind == "distance_sublimit"] == ["HAW-CAP"]
    assert not [
        r
        for r in treaty.as_of("2019-06-01").restrictions(observed="USA", observer="DEU")
        if r.id == "HAW-CAP"
    ]


@pytest.mark.parametrize(
    ("airfield", "day", "km"),
    [
        ("UUMB", "2010-01-01", 5000),
        ("UUMB", "2015-06-01", 5500),
        ("KSUU", "2011-07-30", 4000),  # Annex A III until the first announcement
        ("KSUU", "2011-07-31", 4250),  # announced for the flight of 2011-07-31
        ("LTBI", "2017-02-26", 1500),
        ("LTBI", "2017-02-27", 1900),  # announced for the flight of 2017-02-27
        ("EKVL", "2010-01-01", 800),
        ("EGVN", "2010-01-01", 1150),  # the 1,500 km value needs Scilly or Shetland
        ("ETSA", "2024-01-01", 1200),  # the undated 1,300 km value is not applied
    ],
)
def test_maximum_flight_distances(
    treaty: Treaty, airfield: str, day: str, km: int
) -> None:
    assert treaty.as_of(day).airfield(airfield).max_distance_km == km


def test_airfields_by_party_and_role(treaty: Treaty) -> None:
    view = treaty.as_of("2019-06-01")
    poe = {a.id for a in view.airfields("RUS_BLR", role="POE")}
    assert poe == {"UUMB", "UIUU"}
    benelux = {a.id for a in view.airfields("BENELUX")}
    assert benelux == {"EBMB", "EHGR"}
    # Minsk is designated only for Belarus' own quota after the group ended
    assert "UMMS" in {a.id for a in treaty.as_of("2022-01-01").airfields("BLR")}
    with pytest.raises(ValueError, match="unknown airfield role 'XYZ'"):
        view.airfields("DEU", role="XYZ")


def test_manifest_hashes_match_the_files() -> None:
    for directory in ("geodata", "quotas"):
        root = bundled_dir(directory)  # type: ignore[arg-type]
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        listed = set(manifest["files"])
        present = {p.name for p in Path(root).iterdir() if p.is_file()} - {
            "manifest.json"
        }
        assert listed == present, directory
        for name, entry in manifest["files"].items():
            digest = hashlib.sha256((root / name).read_bytes()).hexdigest()
            assert digest == entry["sha256"], name
