"""Route legality (check_route), geodesy and reachable areas, worked out by hand.

Positions are degrees (lon, lat) on WGS84.  Distances that a verdict hinges on
are computed in the test with GeographicLib (an implementation independent of
pyproj's) or by pyproj's forward problem, and the expected verdict is argued in
a comment from treaty.md (R16, R17, section 5) and the bundled data.
"""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from hypothesis import given
from hypothesis import strategies as st
from pyproj import Geod

from openskies.cli.main import main
from openskies.errors import NotAPartyError, OptionsError, UnknownStateError
from openskies.geo.geodesy import (
    densify_legs,
    geodesic_buffer,
    geodesic_km,
    leg_parts,
    length_inside_km,
    length_km,
    wgs84,
)
from openskies.geo.route import Route
from openskies.rules.batch import check_routes
from openskies.rules.legality import check_route
from openskies.rules.reach import reachable_area
from openskies.treaty.resources import bundled_dir
from openskies.treaty.territory import read_features

GEOD = Geod(ellps="WGS84")
KUBINKA = (36.653, 55.608)  # UUMB, POE and OSA of Russia
TRAVIS = (-121.930, 38.263)  # KSUU, POE and OSA of the USA
HONOLULU = (-157.923, 21.318)  # PHNL, refuelling airfield only


def forward(point, azimuth, km):
    """The point ``km`` along the geodesic from ``point`` at ``azimuth``."""
    lon, lat, _ = wgs84().fwd(point[0], point[1], azimuth, km * 1000.0)
    return (float(lon), float(lat))


def rules_of(report, binding=None):
    return [
        v.rule for v in report.violations if binding is None or v.binding == binding
    ]


def border_distance_km(point, geometry):
    """GeographicLib distance from ``point`` to the boundary of ``geometry`` [km].

    The boundary near the point is densified to 0.002 deg (<= 220 m) so that the
    nearest vertex is within ~0.01 km of the nearest boundary point for points a
    few km away.
    """
    x, y = point
    window = shapely.box(x - 2.0, y - 0.6, x + 2.0, y + 0.6)
    boundary = shapely.boundary(shapely.intersection(geometry, window))
    vertices = shapely.get_coordinates(shapely.segmentize(boundary, 0.002))
    return (
        min(Geodesic.WGS84.Inverse(y, x, lat, lon)["s12"] for lon, lat in vertices)
        / 1000.0
    )


# --------------------------------------------------------------------------- R16


@pytest.mark.parametrize(
    ("date", "one_way_km", "legal", "limit"),
    [
        # Kubinka: 5,000 km (treaty text) until 2012, 5,500 km from 2013-01-01.
        ("2015-06-01", 2500.0, True, 5500.0),  # 5,000 <= 5,500
        ("2015-06-01", 2800.0, False, 5500.0),  # 5,600 > 5,500
        ("2012-06-01", 2500.0, True, 5000.0),  # 5,000 <= 5,000: at the limit
        ("2012-06-01", 2800.0, False, 5000.0),
    ],
)
def test_out_and_back_from_kubinka(treaty, date, one_way_km, legal, limit):
    # Out and back along azimuth 60 deg: the far point lies in western Siberia
    # (about 79-84 E, 60 N), more than 500 km from Kazakhstan, China and the
    # sea, so only the distance can fail.  Both legs are the same geodesic, so
    # the observation length is exactly twice the one-way distance.
    far = forward(KUBINKA, 60.0, one_way_km)
    route = Route.from_coords([KUBINKA, far, KUBINKA], start="UUMB", end="UUMB")
    report = check_route(treaty.as_of(date), route, observer="USA", observed="RUS")
    assert report.distance_km == pytest.approx(2 * one_way_km, abs=1e-6)
    assert report.max_distance_km == limit
    assert report.legal is legal
    assert rules_of(report) == ([] if legal else ["R16"])
    if not legal:
        (violation,) = report.violations
        assert violation.value == pytest.approx(2 * one_way_km)
        assert violation.limit == limit
    # RUS belonged to the RUS_BLR group until 2021: the whole track is in RUS
    assert report.observed == "RUS_BLR"
    assert report.distance_by_region["RUS"] == pytest.approx(2 * one_way_km)
    assert report.distance_by_region["BLR"] == 0.0


