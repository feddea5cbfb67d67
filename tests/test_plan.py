"""The annual plan end to end: a small hand-worked year, its outputs and the CLI.

The small scenario (2019) asks for six flights, each well inside every quota
and cap, so the distribution must grant exactly what is asked; the validators
(written from the treaty text, independent of the solvers) must find nothing;
and each mission's route status follows from the data: Georgia's only airfield
(UGTB) has no maximum flight distance, and Poland's site list holds no site in
Hungary.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies import OptionsError, OutputError, Treaty
from openskies.allocation.allocate import UnmetReason
from openskies.allocation.problem import Request
from openskies.annual.plan import (
    OUTPUT_FILES,
    PLAN_MARKER,
    STAGES,
    AnnualPlan,
    plan_year,
)
from openskies.annual.scenario import Scenario
from openskies.annual.scenario_reader import load_scenario
from openskies.cli.main import main
from openskies.output.calendar_export import read_missions_csv
from openskies.rules.distribution_check import check_distribution
from openskies.rules.legality import check_route
from openskies.rules.schedule_check import check_schedule
from openskies.treaty.distribution import Distribution
from openskies.treaty.resources import bundled_dir

SMALL = """\
title = "Small test year"
year = 2019
requests = "requests.csv"
allow_partial = false

[routes]
reading = "treaty"
revisit_value = 0.0

[routes.sites]
"*" = "{sites}"
POL = "pol_sites.csv"

[solver.routes]
time_limit_s = 0.2
"""

REQUESTS = """\
observer,observed,flights
USA,RUS,2
RUS,USA,1
DEU,POL,1
SWE,GEO,1
POL,HUN,1
"""

#: What a plan directory holds: the outputs and the marker.
WRITTEN = sorted([PLAN_MARKER, *OUTPUT_FILES])


@pytest.fixture(scope="module")
def small_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small scenario file, its requests and Poland's own site list."""
    folder = tmp_path_factory.mktemp("small")
    (folder / "requests.csv").write_text(REQUESTS)
    # Poland's sites are all in Germany: none for its mission over Hungary
    (folder / "pol_sites.csv").write_text(
        "observed,name,lon,lat,value\nDEU,Berlin,13.405,52.52,1\n"
        "DEU,Leipzig,12.375,51.34,1\n"
    )
    sites = bundled_dir("quotas") / "sites_illustrative.csv"
    path = folder / "small.toml"
    path.write_text(SMALL.format(sites=sites))
    return path


@pytest.fixture(scope="module")
def small(small_file: Path, treaty: Treaty) -> AnnualPlan:
    """The small year, planned once."""
    return plan_year(small_file, treaty=treaty)


def test_distribution_grants_what_is_asked_and_passes_the_validator(
    small: AnnualPlan,
) -> None:
    # every pair is far below its caps (e.g. SWE over GEO: 1 <= min(ceil(7/2),
    # ceil(4/2)) = 2) and reciprocity USA/RUS_BLR holds (2 >= min(2, 1), 1 >= 1)
    assert dict(small.distribution.flights) == {
        ("USA", "RUS_BLR"): 2,
        ("RUS_BLR", "USA"): 1,
        ("DEU", "POL"): 1,
        ("SWE", "GEO"): 1,
        ("POL", "HUN"): 1,
    }
    assert small.allocation.unmet == ()
    assert small.distribution_violations == ()
    assert check_distribution(small.view, 2019, small.distribution) == []


def test_calendar_places_every_flight_and_passes_the_validator(
    small: AnnualPlan,
) -> None:
    missions = small.schedule.missions
    assert len(missions) == 6
    assert small.schedule_violations == ()
    assert check_schedule(small.view, small.schedule) == []
    pairs = sorted((m.observer, m.observed) for m in missions)
    assert pairs == sorted(
        [("USA", "RUS_BLR")] * 2
        + [("RUS_BLR", "USA"), ("DEU", "POL"), ("SWE", "GEO"), ("POL", "HUN")]
    )


def test_route_status_of_each_mission(small: AnnualPlan) -> None:
    status = {(r.observer, r.observed): r.status for r in small.routes}
    assert status[("SWE", "GEO")] == "no start"  # UGTB: no maximum distance
    assert status[("POL", "HUN")] == "no sites"  # Poland's list: Germany only
    assert status[("DEU", "POL")] == "legal"
    assert status[("RUS_BLR", "USA")] == "legal"
    assert [r.status for r in small.routes if r.observer == "USA"] == ["legal"] * 2
    assert [r.mission_id for r in small.routes] == [
        m.id for m in small.schedule.missions
    ]


def test_every_route_is_legal_when_checked_again_independently(
    small: AnnualPlan, treaty: Treaty
) -> None:
    for r in small.routes:
        if r.route is None:
            assert r.report is None
            continue
        mission = next(m for m in small.schedule.missions if m.id == r.mission_id)
        assert r.date == mission.arrival.date()
        again = check_route(
            treaty.as_of(r.date), r.route, observer=r.observer, observed=r.observed
        )
        assert again.legal
        airfield = treaty.as_of(r.date).airfield(r.start)
        assert airfield.max_distance_km is not None
        assert again.distance_km <= airfield.max_distance_km
        # the routes start at the point of entry (each is an OSA with a distance)
        assert r.start == mission.poe
        assert r.route.waypoints[0] == pytest.approx((airfield.lon, airfield.lat))


