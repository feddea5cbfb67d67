"""Every script in examples/ runs, and what it shows is true."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from geographiclib.geodesic import Geodesic

from openskies.treaty.resources import bundled_dir

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _run(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[Any, str]:
    """Import ``examples/<name>.py`` as a module, run ``main()``, return its output."""
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.main()
    return result, capsys.readouterr().out


def test_every_example_is_tested() -> None:
    names = sorted(p.stem for p in EXAMPLES.glob("*.py"))
    assert names == [
        "01_first_distribution_2002",
        "02_after_us_withdrawal_2021",
        "03_kaliningrad_cap",
        "04_plan_one_mission",
        "05_year_as_it_happens",
        "06_sweep_membership",
    ]


def test_01_first_distribution(capsys: pytest.CaptureFixture[str]) -> None:
    result, out = _run("01_first_distribution_2002", capsys)
    distribution = result["distribution"]
    # Annex A II.1: nine flights over Ukraine = floor(0.75 x 12), a shared flight
    # using one unit of its passive quota
    assert distribution.received("UKR") == 9
    entitlement = result["findings"]["entitlement"]
    assert [(v.rule, v.binding, v.parties) for v in entitlement] == [
        ("Annex A II.1", False, ("POL",))
    ]
    # read from the distributed totals, the cap ceil(total / 2) is broken by
    # DEU, FRA and GBR (3 flights over RUS_BLR of 4 in all: cap 2) and the USA
    # (8 of 9: cap 5)
    binding = [v for v in result["findings"]["distributed"] if v.binding]
    assert sorted((v.rule, v.value, v.limit) for v in binding) == [
        ("III.I.10", 3, 2),
        ("III.I.10", 3, 2),
        ("III.I.10", 3, 2),
        ("III.I.10", 8, 5),
    ]
    assert "0 binding violation(s)" in out
    assert "4 binding violation(s)" in out


def test_02_after_us_withdrawal(capsys: pytest.CaptureFixture[str]) -> None:
    result, out = _run("02_after_us_withdrawal_2021", capsys)
    with (bundled_dir("quotas") / "requests_2020_illustrative.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert result["dropped"] == sum(
        "USA" in (r["observer"], r["observed"]) for r in rows
    )
    before = result["plans"][2020].distribution
    after = result["plans"][2021].distribution
    assert "USA" in before.parties()
    assert "USA" not in after.parties()
    # the United States loses everything it flew and received
    assert result["lost"]["USA"] == before.active("USA") + before.received("USA") > 0
    # each flight counts once for its observer and once for its target (no
    # shared flights here), so the losses add up to twice the flights lost
    assert not before.shared
    assert not after.shared
    assert sum(result["lost"].values()) == 2 * (before.total - after.total)
    assert result["plans"][2021].view.date.isoformat() == "2021-01-01"
    assert "lost" in out


def test_03_kaliningrad_cap(capsys: pytest.CaptureFixture[str]) -> None:
    result, out = _run("03_kaliningrad_cap", capsys)
    treaty_reading = result["reports"]["treaty"]
    russian_reading = result["reports"]["observed-party"]
    # the same 516 km zigzag: a finding under the treaty, a violation for Russia
    assert treaty_reading.legal
    assert not russian_reading.legal
    assert [(v.rule, v.binding) for v in treaty_reading.violations] == [
        ("KGD-500", False)
    ]
    assert [v.rule for v in russian_reading.binding] == ["KGD-500"]
    km = treaty_reading.distance_by_region["kaliningrad_oblast"]
    assert 500.0 < km < 520.0
    # the planner keeps the cap when it binds, and may exceed it when it does not
    planned = result["plans"]["observed-party"].report
    assert planned.legal
    assert planned.distance_by_region["kaliningrad_oblast"] <= 500.0
    assert result["plans"]["treaty"].report.legal
    assert len(result["plans"]["treaty"].visited) >= len(
        result["plans"]["observed-party"].visited
    )
    # the oblast (about 15,000 km2 of land) is reached under both readings
    assert all(10_000 < a < 20_000 for a in result["reached_km2"].values())
    assert "area lost to KGD-500" in out


def test_04_plan_one_mission(capsys: pytest.CaptureFixture[str]) -> None:
    result, out = _run("04_plan_one_mission", capsys)
    plan = result["plan"]
    assert plan.route is not None
    assert plan.start == plan.end == "UUMB"
    assert plan.max_distance_km == 5500.0  # Kubinka from 2013 (announced)
    assert plan.distance_km <= 5500.0
    assert all(r.legal for r in result["reports"].values())
    labels = {s.label: s for s in result["sites"]}
    assert all(labels[str(v)].observed in ("RUS", "BLR") for v in plan.visited)
    # Vladivostok is 6,400+ km from Kubinka (GeographicLib): out and back is
    # beyond 5,500 km, so it must be reported unreachable, not silently dropped
    far = Geodesic.WGS84.Inverse(55.608, 36.653, 43.115, 131.885)["s12"] / 1000
    assert 2 * far > 5500.0
    assert "Vladivostok (RUS)" in dict(plan.unreachable)
    assert "check_route, reading 'observed-party': legal=True" in out


def test_05_year_as_it_happens(capsys: pytest.CaptureFixture[str]) -> None:
    import pyogrio

    result, out = _run("05_year_as_it_happens", capsys)
    balance = result["balance"].set_index(["observer", "observed"])
    # flown, and curtailed by the weather: both count (R5, R21)
    assert balance.loc[("FRA", "UKR")].flown == 1
    assert balance.loc[("USA", "RUS_BLR")].flown == 1
    assert balance.loc[("USA", "RUS_BLR")].passive_left == 42 - 1
    # the transfer: one of Germany's two flights over Poland is Sweden's
    assert balance.loc[("DEU", "POL")].remaining == 1
    assert balance.loc[("SWE", "POL")].transferred_in == 1
    assert "USA is not a state party on 2020-12-01" in result["refused"]
    assert result["replan"].reasons == ()
    assert list(result["events"].kind) == [
        "outcome",
        "outcome",
        "transfer",
        "imagery",
        "calendar",
    ]
    layers = dict(pyogrio.list_layers(result["path"]))
    assert layers["missions"] == "LineString"
    assert "refused: Art. IX.IV" in out


def test_06_sweep_membership(capsys: pytest.CaptureFixture[str]) -> None:
    import datetime as dt

    result, out = _run("06_sweep_membership", capsys)
    frame = result["results"]
    assert list(frame["status"]) == ["ok", "ok", "ok"]
    assert list(frame["year"]) == [2020, 2020, 2021]
    # the US asks 21 + 2 + ... flights and is asked for some: all withdrawn
    requests = bundled_dir("quotas") / "requests_2020_illustrative.csv"
    with requests.open(newline="") as f:
        rows = list(csv.DictReader(f))
    us = sum(int(r["flights"]) for r in rows if "USA" in (r["observer"], r["observed"]))
    assert frame.loc[1, "requested"] == frame.loc[0, "requested"] - us
    assert frame.loc[1, "granted"] < frame.loc[0, "granted"]
    missions = result["us_missions"]
    assert missions
    assert all(m.arrival.date() >= dt.date(2021, 6, 1) for m in missions)
    assert "2020 without the US" in out