# -------------------------------------------------------------- KGD-500 (sec. 5)


def kaliningrad_route():
    """Kubinka -> (transit) -> 600 km of zigzag over Kaliningrad -> (transit) back.

    Four 128-129 km east-west legs between 20.3 E and 22.3 E at 54.65-54.79 N
    (516.2 km) and a last leg east whose length makes the observation exactly
    600 km; all inside the oblast, more than 20 km from its borders with Poland
    and Lithuania (both parties, so no 10 km rule applies).
    """
    zigzag = [(20.3, 54.65), (22.3, 54.65), (20.3, 54.72), (22.3, 54.72), (20.3, 54.79)]
    done = sum(float(geodesic_km(*a, *b)) for a, b in itertools.pairwise(zigzag))
    zigzag.append(forward(zigzag[-1], 90.0, 600.0 - done))
    legs = len(zigzag) + 1
    return Route.from_coords(
        [KUBINKA, *zigzag, KUBINKA], transit=[0, legs - 1], start="UUMB"
    )


def test_kaliningrad_sublimit_is_a_finding_in_2019(treaty):
    # 2019: KGD-500 (disputed, 2014-01-01 -> 2021-12-18) caps the observation
    # track over the oblast at 500 km; the route has 600 km there.  Under the
    # treaty reading the finding does not make the route illegal; the overall
    # distance, 600 km, is far below Kubinka's 5,500 km.
    view = treaty.as_of("2019-06-01")
    report = check_route(view, kaliningrad_route(), observer="USA", observed="RUS")
    assert report.legal
    (finding,) = report.violations
    assert finding.rule == finding.restriction == "KGD-500"
    assert finding.binding is False
    assert finding.legal_status == "disputed"
    assert finding.value == pytest.approx(600.0, abs=0.01)
    assert finding.limit == 500.0
    assert finding.where is not None
    assert length_km(finding.where)[0] == pytest.approx(600.0, abs=0.01)
    assert report.distance_km == pytest.approx(600.0, abs=1e-6)
    assert report.distance_by_region["kaliningrad_oblast"] == pytest.approx(600.0)
    # the transit legs (Kubinka to Kaliningrad and back, over BLR and LTU) are
    # reported apart: about 1,000 km each way
    assert 1900.0 < report.distance_by_region["transit"] < 2100.0


def test_kaliningrad_sublimit_binds_under_the_observed_party_reading(treaty):
    view = treaty.as_of("2019-06-01")
    report = check_route(
        view,
        kaliningrad_route(),
        observer="USA",
        observed="RUS",
        reading="observed-party",
    )
    assert not report.legal
    assert rules_of(report, binding=True) == ["KGD-500"]


def test_out_and_back_over_kaliningrad_counts_both_ways(treaty):
    # Enter the oblast by transit, then fly back and forth along one geodesic
    # east of (20.10 E, 54.85 N): 130, 128, 126 and 124 km (508 km of
    # observation), every leg inside the oblast and over ground already flown.
    # Each pass counts: 508 km > 500 km is a KGD-500 finding.
    west = (20.10, 54.85)
    line = [GEOD.fwd(*west, 90, km * 1000)[:2] for km in (0, 130, 2, 128, 4)]
    route = Route.from_coords(
        [KUBINKA, *line, KUBINKA], transit=[0, len(line)], start="UUMB"
    )
    view = treaty.as_of("2019-06-01")
    report = check_route(view, route, observer="USA", observed="RUS")
    inside = report.distance_by_region["kaliningrad_oblast"]
    # both observation legs lie wholly inside the oblast
    assert inside == pytest.approx(report.distance_km, rel=1e-6)
    assert inside == pytest.approx(508.0, abs=0.01)
    assert [v.rule for v in report.violations] == ["KGD-500"]
    frame = gpd.GeoDataFrame(
        {
            "observer": ["USA"],
            "observed": ["RUS"],
            "date": ["2019-06-01"],
            "transit": [[0, len(line)]],
            "start": ["UUMB"],
        },
        geometry=[route.line],
        crs="EPSG:4326",
    )
    assert check_routes(view, frame)["findings"].iloc[0] == ("KGD-500",)


