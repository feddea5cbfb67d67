"""The one legality kernel: rule catalogue, any number of rules, grazing routes."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies import load_treaty
from openskies.errors import OptionsError
from openskies.geo.geodesy import wgs84
from openskies.geo.route import Route
from openskies.routing.free_space import free_space
from openskies.routing.planner import plan_route
from openskies.rules.airfields import End, eligible, is_eligible
from openskies.rules.batch import check_routes
from openskies.rules.catalogue import RESTRICTION_RULES, RULES, RuleId
from openskies.rules.legality import check_route
from openskies.rules.registry import rule_set
from openskies.treaty.resources import bundled_dir

WUNSTORF = "ETNW"
AREAS = 70  # more than the 64 bits the batch verdicts once packed rules into


def forward(point, azimuth, km):
    lon, lat, _ = wgs84().fwd(point[0], point[1], azimuth, km * 1000.0)
    return (float(lon), float(lat))


def test_every_rule_id_has_a_catalogue_record():
    assert set(RULES) == set(RuleId)
    for rule in (*RULES.values(), *RESTRICTION_RULES.values()):
        assert rule.article
        assert rule.summary
        assert rule.message
    assert [RULES[r].rank for r in RuleId] == sorted(RULES[r].rank for r in RuleId)


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """A geodata copy with 70 no-fly areas along one line over Lower Saxony.

    Even-numbered areas are facts (binding), odd ones disputed (findings).
    """
    folder = Path(
        shutil.copytree(bundled_dir("geodata"), tmp_path_factory.mktemp("g") / "g")
    )  # type: ignore[arg-type]
    (folder / "manifest.json").unlink()
    treaty = load_treaty(geodata_dir=folder)
    home = treaty.as_of("2019-06-01").airfield(WUNSTORF)
    areas = json.loads((folder / "restriction_areas.geojson").read_text())
    with (folder / "restrictions.csv").open("a", newline="") as out:
        writer = csv.writer(out)
        for k in range(AREAS):
            lon, lat = forward((home.lon, home.lat), 90.0, 20.0 + 3.0 * k)
            box = shapely.box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
            areas["features"].append(
                {
                    "type": "Feature",
                    "properties": {"id": f"box_{k}", "kind": "region"},
                    "geometry": shapely.geometry.mapping(box),
                }
            )
            writer.writerow(
                [f"BOX-{k:02d}", "no_fly", "DEU", "DEU", "all", f"box_{k}", "", "",
                 "confirmed", "2010-01-01", "", "confirmed",
                 "fact" if k % 2 == 0 else "disputed", "test area"]
            )  # fmt: skip
    (folder / "restriction_areas.geojson").write_text(json.dumps(areas))
    return load_treaty(geodata_dir=folder)


def test_more_than_64_rules_are_all_reported(crowded):
    view = crowded.as_of("2019-06-01")
    home = view.airfield(WUNSTORF)
    far = forward((home.lon, home.lat), 90.0, 20.0 + 3.0 * AREAS)
    across = shapely.LineString([(home.lon, home.lat), far, (home.lon, home.lat)])
    north = forward((home.lon, home.lat), 0.0, 30.0)
    aside = shapely.LineString([(home.lon, home.lat), north, (home.lon, home.lat)])
    frame = gpd.GeoDataFrame(
        {"observer": ["RUS", "RUS"], "observed": ["DEU", "DEU"]},
        geometry=[across, aside],
        crs=4326,
    )
    result = check_routes(view, frame)
    binding = tuple(f"BOX-{k:02d}" for k in range(0, AREAS, 2))
    disputed = tuple(f"BOX-{k:02d}" for k in range(1, AREAS, 2))
    got = result.iloc[0]
    assert not got["legal"]
    assert tuple(r for r in got["violations"] if r.startswith("BOX")) == binding
    assert got["findings"] == disputed
    assert result.iloc[1]["findings"] == ()
    assert not any(r.startswith("BOX") for r in result.iloc[1]["violations"])
    report = check_route(
        view, Route.from_coords(across.coords), observer="RUS", observed="DEU"
    )
    assert tuple(v.rule for v in report.binding) == got["violations"]
    assert tuple(v.rule for v in report.findings) == disputed


# grazing routes: legs near the edge of the 10 km zones and of the territories
GRAZING = (
    ("RUS", "DEU", "ETSA", ("2012-06-01", "2019-06-01")),  # Austria, Switzerland
    ("SWE", "FIN", "EFHK", ("2019-06-01", "2022-06-01")),  # Russia left in 2021
    ("DEU", "CAN", "CYZF", ("2019-06-01", "2021-06-01")),  # the USA left in 2020
)


@st.composite
def grazing(draw):
    observer, observed, field, dates = draw(st.sampled_from(GRAZING))
    date = draw(st.sampled_from(dates))
    view = TREATY.as_of(date)
    rules = rule_set(view, observer, observed)
    edges = [rules.territory.boundary]
    if rules.border is not None:
        edges.append(shapely.intersection(rules.border.boundary, rules.territory))
    edge = draw(st.sampled_from(edges))
    first = edge.interpolate(draw(st.floats(0.0, 1.0)), normalized=True)
    start = forward(
        (first.x, first.y),
        draw(st.floats(0, 360)),
        draw(st.sampled_from([0.0, 0.05, 0.3, 2.0])),
    )
    points = [start]
    for _ in range(draw(st.integers(1, 3))):
        points.append(
            forward(
                points[-1],
                draw(st.floats(0, 360)),
                draw(st.sampled_from([1.0, 8.0, 30.0])),
            )
        )
    home = view.airfield(field)
    base = (home.lon, home.lat)
    return {
        "observer": observer,
        "observed": observed,
        "date": date,
        "geometry": shapely.LineString([base, *points, base]),
        "transit": [0, len(points)],
    }


TREATY = None


@pytest.fixture(autouse=True)
def _treaty(treaty):
    global TREATY
    TREATY = treaty


@settings(max_examples=40, deadline=None)
@given(
    st.lists(grazing(), min_size=1, max_size=5),
    st.sampled_from(["treaty", "observed-party"]),
)
def test_grazing_routes_get_check_routes_verdict_of_check_route(treaty, rows, reading):
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=4326)
    result = check_routes(
        treaty.as_of("2019-06-01"), frame, reading=reading, cells=True
    )
    for position, row in enumerate(rows):
        report = check_route(
            treaty.as_of(row["date"]),
            Route.from_row(frame.iloc[position]),
            observer=row["observer"],
            observed=row["observed"],
            reading=reading,
        )
        got = result.iloc[position]
        assert got["legal"] == report.legal
        assert got["violations"] == tuple(v.rule for v in report.binding)
        assert got["findings"] == tuple(v.rule for v in report.findings)
        # the planner's leg test gives check_route's verdict on a lone
        # observation leg (territory, border zone, corridors, no-fly areas)
        rules = rule_set(treaty.as_of(row["date"]), row["observer"], row["observed"])
        space = free_space(rules, reading)
        coords = list(row["geometry"].coords)[1:-1]
        for a, b in itertools.pairwise(coords):
            alone = check_route(
                treaty.as_of(row["date"]),
                Route.from_coords([a, b]),
                observer=row["observer"],
                observed=row["observed"],
                reading=reading,
            )
            spatial = {RuleId.TERRITORY, RuleId.BORDER} | {z.label for z in space.zones}
            broken = {v.rule for v in alone.binding} & spatial
            assert bool(space.legal([a[0]], [a[1]], [b[0]], [b[1]])[0]) == (not broken)


def test_eligibility_is_one_test_for_rules_planner_and_plan(treaty):
    view = treaty.as_of("2019-06-01")
    rules = rule_set(view, "RUS", "DEU")
    fields = view.airfields("DEU")
    assert rules.start_airfields == eligible(fields, End.START)
    assert rules.end_airfields == eligible(fields, End.END)
    for airfield in fields:
        assert is_eligible(airfield, End.START) == (
            bool(airfield.roles & {"OSA", "POE"})
            and airfield.max_distance_km is not None
        )
    not_a_start = next(
        a for a in view.airfields("RUS") if not is_eligible(a, End.START)
    )
    wanted = "an Open Skies airfield or point of entry with a maximum flight distance"
    with pytest.raises(
        OptionsError, match=f"{not_a_start.id} .* is not {wanted} of RUS"
    ):
        plan_route(
            view, observer="USA", observed="RUS", start=not_a_start.id, sites=None
        )
    base = (not_a_start.lon, not_a_start.lat)
    route = Route.from_coords([base, forward(base, 0, 50), base], start=not_a_start.id)
    report = check_route(view, route, observer="USA", observed="RUS")
    assert report.violations[0].rule == RuleId.START
    assert report.violations[0].message.startswith(
        f"declared start airfield {not_a_start.id}"
    )