def test_revisited_sites_lose_their_value(small: AnnualPlan) -> None:
    # revisit_value = 0: the second US mission over Russia gains nothing from
    # sites the first one visited or covered, so it visits none of them
    first, second = (r.plan for r in small.routes if r.observer == "USA")
    assert first is not None
    assert second is not None
    assert first.visited
    assert second.visited
    assert not set(second.visited) & (set(first.visited) | set(first.covered))


def test_routes_are_planned_once_per_rule_period(small: AnnualPlan) -> None:
    # nothing a US route over Russia obeys changes during 2019 (members,
    # airfields, KGD-500, GEO-10KM, RUS-2018 hold all year): one rule period
    first, second = (r for r in small.routes if r.observer == "USA")
    assert first.planned_on == second.planned_on == first.date
    assert second.date > first.date


def test_summary_counts(small: AnnualPlan) -> None:
    summary = small.summary
    assert (summary.requested, summary.granted, summary.unmet) == (6, 6, 0)
    assert (summary.missions, summary.left_out) == (6, 0)
    assert dict(summary.routes) == {"legal": 4, "no start": 1, "no sites": 1}
    text = str(summary)
    assert "6 requested, 6 granted, 0 unmet" in text
    assert "4 legal, 1 no sites, 1 no start" in text
    assert set(small.timings) == set(STAGES)


def test_write_outputs_round_trip(small: AnnualPlan, tmp_path: Path) -> None:
    out = small.write(tmp_path / "plan")
    assert sorted(p.name for p in out.iterdir()) == WRITTEN
    assert Distribution.read_csv(out / "distribution.csv") == small.distribution
    assert read_missions_csv(out / "missions.csv") == small.schedule.missions
    with (out / "missions.csv").open() as handle:
        assert next(csv.reader(handle))[:8] == [
            "mission_id",
            "observer",
            "observed",
            "poe",
            "aircraft",
            "notice",
            "arrival",
            "end",
        ]
    ics = (out / "missions.ics").read_text()
    assert ics.count("BEGIN:VEVENT") == 6
    every = json.loads((out / "routes.geojson").read_text())["features"]
    # every mission, with its status; the unrouted ones without geometry
    assert [
        (f["properties"]["mission_id"], f["properties"]["status"]) for f in every
    ] == [(r.mission_id, r.status) for r in small.routes]
    features = [f for f in every if f["geometry"] is not None]
    routed = [r for r in small.routes if r.route is not None]
    assert [f["properties"]["mission_id"] for f in features] == [
        r.mission_id for r in routed
    ]
    assert all(f["properties"]["legal"] is True for f in features)
    first = features[0]["geometry"]["coordinates"]
    assert routed[0].route is not None
    np.testing.assert_allclose(first, routed[0].route.waypoints, atol=1e-9)
    import geopandas as gpd

    layer = gpd.read_file(out / "routes.gpkg")
    assert list(layer["mission_id"]) == [r.mission_id for r in small.routes]
    assert list(layer["status"]) == [r.status for r in small.routes]
    assert int(layer.geometry.notna().sum()) == len(routed)
    png = (out / "map.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == 1600  # 16 in at 100 dpi
    page = (out / "report.html").read_text()
    assert "Small test year" in page
    # self-contained: no external script, stylesheet or image
    assert "<script src" not in page
    assert "<link" not in page
    assert "<img" not in page
    assert "url(http" not in page


def test_write_replaces_only_a_previous_plan(small: AnnualPlan, tmp_path: Path) -> None:
    target = tmp_path / "plan"
    target.mkdir()
    (target / "thesis.tex").write_text("mine")
    for force in (False, True):  # a folder that is not a plan is never replaced
        with pytest.raises(OutputError, match="holds no openskies plan"):
            small.write(target, force=force)
    assert [p.name for p in target.iterdir()] == ["thesis.tex"]
    (target / "thesis.tex").unlink()
    small.write(target)  # an empty directory may be used
    marker = json.loads((target / PLAN_MARKER).read_text())
    assert marker["files"] == sorted(OUTPUT_FILES)
    assert marker["year"] == 2019
    with pytest.raises(FileExistsError, match="already exists and holds a plan"):
        small.write(target)
    (target / "notes.txt").write_text("my notes")
    with pytest.raises(OutputError, match=r"'notes\.txt', which is not part of it"):
        small.write(target, force=True)
    (target / "notes.txt").unlink()
    small.write(target, force=True)
    assert sorted(p.name for p in target.iterdir()) == WRITTEN
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]  # no leftovers
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is not a directory"):
        small.write(tmp_path / "file", force=True)
    with pytest.raises(OptionsError, match="NUL"):
        small.write(tmp_path / "a\0b")
    with pytest.raises(OutputError, match=r"is a file, so .* cannot be created"):
        small.write(tmp_path / "file" / "sub" / "plan")