def test_length_inside_counts_a_stretch_flown_twice(treaty):
    # ETSA -> 80 km north -> ETSA: two legs with exactly the same vertices.  A
    # 100 km box around them holds 2 x 80 km of track; intersecting the whole
    # track at once merges the two legs and would report 80 km.
    out = GEOD.fwd(10.912, 48.074, 0, 80_000)[:2]
    track = shapely.MultiLineString([[(10.912, 48.074), out], [out, (10.912, 48.074)]])
    box = shapely.box(10.0, 47.5, 12.0, 49.5)
    assert length_km(shapely.intersection(track, box))[0] == pytest.approx(80, abs=0.01)
    assert length_inside_km(track, box)[0] == pytest.approx(160.0, abs=0.01)


def test_outside_km_counts_a_stretch_flown_out_and_back_twice(treaty):
    # Wunstorf (9.43 E, 52.46 N) -> 400 km due north (Denmark) -> Wunstorf along
    # the same meridian: the stretch beyond the Danish border (54.8 N) is flown
    # twice, so R17-territory reports twice the outside length of the one-way
    # leg (a difference of the whole track merges the collinear legs: once).
    view = treaty.as_of("2019-06-01")
    north = GEOD.fwd(9.43, 52.46, 0, 400_000)[:2]
    assert north[0] == pytest.approx(9.43)

    def outside_km(coords):
        report = check_route(
            view, Route.from_coords(coords), observer="POL", observed="DEU"
        )
        km = next(v.value for v in report.violations if v.rule == "R17-territory")
        assert report.distance_by_region["outside"] == km
        return km, report

    once, _ = outside_km([(9.43, 52.46), north])
    twice, back = outside_km([(9.43, 52.46), north, (9.43, 52.46)])
    assert 100.0 < once < 200.0  # the border near 54.8 N, the point at 56.05 N
    assert twice == pytest.approx(2.0 * once, rel=1e-3)
    assert back.distance_by_region["DEU"] == pytest.approx(800.0 - twice, abs=0.5)


def test_kaliningrad_route_has_no_finding_in_2012(treaty):
    # KGD-500 is not in force before 2014: no finding, no region key for it
    for reading in ("treaty", "observed-party"):
        report = check_route(
            treaty.as_of("2012-06-01"),
            kaliningrad_route(),
            observer="USA",
            observed="RUS",
            reading=reading,
        )
        assert report.legal
        assert report.violations == ()
        assert "kaliningrad_oblast" not in report.distance_by_region


# ------------------------------------------------------------- GEO-10KM (sec. 5)


def abkhazia_route():
    """Kubinka -> Volgograd oblast -> ~5 km from the RUS-Abkhazia border -> back.

    The turning point is 5 km from the middle of the border line at azimuth
    20 deg (north-north-east, into Russia).  The way out passes (44.0, 50.0)
    and the way back (46.0, 51.5), keeping east of Ukraine and west of
    Kazakhstan; about 3,300 km in total, below Kubinka's 5,500 km in 2015.
    """
    areas = read_features(bundled_dir("geodata") / "restriction_areas.geojson", "id")
    border = areas["rus_abkhazia_border"]
    middle = border.interpolate(0.5, normalized=True)
    near = forward((middle.x, middle.y), 20.0, 5.0)
    return Route.from_coords([KUBINKA, (44.0, 50.0), near, (46.0, 51.5), KUBINKA]), (
        border,
        near,
    )


def test_route_5_km_from_the_abkhazia_border_in_2015(treaty):
    route, (border, near) = abkhazia_route()
    # the turning point is 4-5 km from the line (the line bends near its middle)
    closest = border_distance_km(near, border.buffer(1e-9))
    assert 4.0 < closest < 5.5
    view = treaty.as_of("2015-06-01")
    report = check_route(view, route, observer="USA", observed="RUS")
    # GEO-10KM (disputed): no track within 10 km of the line -> a finding only
    assert report.legal
    assert rules_of(report) == ["GEO-10KM"]
    (finding,) = report.violations
    assert finding.binding is False
    assert finding.value == pytest.approx(closest, abs=0.1)
    assert finding.limit == 10.0
    strict = check_route(
        view, route, observer="USA", observed="RUS", reading="observed-party"
    )
    assert not strict.legal
    assert rules_of(strict, binding=True) == ["GEO-10KM"]


# ------------------------------------------------------------ transit (R17/R18)


