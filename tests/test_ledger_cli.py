"""``openskies ledger``: every action, and bad input as one line with status 2."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from ledger_data import small_plan, write_scenario

from openskies import Ledger, Treaty
from openskies.cli.main import main


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory, treaty: Treaty) -> Path:
    """The small year's plan written to a directory."""
    folder = tmp_path_factory.mktemp("ledger_cli")
    plan = small_plan(folder, treaty)
    return plan.write(folder / "plan")


@pytest.fixture(scope="module")
def blank(plan_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger made by ``ledger init PLAN_DIR``."""
    path = tmp_path_factory.mktemp("ledger_cli_blank") / "year.gpkg"
    assert main(["ledger", "init", str(plan_dir), "-o", str(path)]) == 0
    return path


@pytest.fixture
def gpkg(blank: Path, tmp_path: Path) -> str:
    """A fresh copy of the blank ledger."""
    path = tmp_path / "year.gpkg"
    shutil.copyfile(blank, path)
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["ledger", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_init_from_a_plan_dir_keeps_missions_and_routes(blank: Path) -> None:
    with Ledger.open(blank) as ledger:
        assert [m.id for m in ledger.missions()] == [f"OS{n:04d}" for n in range(1, 11)]
        statuses = dict(
            ledger._con.execute("SELECT mission_id, route_status FROM missions")
        )
        geoms = dict(ledger._con.execute("SELECT mission_id, geom FROM missions"))
    assert sorted(statuses.values()).count("legal") == 9
    assert all(geoms[m] is not None for m, s in statuses.items() if s == "legal")


def test_init_from_a_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    target = tmp_path / "y.gpkg"
    status, out, _ = _run(capsys, "init", str(scenario), "-o", str(target))
    assert status == 0
    assert "created" in out
    assert "10 missions" in out
    status, _, err = _run(capsys, "init", str(scenario), "-o", str(target))
    assert status == 2
    assert err.count("\n") == 1
    assert "never replaced" in err


def test_actions_write_and_show_events(
    gpkg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        _run(capsys, "record", gpkg, "OS0001", "flown", "--date", "2020-03-01")[0] == 0
    )
    status, out, _ = _run(
        capsys,
        "record",
        gpkg,
        "OS0002",
        "curtailed",
        "--date",
        "2020-03-21",
        "--cause",
        "atc-force-majeure",
        "--counted",
        "no",
        "--track",
        "LINESTRING (37.0 55.6, 40.0 56.0)",
    )
    assert (status, out.strip()) == (0, "event 2: OS0002 curtailed on 2020-03-21")
    args = ["DEU", "POL", "1", "--to", "SWE", "--date", "2020-04-01", "--consent"]
    assert _run(capsys, "transfer", gpkg, *args)[0] == 0
    status, out, _ = _run(capsys, "imagery", gpkg, "OS0001", "--date", "2020-11-22")
    assert status == 0
    assert "USA" not in out.split()
    assert "RUS" in out.split()
    args = ["OS0001", "--date", "2020-06-01", "--requester", "CAN"]
    assert _run(capsys, "imagery", gpkg, *args)[0] == 0
    status, out, _ = _run(capsys, "balance", gpkg, "--format", "csv")
    rows = {(r["observer"], r["observed"]): r for r in csv.DictReader(io.StringIO(out))}
    assert rows[("FRA", "UKR")]["flown"] == "1"
    assert rows[("USA", "RUS_BLR")]["remaining"] == "2"  # not counted: observer chose
    assert rows[("SWE", "POL")]["transferred_in"] == "1"
    status, out, _ = _run(
        capsys, "balance", gpkg, "--as-of", "2020-03-10", "--format", "json"
    )
    early = {(r["observer"], r["observed"]): r for r in json.loads(out)}
    assert early[("DEU", "POL")]["transferred_out"] == 0
    status, out, _ = _run(capsys, "events", gpkg, "--format", "json")
    events = json.loads(out)
    assert [e["kind"] for e in events] == ["outcome", "outcome", "transfer", "imagery"]
    assert events[0]["date"] == "2020-03-01"
    status, out, _ = _run(capsys, "events", gpkg)
    assert status == 0
    assert out.splitlines()[0].split()[:3] == ["seq", "recorded_at", "kind"]


def test_replan_commit(gpkg: str, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "record", gpkg, "OS0004", "prohibited", "--date", "2020-06-10")
    args = ["--as-of", "2020-07-01", "--time-limit", "5", "--commit", "--no-routes"]
    status, out, _ = _run(capsys, "replan", gpkg, *args)
    assert status == 0
    assert "0 rule(s) broken" in out
    assert "event 2: calendar committed" in out
    # OS0004 was prohibited: RUS_BLR's flight over the USA is placed anew
    new = [line.split() for line in out.splitlines() if line.endswith(" new")]
    assert ["RUS_BLR", "USA"] in [row[1:3] for row in new]


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (
            ["record", "{g}", "OS0099", "flown", "--date", "2020-03-01"],
            "unknown mission",
        ),
        (["record", "{g}", "OS0001", "landed", "--date", "2020-03-01"], "outcome must"),
        (["record", "{g}", "OS0001", "flown", "--date", "1 March"], "ISO date"),
        (
            [
                "record",
                "{g}",
                "OS0002",
                "curtailed",
                "--date",
                "2020-03-21",
                "--cause",
                "target-medical",
            ],
            "pass --counted",
        ),
        (
            [
                "record",
                "{g}",
                "OS0001",
                "flown",
                "--date",
                "2020-03-01",
                "--track",
                "LINESTRING (",
            ],
            "not WKT",
        ),
        (
            [
                "transfer",
                "{g}",
                "DEU",
                "POL",
                "1",
                "--to",
                "SWE",
                "--date",
                "2020-04-01",
            ],
            "pass --consent",
        ),
        (
            [
                "transfer",
                "{g}",
                "DEU",
                "POL",
                "x",
                "--to",
                "SWE",
                "--date",
                "2020-04-01",
            ],
            "invalid int",
        ),
        (
            ["imagery", "{g}", "OS0001", "--date", "2020-12-01", "--requester", "USA"],
            "USA is not a state party on 2020-12-01",
        ),
        (["balance", "{g}", "--as-of", "2020-13-01"], "as_of must be a date"),
        (["balance", "{g}", "--format", "xml"], "invalid choice"),
        (["replan", "{g}", "--as-of", "2021-02-01"], "outside the quota year"),
        (["events", "nowhere.gpkg"], "no such ledger file"),
        (["bogus"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    gpkg: str, capsys: pytest.CaptureFixture[str], argv: list[str], match: str
) -> None:
    status, out, err = _run(capsys, *[a.format(g=gpkg) for a in argv])
    assert status == 2
    assert err.count("\n") == 1
    assert match in err
    assert out == ""