def test_a_failed_write_leaves_the_directory_as_it_was(
    small: AnnualPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "plan"
    small.write(target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("openskies.output.report.write_map_png", disk_full)
    with pytest.raises(OSError, match="No space left"):
        small.write(target, force=True)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_progress_reports_every_stage_in_order(
    small_file: Path, treaty: Treaty
) -> None:
    calls: list[tuple[str, int, int]] = []
    plan = plan_year(
        load_scenario(small_file, treaty=treaty).replace(sites={}),
        treaty=treaty,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    started = [stage for stage, done, _ in calls if done == 0]
    assert started == list(STAGES)
    routes = [(done, total) for stage, done, total in calls if stage == "routes"]
    assert routes == [(k, 6) for k in range(7)]
    # without sites no route is planned; Georgia still lacks a starting airfield
    assert [r.status for r in plan.routes].count("no start") == 1
    assert {r.status for r in plan.routes} == {"no sites", "no start"}


def test_cli_plan_writes_the_directory_and_refuses_to_overwrite(
    small_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["plan", str(small_file), "-o", str(out), "-q"]) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    assert "6 requested, 6 granted, 0 unmet" in printed.out
    assert "6 placed, 0 left out" in printed.out
    assert "4 legal" in printed.out
    assert sorted(p.name for p in out.iterdir()) == WRITTEN
    stamp = os.stat(out / "distribution.csv").st_mtime_ns
    assert main(["plan", str(small_file), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err
    assert "--force" in err
    assert len(err.strip().splitlines()) == 1
    assert os.stat(out / "distribution.csv").st_mtime_ns == stamp


def test_cli_reports_a_bad_scenario_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('year = 2019\nrequests = "requests.csv"\nobjectve = "fair"\n')
    (tmp_path / "requests.csv").write_text("observer,observed,flights\n")
    assert main(["plan", str(bad), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err
    assert "objectve" in err
    assert "'objective'" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_plan_year_refuses_a_scenario_of_the_wrong_kind() -> None:
    with pytest.raises(OptionsError, match="as_of 2020-06-01 is not in year 2019"):
        Scenario(year=2019, requests=(), as_of=dt.date(2020, 6, 1))


# --- properties: any request set gives a plan both validators accept -----------

PARTIES_2019 = ("USA", "RUS_BLR", "DEU", "FRA", "POL", "UKR", "SWE", "TUR", "GBR")


@settings(max_examples=8)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(PARTIES_2019),
            st.sampled_from(PARTIES_2019),
            st.integers(min_value=1, max_value=25),
        ).filter(lambda r: r[0] != r[1]),
        min_size=1,
        max_size=12,
    )
)
def test_any_requests_give_a_plan_the_validators_accept(
    treaty: Treaty, rows: list[tuple[str, str, int]]
) -> None:
    scenario = Scenario(
        year=2019,
        requests=tuple(Request(o, t, n) for o, t, n in rows),
    )
    plan = plan_year(scenario, treaty=treaty)
    asked: dict[tuple[str, str], int] = {}
    for o, t, n in rows:
        asked[(o, t)] = asked.get((o, t), 0) + n
    granted = plan.distribution
    assert all(granted[pair] <= n for pair, n in asked.items())
    assert set(granted.flights) <= set(asked)
    summary = plan.summary
    assert summary.requested == sum(asked.values())
    assert summary.granted + summary.unmet == summary.requested
    assert (
        check_distribution(plan.view, 2019, granted, requests=scenario.requests) == []
    )
    assert summary.missions + summary.left_out == granted.total
    assert check_schedule(plan.view, plan.schedule) == []
    assert {r.status for r in plan.routes} <= {"no sites"}  # no site list given


def test_a_year_without_distribution_writes_an_empty_plan(
    tmp_path: Path, treaty: Treaty
) -> None:
    # 2018: no annual distribution was adopted (Y2018-NONE freezes every pair at
    # zero flights), so nothing is granted, scheduled or routed
    scenario = Scenario(
        year=2018, requests=(Request("USA", "RUS", 3), Request("DEU", "POL", 1))
    )
    plan = plan_year(scenario, treaty=treaty)
    assert plan.distribution.total == 0
    assert {u.reasons for u in plan.allocation.unmet} == {(UnmetReason.QUOTA_FREEZE,)}
    assert (plan.summary.unmet, plan.schedule.missions, plan.routes) == (4, (), ())
    out = plan.write(tmp_path / "plan")
    assert sorted(p.name for p in out.iterdir()) == WRITTEN
    assert (out / "distribution.csv").read_text() == "observer,observed,flights\n"
    assert json.loads((out / "routes.geojson").read_text())["features"] == []
    # the empty layer is typed: line strings, numbers and a boolean verdict
    import pyogrio

    info = pyogrio.read_info(out / "routes.gpkg")
    assert info["geometry_type"] == "LineString"
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["value"] == types["distance_km"] == "OFTReal"
    assert types["sites_visited"] == "OFTInteger64"
    assert info["ogr_subtypes"][list(info["fields"]).index("legal")] == "OFSTBoolean"
    assert types["mission_id"] == "OFTString"