def hawaii_route(declare_transit):
    """Travis -> Honolulu, a loop over Oahu, -> Travis (RUS over USA, 2019)."""
    oahu = [HONOLULU, (-158.1, 21.45), (-157.85, 21.55), (-157.75, 21.35)]
    return Route.from_coords(
        [TRAVIS, *oahu, TRAVIS],
        transit=[0, len(oahu)] if declare_transit else None,
        start="KSUU",
        end="KSUU",
    )


def test_travis_to_honolulu_leaves_the_territory_unless_transit(treaty):
    view = treaty.as_of("2019-06-01")
    # The 3,919 km legs over the open Pacific are outside US territory (land
    # + 12 nmi): as observation legs they break R17; declared transit they are
    # reported apart and the Oahu loop (about 80 km) is all that is observed,
    # far below Travis's 4,250 km and HAW-CAP's 828 km.
    legs_km = float(geodesic_km(*TRAVIS, *HONOLULU))
    back_km = float(geodesic_km(-157.75, 21.35, *TRAVIS))
    assert 3900.0 < back_km < legs_km < 3950.0
    open_legs = check_route(view, hawaii_route(False), observer="RUS", observed="USA")
    assert not open_legs.legal
    assert "R17-territory" in rules_of(open_legs, binding=True)
    outside = next(v for v in open_legs.violations if v.rule == "R17-territory")
    # both Pacific legs less their stretches over California, Oahu and the
    # 12 nmi sea around them and around the Farallon Islands (about 320 km)
    assert outside.value == pytest.approx(open_legs.distance_by_region["outside"])
    assert legs_km + back_km - 400.0 < outside.value < legs_km + back_km - 200.0
    declared = check_route(view, hawaii_route(True), observer="RUS", observed="USA")
    assert declared.legal
    assert declared.violations == ()
    assert declared.distance_by_region["transit"] == pytest.approx(legs_km + back_km)
    assert declared.distance_by_region["outside"] == 0.0
    assert 50.0 < declared.distance_km < 120.0
    assert declared.distance_by_region["hawaiian_islands"] == pytest.approx(
        declared.distance_km
    )


# ---------------------------------------------------- geodesic versus chart line


def test_geodesic_leaves_territory_where_the_chart_line_does_not(treaty):
    # An east-west leg of 1,136 km at 68-69 N.  On a lon/lat chart the
    # straight line runs south of the wide part of the Gulf of Ob; the geodesic
    # bulges north (to 68.9 N) and crosses the gulf where it is more than
    # 2 x 12 nmi wide: water that is not territory (a hole in the land + 12 nmi
    # band).  Only the geodesic check sees it.
    view = treaty.as_of("2019-06-01")
    territory = view.territory("RUS")
    start, end = (61.6, 68.7), (89.2, 67.8)
    assert shapely.covers(territory, shapely.LineString([start, end]))
    report = check_route(
        view, Route.from_coords([start, end]), observer="USA", observed="RUS"
    )
    assert "R17-territory" in rules_of(report)


def test_geodesic_stays_inside_where_the_chart_line_leaves(treaty):
    # The reverse: the chart line crosses the same open water at 69.3 N, the
    # geodesic passes north of it (69.7 N) over the territory.
    view = treaty.as_of("2019-06-01")
    territory = view.territory("RUS")
    start, end = (66.8, 69.5), (91.6, 68.8)
    assert not shapely.covers(territory, shapely.LineString([start, end]))
    report = check_route(
        view, Route.from_coords([start, end]), observer="USA", observed="RUS"
    )
    assert "R17-territory" not in rules_of(report)


def test_leg_across_the_antimeridian_over_chukotka(treaty):
    # Both ends are on Chukotka's land, one at 176 E and one at 176 W; the
    # geodesic (12 deg of longitude) stays over Chukotka.  A naive chart line
    # would run 352 deg the other way round the world.
    view = treaty.as_of("2019-06-01")
    start, end = (176.0, 67.0), (-176.0, 67.3)
    assert not shapely.covers(view.territory("RUS"), shapely.LineString([start, end]))
    report = check_route(
        view, Route.from_coords([start, end]), observer="USA", observed="RUS"
    )
    assert "R17-territory" not in rules_of(report)
    assert report.distance_km == pytest.approx(
        Geodesic.WGS84.Inverse(67.0, 176.0, 67.3, -176.0)["s12"] / 1000.0, abs=0.001
    )


