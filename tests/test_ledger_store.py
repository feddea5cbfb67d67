"""The ledger file: a GeoPackage that GDAL reads, refusals on opening, durability."""

from __future__ import annotations

import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pyogrio
import pytest
from ledger_data import balance_by_pair, replay, small_plan
from shapely.geometry import LineString, Point

from openskies import Ledger, Treaty
from openskies.annual.plan import AnnualPlan
from openskies.errors import DataError
from openskies.ledger.schema import decode_geometry, encode_geometry

ROOT = Path(__file__).resolve().parents[1]
WRITER = Path(__file__).with_name("ledger_writer.py")


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory, treaty: Treaty) -> AnnualPlan:
    """The small 2020 year of ``ledger_data``, planned once."""
    return small_plan(tmp_path_factory.mktemp("ledger_plan"), treaty)


@pytest.fixture
def path(tmp_path: Path, plan: AnnualPlan) -> Path:
    """A new ledger file, closed."""
    target = tmp_path / "year.gpkg"
    Ledger.create(target, plan).close()
    return target


def _pragma(path: Path, name: str) -> object:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        con.close()


# ---------------------------------------------------------------- GeoPackage
def test_file_is_a_geopackage_1_3(path: Path) -> None:
    assert _pragma(path, "application_id") == 0x47504B47  # 'GPKG'
    assert _pragma(path, "user_version") == 10300
    assert _pragma(path, "integrity_check") == "ok"
    con = sqlite3.connect(path)
    srs = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT srs_id, organization, organization_coordsys_id"
            " FROM gpkg_spatial_ref_sys"
        )
    }
    con.close()
    assert srs == {-1: ("NONE", -1), 0: ("NONE", 0), 4326: ("EPSG", 4326)}


def test_gdal_reads_every_layer(path: Path, plan: AnnualPlan) -> None:
    layers = dict(pyogrio.list_layers(path))
    assert layers == {
        "missions": "LineString",
        "tracks": "LineString",
        "airfields": "Point",
        "ledger_meta": None,
        "distribution": None,
        "parties": None,
        "events": None,
        "balance": None,
    }
    missions = pyogrio.read_dataframe(path, layer="missions")
    assert missions.crs.to_epsg() == 4326
    assert list(missions.mission_id) == [m.id for m in plan.schedule.missions]
    # the route geometry is the planner's line, vertex for vertex
    for route in plan.routes:
        row = missions[missions.mission_id == route.mission_id].iloc[0]
        if route.route is None:
            assert row.geometry is None
        else:
            assert row.geometry.equals_exact(route.route.line, 1e-12)
    airfields = pyogrio.read_dataframe(path, layer="airfields")
    assert airfields.crs.to_epsg() == 4326
    assert "UUMB" in set(airfields.airfield_id)  # Kubinka, over RUS_BLR
    distribution = pyogrio.read_dataframe(path, layer="distribution")
    assert dict(
        zip(
            zip(distribution.observer, distribution.observed, strict=True),
            distribution.flights,
            strict=True,
        )
    ) == dict(plan.distribution.flights)
    balance = pyogrio.read_dataframe(path, layer="balance")
    assert int(balance.remaining.sum()) == plan.distribution.total == 10


def test_geometry_blob_round_trips_and_has_the_header() -> None:
    line = LineString([(-1.5, 47.2), (4.9, 43.5)])
    blob = encode_geometry(line)
    assert blob is not None
    assert blob[:4] == b"GP\x00\x03"
    assert int.from_bytes(blob[4:8], "little") == 4326
    assert decode_geometry(blob) == line
    assert encode_geometry(None) is None
    assert encode_geometry(Point()) is None


# ---------------------------------------------------------------- opening
def test_open_refuses_another_schema_version(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("UPDATE ledger_meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(DataError, match=r"schema version '99'.*reads version 1"):
        Ledger.open(path)


def test_open_refuses_a_geopackage_that_is_not_a_ledger(tmp_path: Path) -> None:
    import geopandas as gpd

    other = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=4326).to_file(other)
    with pytest.raises(DataError, match="a GeoPackage, but not an openskies ledger"):
        Ledger.open(other)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"observer,observed\nDEU,POL\n", "not a readable ledger"),
        (b"", "not a GeoPackage"),
    ],
)
def test_open_refuses_files_that_are_not_ledgers(
    tmp_path: Path, content: bytes, match: str
) -> None:
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(content)
    with pytest.raises(DataError, match=match):
        Ledger.open(bad)


def test_open_refuses_a_damaged_file(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    for k in range(2 * page, len(data), page):  # scribble over every page but 0-1
        data[k + 100 : k + 400] = b"\xff" * 300
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="damaged"):
        Ledger.open(path)


