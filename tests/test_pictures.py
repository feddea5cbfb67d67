"""Pictures and notebook conventions: plot_map, plot_calendar, reprs, geo interfaces.

A small 2019 plan (Germany over Poland, the United States over Russia and
Belarus) is planned once; the checks read what a notebook user would see.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely
from matplotlib.axes import Axes
from shapely.geometry import shape

from openskies import Treaty
from openskies.allocation.problem import Request
from openskies.annual.plan import AnnualPlan, plan_year
from openskies.annual.scenario import Scenario, SolverSettings
from openskies.geo.sites import bundled_sites
from openskies.options import SolveOptions
from openskies.output.map_layers import map_layers


@pytest.fixture(scope="module")
def plan(treaty: Treaty) -> AnnualPlan:
    """Two routed missions."""
    scenario = Scenario(
        year=2019,
        requests=(Request("DEU", "POL", 1), Request("USA", "RUS", 1)),
        sites={"*": bundled_sites()},
        solver=SolverSettings(routes=SolveOptions(time_limit_s=0.2)),
    )
    return plan_year(scenario, treaty=treaty)


def test_reprs_are_one_short_line(plan: AnnualPlan) -> None:
    routed = next(r for r in plan.routes if r.plan is not None and r.report)
    assert routed.plan is not None
    assert routed.report is not None
    objects = (plan, plan.allocation, plan.schedule, routed.plan, routed.report)
    for value in (*objects, plan.view):
        text = repr(value)
        assert "\n" not in text
        assert len(text) < 200, text
    assert repr(plan) == (
        "AnnualPlan(2019: 2 of 2 flights granted, 2 missions, 2 routes)"
    )
    assert repr(plan.schedule).startswith("ScheduleResult(2019 ")
    assert "2 flights, 0 unmet requests" in repr(plan.allocation)
    assert repr(routed.report).startswith(f"LegalityReport(legal: {routed.observer}")


def test_html_reprs_are_compact_tables(plan: AnnualPlan) -> None:
    routed = next(r for r in plan.routes if r.plan is not None and r.report)
    assert routed.plan is not None
    assert routed.report is not None
    for value in (plan.allocation, plan.schedule, routed.plan, routed.report):
        page = value._repr_html_()
        assert page.startswith("<div><b>")
        assert len(page) < 5000
    assert "passive quotas" in plan.view._repr_html_()
    # the plan shows its summary and the calendar chart
    page = plan._repr_html_()
    assert "flights: 2 requested, 2 granted" in page
    assert "<svg" in page
    assert "Mission calendar 2019" in page


def test_geo_interfaces_are_read_by_shapely_and_geopandas(plan: AnnualPlan) -> None:
    routed = next(r for r in plan.routes if r.route is not None)
    assert routed.route is not None
    assert routed.plan is not None
    assert routed.report is not None
    line = shape(routed.route.__geo_interface__["geometry"])
    assert line.equals(routed.route.line)
    frame = gpd.GeoDataFrame.from_features(routed.plan)
    assert len(frame) == 1
    assert frame.geometry.iloc[0].equals(routed.route.line)
    located = [v for v in routed.report.violations if v.where is not None]
    found = routed.report.__geo_interface__
    assert found["type"] == "FeatureCollection"
    assert len(found["features"]) == len(located)


def test_view_frames_hold_every_airfield_and_territory(plan: AnnualPlan) -> None:
    view = plan.view
    airfields = view.airfields_frame()
    assert airfields.crs == "EPSG:4326"
    expected = [a.id for p in view.parties for a in view.airfields(p.code)]
    assert list(airfields["airfield"]) == expected
    kubinka = airfields.set_index("airfield").loc["UUMB"]
    assert (kubinka.geometry.x, kubinka.geometry.y) == pytest.approx((36.653, 55.608))
    territories = view.territories_frame()
    assert set(territories["party"]) == {p.code for p in view.parties}
    poland = territories.set_index("party").loc["POL"]
    assert poland.passive_quota == view.passive_quota("POL")
    assert shapely.equals(poland.geometry, view.territory("POL"))


def test_plot_map_and_plot_calendar_return_their_axes(plan: AnnualPlan) -> None:
    axes = plan.plot_map()
    assert isinstance(axes, Axes)
    labels = {t.get_text() for t in axes.texts}
    assert {"POL", "RUS_BLR"} <= labels
    assert "2 routes" in axes.get_title()
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert "observer DEU" in legend
    assert "observer USA" in legend
    calendar = plan.schedule.plot_calendar()
    rows = [t.get_text() for t in calendar.get_yticklabels()]
    assert rows == sorted({m.observed for m in plan.schedule.missions}, reverse=True)
    assert len(calendar.collections) == len(plan.schedule.missions)
    assert {t.get_text() for t in calendar.texts} == {"Q1", "Q2", "Q3", "Q4"}


def test_routes_follow_their_geodesics(plan: AnnualPlan) -> None:
    from pyproj import Geod

    layers = map_layers(plan, simplify_deg=0.02)
    geod = Geod(ellps="WGS84")
    for f in layers["routes"]["features"]:
        drawn = f["geometry"]["coordinates"]
        route = next(
            r.route for r in plan.routes if r.mission_id == f["properties"]["mission"]
        )
        assert route is not None
        assert len(drawn) > len(route.waypoints)
        # every drawn point lies on a geodesic leg: its length adds up
        drawn_km = geod.line_length(*zip(*drawn, strict=True)) / 1000.0
        legs_km = geod.line_length(*zip(*route.waypoints, strict=True)) / 1000.0
        assert drawn_km == pytest.approx(legs_km, rel=1e-4)


def test_every_mission_is_in_routes_gpkg_with_its_status(
    treaty: Treaty, tmp_path: Path
) -> None:
    # no site list: no mission gets a route, each is listed as "no sites"
    scenario = Scenario(year=2019, requests=(Request("DEU", "POL", 1),))
    plan = plan_year(scenario, treaty=treaty)
    out = plan.write(tmp_path / "plan")
    layer = gpd.read_file(out / "routes.gpkg")
    assert list(layer["status"]) == ["no sites"] * len(plan.schedule.missions)
    assert len(layer) == 1
    assert layer.geometry.isna().all()
    assert pyogrio.read_info(out / "routes.gpkg")["geometry_type"] == "LineString"
    features = json.loads((out / "routes.geojson").read_text())["features"]
    assert [f["properties"]["status"] for f in features] == ["no sites"]
    assert (out / "calendar.png").read_bytes()[:4] == b"\x89PNG"
    assert dt.date.fromisoformat(features[0]["properties"]["date"]).year == 2019


def test_plan_year_shows_a_bar_only_when_asked_or_interactive(
    treaty: Treaty, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = Scenario(year=2019, requests=(Request("DEU", "POL", 1),))
    plan_year(scenario, treaty=treaty)  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""
    plan_year(scenario, treaty=treaty, progress=True)
    bar = capsys.readouterr().err
    assert "6/6" in bar
    assert "routes" in bar
    seen: list[tuple[str, int, int]] = []
    plan_year(scenario, treaty=treaty, progress=lambda *a: seen.append(a))
    assert capsys.readouterr().err == ""
    assert [s for s, done, _ in seen if done == 0][:2] == ["load", "allocate"]


def test_schedule_prints_the_missions_without_an_output_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv
    import io

    from openskies.cli.main import main

    flights = tmp_path / "flights.csv"
    flights.write_text("observer,observed,flights\nSWE,POL,2\nUSA,RUS,1\n")
    argv = ["schedule", str(flights), "--year", "2019", "--time-limit", "5"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "optimal, 3 missions of 3 flights" in text
    assert "arrival (UTC)" in text
    assert "wrote" not in text
    assert text.count("SWE ") >= 2
    assert main([*argv, "--format", "json"]) == 0
    missions = json.loads(capsys.readouterr().out)
    assert sorted((m["observer"], m["observed"]) for m in missions) == [
        ("SWE", "POL"),
        ("SWE", "POL"),
        ("USA", "RUS_BLR"),
    ]
    assert all(m["arrival"].startswith("2019-") for m in missions)
    assert main([*argv, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["mission_id"] for r in rows] == [m["mission_id"] for m in missions]


def test_terminal_tables_are_plain_text_whatever_the_cells_hold() -> None:
    from openskies.cli.common import format_table

    text = format_table(
        ["party", "name"], [["RUS_BLR", "[bold]Russia[/bold] \x1b"], ["X", "é" * 300]]
    )
    lines = text.splitlines()
    assert lines[0].split() == ["party", "name"]
    assert set(lines[1]) == {"-", " "}
    assert lines[2] == "RUS_BLR  [bold]Russia[/bold] \x1b".rstrip()
    assert lines[3].endswith("é" * 300)  # never wrapped or cut