# ------------------------------------------------------------ geodesic lengths


@given(
    st.floats(-180, 180),
    st.floats(-89, 89),
    st.floats(-180, 180),
    st.floats(-89, 89),
)
def test_geodesic_lengths_match_geographiclib_to_1_m(lon1, lat1, lon2, lat2):
    expected = Geodesic.WGS84.Inverse(lat1, lon1, lat2, lon2)["s12"]
    assert float(geodesic_km(lon1, lat1, lon2, lat2)) * 1000.0 == pytest.approx(
        expected, abs=1.0
    )


def test_route_distance_matches_geographiclib_to_1_m(treaty):
    route = kaliningrad_route()
    points = route.waypoints
    expected = sum(
        Geodesic.WGS84.Inverse(a[1], a[0], b[1], b[0])["s12"]
        for (a, b), transit in zip(
            itertools.pairwise(points), route.transit, strict=True
        )
        if not transit
    )
    report = check_route(
        treaty.as_of("2012-06-01"), route, observer="USA", observed="RUS"
    )
    assert report.distance_km * 1000.0 == pytest.approx(expected, abs=1.0)


def across_chord_km(x1, y1, x2, y2, x, y):
    """Distance of (x, y) across the chart chord (x1, y1)-(x2, y2), in a plane
    scaled to km at the chord's middle latitude."""

    def wrap(d):
        return (d + 180.0) % 360.0 - 180.0

    middle = (y1 + y2) / 2.0
    scale = np.cos(np.radians(middle)) * 111.32
    dx, dy = wrap(x2 - x1) * scale, (y2 - y1) * 110.574
    ox, oy = wrap(x - (x1 + wrap(x2 - x1) / 2.0)) * scale, (y - middle) * 110.574
    return abs(ox * dy - oy * dx) / np.hypot(dx, dy)


@given(
    st.floats(-179, 179),
    st.floats(-85, 85),
    st.floats(0, 360),
    st.floats(1, 3000),
)
def test_densified_points_lie_on_the_geodesic(lon, lat, azimuth, km):
    # Every densified point is on the geodesic: its distances from both ends
    # add up to the leg length (GeographicLib, to 1 m).
    end = forward((lon, lat), azimuth, km)
    lons, lats, _, lengths = densify_legs([lon], [lat], [end[0]], [end[1]])
    assert lengths[0] == pytest.approx(km, abs=1e-3)
    for x, y in zip(lons, lats, strict=True):
        a = Geodesic.WGS84.Inverse(lat, lon, y, x)["s12"]
        b = Geodesic.WGS84.Inverse(y, x, end[1], end[0])["s12"]
        assert a + b == pytest.approx(km * 1000.0, abs=1.0)
    # chart pieces are short enough: at most 100 km apart, and the geodesic's
    # middle lies within 100 m (+10 % for the flat-plane measure) of each chord
    gaps = geodesic_km(lons[:-1], lats[:-1], lons[1:], lats[1:])
    assert gaps.max() <= 100.0 + 1e-6
    for x1, y1, x2, y2 in zip(lons[:-1], lats[:-1], lons[1:], lats[1:], strict=True):
        line = Geodesic.WGS84.InverseLine(y1, x1, y2, x2)
        middle = line.Position(line.s13 / 2.0)
        assert across_chord_km(x1, y1, x2, y2, middle["lon2"], middle["lat2"]) < 0.11
    # the parts stay within -180..180
    parts, _ = leg_parts(lons, lats, np.zeros(lons.size, dtype=np.intp))
    assert all(p.bounds[0] >= -180 and p.bounds[2] <= 180 for p in parts)


def test_geodesic_buffer_is_10_km_at_high_latitude():
    # A 0.5 x 0.2 deg box at 75 N; every vertex of its 10 km buffer is 10 km
    # (+- 50 m: arcs are drawn with 8 segments per quarter) from the box's
    # densified boundary, measured with GeographicLib.  A buffer in degrees
    # would be 3.9x too narrow east-west at this latitude.
    box = shapely.box(30.0, 75.0, 30.5, 75.2)
    ring = geodesic_buffer(box, 10.0)
    vertices = shapely.get_coordinates(ring.exterior)[::7]
    edge = shapely.get_coordinates(shapely.segmentize(box.exterior, 0.001))
    for x, y in vertices:
        nearest = min(Geodesic.WGS84.Inverse(y, x, b, a)["s12"] for a, b in edge[::2])
        assert 9950.0 < nearest < 10050.0