def test_open_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such ledger file"):
        Ledger.open(tmp_path / "nowhere.gpkg")


# ---------------------------------------------------------------- nothing lost
def _consistent(path: Path) -> int:
    """Assert the ledger is whole and its balance a replay; return the events."""
    assert _pragma(path, "integrity_check") == "ok"
    with Ledger.open(path) as ledger:
        events = ledger.events()
        assert list(events.seq) == list(range(1, len(events) + 1))
        computed = balance_by_pair(ledger.balance())
        assert computed == replay(
            dict(ledger._distribution),
            dict(ledger._passive),
            events.to_dict("records"),
        )
        import pandas as pd

        stored = pd.read_sql("SELECT * FROM balance", ledger._con)
        assert balance_by_pair(stored) == computed
        calendars = {
            int(c)
            for (c,) in ledger._con.execute("SELECT DISTINCT calendar FROM missions")
        }
        committed = set(events.seq[events.kind == "calendar"])
        assert calendars == {0} | committed  # every calendar event has its missions
    return len(events)


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
    }


def _wait_for_writes(path: Path, before: int, writer: subprocess.Popen[bytes]) -> None:
    """Wait until ``writer`` has stored an event beyond ``before`` (at most 120 s)."""
    for _ in range(6000):
        assert writer.poll() is None, "the writer stopped on its own"
        con = sqlite3.connect(path, timeout=60)
        try:
            (count,) = con.execute("SELECT COUNT(*) FROM events").fetchone()
        finally:
            con.close()
        if count > before:
            return
        time.sleep(0.02)
    raise AssertionError("the writer stored nothing in 120 s")


def test_killed_writers_leave_a_consistent_ledger(path: Path) -> None:
    with Ledger.open(path) as ledger:
        for m in ledger.missions():
            if m.arrival.month <= 3:
                ledger.record(m.id, "flown", date=m.arrival.date())
    rng = random.Random(13)
    counts = [_consistent(path)]
    for round_ in range(8):
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), str(path), "churn", str(round_)],
            env=_env(),
            stderr=subprocess.PIPE,
        )
        _wait_for_writes(path, counts[-1], writer)
        time.sleep(rng.uniform(0, 0.4))  # a random moment of its writing
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert writer.returncode == -signal.SIGKILL, writer.stderr.read()  # type: ignore[union-attr]
        writer.stderr.close()  # type: ignore[union-attr]
        counts.append(_consistent(path))
    assert all(b > a for a, b in itertools.pairwise(counts))  # each wrote


def test_two_writers_at_once_are_serialised(path: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), str(path), "race", str(seed), str(go)],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in (1, 2)
    ]
    for w in writers:
        assert w.stdout is not None
        assert w.stdout.readline().strip() == "ready"
    go.touch()
    outputs = [w.communicate(timeout=120) for w in writers]
    assert [w.returncode for w in writers] == [0, 0], [err for _, err in outputs]
    won = [
        {line.split()[1] for line in out.splitlines() if line.startswith("won")}
        for out, _ in outputs
    ]
    # every mission got exactly one outcome, from one process or the other
    assert won[0].isdisjoint(won[1])
    assert len(won[0] | won[1]) == 10
    assert _consistent(path) == 10 + 2 * 20
    with Ledger.open(path) as ledger:
        events = ledger.events()
        assert events.mission_id[events.kind == "outcome"].is_unique


# ---------------------------------------------------------------- regressions (fuzz)
def test_a_table_with_other_columns_is_refused(path: Path) -> None:
    # found by test_fuzz_ledger: one byte changed in the schema's SQL renamed a
    # column, and the first query of it raised sqlite3.OperationalError
    con = sqlite3.connect(path)
    con.execute("PRAGMA writable_schema = ON")
    con.execute(
        "UPDATE sqlite_master SET sql = replace(sql, 'aircraft TEXT', 'aircrafX TEXT')"
        " WHERE name = 'missions'"
    )
    con.commit()
    con.close()
    with pytest.raises(DataError, match=r"table missions has columns .*aircrafX"):
        Ledger.open(path)


def test_text_that_is_not_utf8_reads_with_replacement(path: Path) -> None:
    # found by test_fuzz_ledger: bytes that are not UTF-8 raised UnicodeDecodeError
    con = sqlite3.connect(path)
    con.execute(
        "UPDATE ledger_meta SET value = CAST(X'FF80' AS TEXT) WHERE key = 'scenario'"
    )
    con.commit()
    con.close()
    with Ledger.open(path) as ledger:
        assert ledger._scenario == "\ufffd\ufffd"
        assert len(ledger.missions()) == 10