# ---------------------------------------------------------- R17: 10 km rule


@pytest.mark.parametrize(
    ("observed", "point", "azimuth", "neighbour", "km", "dates_in_force"),
    [
        # Germany - Austria (never a party), near Berchtesgaden
        ("DEU", (12.0, 47.654), 0.0, "AUT", 5.0, ("2019", "2021", "2022")),
        ("DEU", (12.0, 47.77), 0.0, "AUT", 15.0, ()),
        # Canada - USA on the 49th parallel: the USA is a non-party from
        # 2020-11-22 (R26), so the rule applies in 2021, not in 2019
        ("CAN", (-100.0, 49.0377), 0.0, "USA", 5.0, ("2021", "2022")),
        ("CAN", (-100.0, 49.1276), 0.0, "USA", 15.0, ()),
        # Finland - Russia at 68.9 N, after Russia's exit (2021-12-18)
        ("FIN", (28.29, 68.9), 270.0, "RUS", 5.0, ("2022",)),
        ("FIN", (28.04, 68.9), 270.0, "RUS", 15.0, ()),
    ],
)
def test_ten_km_from_non_party_states(
    treaty, observed, point, azimuth, neighbour, km, dates_in_force
):
    # The point's distance to the neighbour (GeographicLib) is checked first;
    # the leg then runs 20 km away from the border, so its closest approach is
    # at its start.
    assert border_distance_km(point, treaty.state_territory(neighbour)) == (
        pytest.approx(km, abs=0.35)
    )
    route = Route.from_coords([point, forward(point, azimuth, 20.0)])
    for date in ("2019-06-01", "2021-06-01", "2022-06-01"):
        view = treaty.as_of(date)
        if observed not in view.members:
            continue
        observer = "SWE" if observed != "SWE" else "NOR"
        report = check_route(view, route, observer=observer, observed=observed)
        hits = [v for v in report.violations if v.rule == "R17-border"]
        if date[:4] in dates_in_force:
            (hit,) = hits
            assert hit.parties == (neighbour,)
            assert hit.value == pytest.approx(km, abs=0.5)
            assert hit.binding
        else:
            assert hits == []


# ------------------------------------------------------------- start and end


def test_start_and_end_tolerance(treaty):
    view = treaty.as_of("2019-06-01")
    # start 8 km east of Kubinka, end on it
    start = forward(KUBINKA, 90.0, 8.0)
    route = Route.from_coords([start, forward(KUBINKA, 0.0, 300.0), KUBINKA])
    report = check_route(view, route, observer="USA", observed="RUS")
    assert rules_of(report) == ["R17-start"]
    assert report.violations[0].value == pytest.approx(8.0, abs=1e-3)
    assert report.start_airfield == report.end_airfield == "UUMB"
    relaxed = check_route(
        view, route, observer="USA", observed="RUS", tolerance_km=10.0
    )
    assert relaxed.legal


def test_declared_airfields_must_be_eligible(treaty):
    view = treaty.as_of("2019-06-01")
    # Honolulu is a refuelling airfield only: no mission starts or ends there
    oahu = [HONOLULU, (-158.1, 21.45), (-157.85, 21.55), HONOLULU]
    route = Route.from_coords(oahu, start="PHNL", end="PHNL")
    report = check_route(view, route, observer="RUS", observed="USA")
    assert rules_of(report) == ["R17-start", "R17-end"]
    assert "PHNL" in report.violations[0].message
    with pytest.raises(UnknownStateError, match="XXXX"):
        check_route(
            view,
            Route.from_coords(oahu, start="XXXX"),
            observer="RUS",
            observed="USA",
        )


def test_repeated_waypoints(treaty):
    view = treaty.as_of("2019-06-01")
    a, b = forward(KUBINKA, 45.0, 200.0), forward(KUBINKA, 90.0, 200.0)
    # start = end is allowed; visiting a twice is not
    legal = check_route(
        view,
        Route.from_coords([KUBINKA, a, b, KUBINKA]),
        observer="USA",
        observed="RUS",
    )
    assert legal.legal
    twice = check_route(
        view,
        Route.from_coords([KUBINKA, a, b, a, KUBINKA]),
        observer="USA",
        observed="RUS",
    )
    assert rules_of(twice) == ["R17-repeat"]
    assert twice.violations[0].value == 1.0


def test_mission_ban_and_notes(treaty):
    # GEO-RUS-BAN: Georgia refuses missions by Russia (disputed) -> a finding
    # under the treaty reading, binding under Georgia's.  Georgia has no
    # airfield in the data, so start and end cannot be checked either.
    view = treaty.as_of("2015-06-01")
    route = Route.from_coords([(44.8, 41.7), (43.0, 42.2), (44.8, 41.7)])
    report = check_route(view, route, observer="RUS", observed="GEO")
    assert rules_of(report, binding=False) == ["GEO-RUS-BAN"]
    assert rules_of(report, binding=True) == ["R17-start", "R17-end"]
    strict = check_route(
        view, route, observer="RUS", observed="GEO", reading="observed-party"
    )
    assert "GEO-RUS-BAN" in rules_of(strict, binding=True)
    # restrictions in force without geometry are reported as unchecked notes
    usa = check_route(
        view, kaliningrad_route(), observer="USA", observed="RUS"
    ).unchecked
    assert any(note.startswith("RU-UA-BORDER") for note in usa)
    assert any(note.startswith("CHE") for note in usa)


def test_report_serialises_to_json(treaty):
    report = check_route(
        treaty.as_of("2019-06-01"), kaliningrad_route(), observer="USA", observed="RUS"
    )
    frame = report.to_frame()
    assert frame["rule"].tolist() == ["KGD-500"]
    assert frame.crs.to_epsg() == 4326
    data = json.loads(json.dumps(report.to_dict()))
    assert data["legal"] is True
    assert data["violations"][0]["rule"] == "KGD-500"
    assert data["violations"][0]["where"]["type"] in ("LineString", "MultiLineString")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"reading": "usa"}, OptionsError, "reading 'usa'"),
        ({"tolerance_km": 0}, OptionsError, "tolerance_km"),
        ({"observer": "BLR"}, OptionsError, "both belong to RUS_BLR"),
        ({"observer": "USA", "date": "2021-06-01"}, NotAPartyError, "USA"),
        ({"observer": "XYZ"}, UnknownStateError, "XYZ"),
    ],
)
def test_bad_arguments(treaty, kwargs, error, match):
    arguments = {"observer": "USA", "observed": "RUS", **kwargs}
    with pytest.raises(error, match=match):
        check_route(
            treaty.as_of("2019-06-01"),
            shapely.LineString([KUBINKA, (38.0, 56.0)]),
            **arguments,
        )


# ------------------------------------------------------------------- CLI


def test_check_route_command(tmp_path, capsys):
    path = tmp_path / "kgd.geojson"
    path.write_text(json.dumps(kaliningrad_route().to_feature()))
    common = ["check-route", str(path), "--observer", "USA", "--observed", "RUS"]
    assert main([*common, "--date", "2019-06-01"]) == 0
    assert "LEGAL" in capsys.readouterr().out
    assert main([*common, "--date", "2019-06-01", "--reading", "observed-party"]) == 1
    assert "KGD-500  yes" in capsys.readouterr().out
    assert main([*common, "--date", "2012-06-01", "--format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["violations"] == []
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "LineString", "coordinates": [[0, 0], [0, 95]]}')
    assert main(["check-route", str(bad), *common[2:], "--date", "2019-06-01"]) == 2
    assert "waypoint 2 of 2" in capsys.readouterr().err


# ------------------------------------------------------------- reachable area


def test_reachable_area_from_landsberg(treaty):
    # Landsberg/Lech (ETSA, 48.07 N) has a 1,200 km maximum distance: an
    # out-and-back reaches 600 km.  Nuremberg (190 km) is reachable, Flensburg
    # (about 750 km north) is not; so a good part, not all, of Germany.
    view = treaty.as_of("2019-06-01")
    area = reachable_area(view, "DEU", "ETSA")
    assert area.max_distance_km == 1200.0
    assert shapely.intersects(area.geometry, shapely.Point(11.08, 49.45))
    assert not shapely.intersects(area.geometry, shapely.Point(9.43, 54.78))
    assert 0.5 < area.share < 0.95
    assert area.area_km2 == pytest.approx(area.share * area.territory_km2)
    assert area.to_frame()["share"].iloc[0] == area.share
    # nothing reachable lies within 10 km of Austria or Switzerland
    assert not shapely.intersects(area.geometry, shapely.Point(12.0, 47.654))


def test_reachable_area_shows_the_effect_of_a_restriction(treaty):
    # GEO-10KM, applied under Russia's reading, removes the strip within 10 km
    # of the Abkhazia and South Ossetia borders; the treaty reading keeps it.
    view = treaty.as_of("2015-06-01")
    _, (_, near) = abkhazia_route()
    treaty_reading = reachable_area(view, "RUS", "UUMB", observer="USA")
    russian = reachable_area(
        view, "RUS", "UUMB", observer="USA", reading="observed-party"
    )
    assert shapely.intersects(treaty_reading.geometry, shapely.Point(near))
    assert not shapely.intersects(russian.geometry, shapely.Point(near))
    assert "GEO-10KM" in russian.restrictions
    assert russian.restrictions != treaty_reading.restrictions
    # strip of 2 x about 250 km x 10 km, less what lies outside the territory
    effect = treaty_reading.area_km2 - russian.area_km2
    assert 500.0 < effect < 10_000.0
    # Kaliningrad is reached by a transit leg across Lithuania
    assert shapely.intersects(treaty_reading.geometry, shapely.Point(20.5, 54.7))


def test_reachable_area_errors(treaty):
    view = treaty.as_of("2019-06-01")
    before = treaty.as_of("2019-02-24")  # Köln/Bonn: 1,300 km from 2019-02-25
    with pytest.raises(OptionsError, match="not a starting airfield of DEU"):
        reachable_area(before, "DEU", "EDDK")  # no maximum distance yet
    with pytest.raises(OptionsError, match="resolution_km"):
        reachable_area(view, "DEU", "ETSA", resolution_km=1)
    with pytest.raises(OptionsError, match="reading"):
        reachable_area(view, "DEU", "ETSA", reading="x")


@pytest.mark.parametrize("observer", [None, "", 3, ["USA"]])
def test_route_without_an_observer_is_refused(treaty, observer):
    # issue 10: observer=None came back legal, dropping observer-specific rules
    route = shapely.LineString([KUBINKA, (38.0, 56.0), KUBINKA])
    with pytest.raises(UnknownStateError, match="unknown state or party code"):
        check_route(
            treaty.as_of("2019-06-01"), route, observer=observer, observed="RUS"
        )


@pytest.mark.parametrize(
    ("view", "kwargs", "message"),
    [
        (None, {}, "view must be a TreatyView"),
        ("2019-06-01", {}, "view must be a TreatyView"),
        ("view", {"date": 2019}, "expected a date"),
        ("view", {"date": "2019-02-30"}, "expected a date"),
        ("view", {"tolerance_km": True}, "tolerance_km must be a positive"),
        ("view", {"reading": ["treaty"]}, "reading"),
    ],
)
def test_check_route_wrong_types_raise_options_errors(treaty, view, kwargs, message):
    route = shapely.LineString([KUBINKA, (38.0, 56.0), KUBINKA])
    view = treaty.as_of("2019-06-01") if view == "view" else view
    with pytest.raises(OptionsError, match=message):
        check_route(view, route, observer="USA", observed="RUS", **kwargs)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--date", "2019-02-30"], "--date '2019-02-30': expected a date"),
        (["--date", "2019-06-01", "--tolerance-km", "nan"], "--tolerance-km must be"),
        (["--date", "2019-06-01", "--tolerance-km", "-1"], "--tolerance-km must be"),
        (["--date", "2019-06-01", "--observer", "XX"], "unknown state or party"),
    ],
)
def test_check_route_command_bad_options_exit_2(tmp_path, capsys, argv, message):
    path = tmp_path / "r.geojson"
    line = {"type": "LineString", "coordinates": [list(KUBINKA), [38, 56]]}
    path.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": line}))
    base = ["check-route", str(path), "--observer", "USA", "--observed", "RUS"]
    assert main([*base, *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
