"""``--format text|json|csv`` on every command that prints, compared to the library.

JSON is parsed with :mod:`json`, CSV with :mod:`csv` (one header row), and the
figures are checked against the library's own values and, where a fact is known
independently, against the treaty (passive quotas of treaty.md, section 1).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from openskies.cli.main import main
from openskies.geo.geodesy import area_km2
from openskies.rules.reach import reachable_area
from openskies.treaty.model import Treaty

#: Passive quotas in force on 2020-01-01 that treaty.md gives as confirmed.
TREATY_QUOTAS = {
    "BENELUX": 6,
    "BGR": 4,
    "CAN": 12,
    "DEU": 12,
    "DNK": 6,
    "ESP": 4,
    "FRA": 12,
    "GBR": 12,
    "GRC": 4,
    "HUN": 4,
    "ISL": 4,
    "ITA": 12,
    "NOR": 7,
    "POL": 6,
    "PRT": 2,
    "ROU": 6,
    "RUS_BLR": 42,
    "TUR": 12,
    "UKR": 12,
    "USA": 42,
}


def _out(capsys: pytest.CaptureFixture[str], argv: list[str], status: int = 0) -> str:
    assert main(argv) == status, capsys.readouterr().err
    return capsys.readouterr().out


def _csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """Return the header and the rows of CSV text, checking one header row."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert all(row != header for row in rows[1:])
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


# ----------------------------------------------------------------- states, show


def test_states_json_lists_34_states_with_the_treaty_passive_quotas(
    capsys: pytest.CaptureFixture[str], treaty: Treaty
) -> None:
    doc = json.loads(
        _out(capsys, ["states", "--as-of", "2020-01-01", "--format", "json"])
    )
    assert doc["date"] == "2020-01-01"
    assert doc["entered_into_force"] == "2002-01-01"
    assert doc["states_parties"] == 34
    assert sum(len(p["states"]) for p in doc["parties"]) == 34
    quotas = {p["party"]: p["passive_quota"] for p in doc["parties"]}
    assert {k: quotas[k] for k in TREATY_QUOTAS} == TREATY_QUOTAS
    view = treaty.as_of("2020-01-01")
    assert quotas == {p.code: p.passive_quota for p in view.parties}
    assert doc["total_passive_quota"] == sum(quotas.values())
    assert list(doc["parties"][0]) == [
        "party",
        "name",
        "passive_quota",
        "quota_status",
        "states",
    ]


def test_states_csv_has_one_header_row_and_the_json_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["states", "--as-of", "2020-01-01", "--format"]
    header, rows = _csv(_out(capsys, [*argv, "csv"]))
    doc = json.loads(_out(capsys, [*argv, "json"]))
    assert header == ["party", "name", "passive_quota", "quota_status", "states"]
    assert len(rows) == len(doc["parties"]) == 31
    for row, party in zip(rows, doc["parties"], strict=True):
        assert row["party"] == party["party"]
        assert int(row["passive_quota"]) == party["passive_quota"]
        assert row["states"].split() == party["states"]


def test_states_json_before_entry_into_force_is_an_empty_list(
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = json.loads(
        _out(capsys, ["states", "--as-of", "1990-01-01", "--format", "json"])
    )
    assert doc["parties"] == []
    assert doc["entered_into_force"] == "2002-01-01"


def test_show_json_and_csv_give_the_airfields_of_the_library(
    capsys: pytest.CaptureFixture[str], treaty: Treaty
) -> None:
    argv = ["show", "DEU", "--as-of", "2019-06-01", "--format"]
    doc = json.loads(_out(capsys, [*argv, "json"]))
    view = treaty.as_of("2019-06-01")
    airfields = view.airfields("DEU")
    assert [a["id"] for a in doc["airfields"]] == [a.id for a in airfields]
    assert doc["airfields"][0]["max_km"] == airfields[0].distance.max_km
    assert doc["passive_quota"] == 12
    assert doc["states"] == ["DEU"]
    header, rows = _csv(_out(capsys, [*argv, "csv"]))
    assert header[:3] == ["id", "name", "roles"]
    assert [r["id"] for r in rows] == [a.id for a in airfields]
    assert [float(r["lat"]) for r in rows] == [a.lat for a in airfields]


# ---------------------------------------------------------- one territory area


@pytest.mark.parametrize(("code", "airfield"), [("RUS", "UUMB"), ("DEU", "EDDK")])
def test_show_and_reachable_area_give_one_territory_area(
    capsys: pytest.CaptureFixture[str], treaty: Treaty, code: str, airfield: str
) -> None:
    # show RUS used to print Russia's own area (18,106,578 km2) under the
    # heading of party RUS_BLR, whose territory reachable_area measures
    # (Russia and Belarus: 18,314,077 km2)
    argv = ["show", code, "--as-of", "2019-06-01"]
    shown = json.loads(_out(capsys, [*argv, "--format", "json"]))["territory_km2"]
    view = treaty.as_of("2019-06-01")
    reach = reachable_area(view, code, airfield, resolution_km=500)
    assert shown == pytest.approx(reach.territory_km2, rel=1e-4)
    text = _out(capsys, argv)
    assert f"{reach.territory_km2:,.0f} km2" in text
    assert "geodesic area on WGS84" in text


def test_the_party_area_is_the_sum_of_its_states_areas(treaty: Treaty) -> None:
    view = treaty.as_of("2019-06-01")
    rus, blr = (area_km2(view.territory(s)) for s in ("RUS", "BLR"))
    assert 17.0e6 < rus < 18.5e6  # Russia, land and territorial sea
    assert 200_000 < blr < 215_000  # Belarus is landlocked: 207,600 km2
    assert area_km2(view.territory("RUS_BLR")) == pytest.approx(rus + blr, rel=1e-6)


# ------------------------------------------------- allocate, check-distribution


def test_allocate_json_and_csv_give_the_distribution(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    requests = tmp_path / "requests.csv"
    requests.write_text("observer,observed,flights\nSWE,POL,2\nUSA,RUS,3\nDEU,FRA,1\n")
    out = tmp_path / "d.csv"
    argv = ["allocate", str(requests), "--year", "2019", "--time-limit", "5"]
    doc = json.loads(_out(capsys, [*argv, "-o", str(out), "--format", "json"]))
    assert doc["status"] == "optimal"
    pairs = {(p["observer"], p["observed"]): p["flights"] for p in doc["distribution"]}
    assert pairs == {("SWE", "POL"): 2, ("USA", "RUS_BLR"): 3, ("DEU", "FRA"): 1}
    assert doc["total"] == 6
    assert doc["unmet"] == []
    written = list(csv.DictReader(io.StringIO(out.read_text())))
    assert {(r["observer"], r["observed"]): int(r["flights"]) for r in written} == pairs
    header, rows = _csv(_out(capsys, [*argv, "--format", "csv"]))
    assert header == ["observer", "observed", "flights"]
    assert {(r["observer"], r["observed"]): int(r["flights"]) for r in rows} == pairs


def test_check_distribution_json_and_csv_list_the_findings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = tmp_path / "d.csv"
    plan.write_text("observer,observed,flights\nUSA,RUS_BLR,50\nDEU,FRA,1\n")
    argv = ["check-distribution", str(plan), "--year", "2020", "--format"]
    doc = json.loads(_out(capsys, [*argv, "json"], status=1))
    rules = sorted(f["rule"] for f in doc["findings"])
    # 50 flights break USA's active quota (III.I.5), RUS_BLR's passive quota
    # (III.I.4) and the pair cap of half of 42 rounded up, 21 (III.I.10)
    assert rules == ["III.I.10", "III.I.4", "III.I.5"]
    assert doc["binding"] == 3
    cap = next(f for f in doc["findings"] if f["rule"] == "III.I.10")
    assert (cap["value"], cap["limit"], cap["parties"]) == (50, 21, ["USA", "RUS_BLR"])
    header, rows = _csv(_out(capsys, [*argv, "csv"], status=1))
    assert header == ["rule", "binding", "parties", "value", "limit", "message"]
    assert sorted(r["rule"] for r in rows) == rules
    assert {r["binding"] for r in rows} == {"true"}


# ------------------------------------------------------- plan-route and plan


def test_plan_route_json_and_csv_give_every_site(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "observed,name,lon,lat,value\n"
        "DEU,Hamburg,9.994,53.551,2\n"
        "DEU,Cologne,6.960,50.938,1\n"
        "DEU,Swapped Berlin,52.520,13.405,5\n"
    )
    argv = [
        "plan-route",
        *("--observer", "USA", "--observed", "DEU", "--start", "EDDK"),
        *("--date", "2019-06-01", "--sites", str(sites), "--time-limit", "2"),
        *("-o", str(tmp_path / "r.geojson"), "--format"),
    ]
    doc = json.loads(_out(capsys, [*argv, "json"]))
    by_name = {s["site"]: s for s in doc["sites"]}
    assert set(by_name) == {"Hamburg (DEU)", "Cologne (DEU)", "Swapped Berlin (DEU)"}
    assert by_name["Hamburg (DEU)"]["status"] == "visited"
    assert doc["value"] == sum(s["value"] for s in doc["sites"] if s["visit"])
    swapped = by_name["Swapped Berlin (DEU)"]
    assert swapped["status"] == "unreachable"
    assert "latitude and longitude may be swapped" in swapped["reason"]
    assert "latitude and longitude" not in by_name["Hamburg (DEU)"]["reason"]
    route = json.loads((tmp_path / "r.geojson").read_text())
    assert doc["legs"] == len(route["features"][0]["geometry"]["coordinates"]) - 1
    header, rows = _csv(_out(capsys, [*argv, "csv"]))
    assert header == ["site", "lon", "lat", "value", "status", "visit", "reason"]
    assert {r["site"]: r["status"] for r in rows} == {
        k: s["status"] for k, s in by_name.items()
    }


TINY = """year = 2019
[[requests]]
observer = 'USA'
observed = 'RUS'
flights = 1
"""


def test_plan_summary_json_and_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = tmp_path / "tiny.toml"
    scenario.write_text(TINY)
    argv = ["plan", str(scenario), "-q", "-o", str(tmp_path / "out"), "--format"]
    doc = json.loads(_out(capsys, [*argv, "json"]))
    summary = doc["summary"]
    assert (summary["requested"], summary["granted"], summary["missions"]) == (1, 1, 1)
    assert sum(summary["routes"].values()) == 1
    assert doc["year"] == 2019
    assert set(doc["files"]) <= {p.name for p in (tmp_path / "out").iterdir()}
    header, rows = _csv(_out(capsys, [*argv, "csv", "--force"]))
    assert header == ["key", "value"]
    values = {r["key"]: r["value"] for r in rows}
    assert int(values["granted"]) == 1
    assert {k for k in values if k.startswith("routes.")} == {
        f"routes.{k}" for k in summary["routes"]
    }


# ------------------------------------------------------------------ check-route


def _feature(coords: list[list[float]], **properties: object) -> dict[str, object]:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "LineString", "coordinates": coords},
    }


#: A triangle over Germany from Cologne/Bonn (EDDK): Hanover, Kassel, back.
GERMANY = [[7.144, 50.867], [9.73, 52.37], [9.48, 51.31], [7.144, 50.867]]


def test_check_route_json_names_each_route(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "routes.geojson"
    features = [
        _feature(GERMANY, name="north loop"),
        _feature(GERMANY),
        _feature(GERMANY),
    ]
    features[1]["id"] = "leg-B"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    argv = ["check-route", str(path), "--observer", "USA", "--observed", "DEU"]
    argv += ["--date", "2019-06-01", "--format"]
    reports = json.loads(_out(capsys, [*argv, "json"]))
    assert [(r["name"], r["index"]) for r in reports] == [
        ("north loop", 1),
        ("leg-B", 2),
        ("route 3", 3),
    ]
    assert all(r["legal"] for r in reports)
    header, rows = _csv(_out(capsys, [*argv, "csv"]))
    assert header[:3] == ["name", "index", "legal"]
    assert [r["name"] for r in rows] == ["north loop", "leg-B", "route 3"]
    assert {r["binding"] for r in rows} == {"0"}


def test_a_swapped_route_over_germany_gets_the_swap_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    swapped = [[lat, lon] for lon, lat in GERMANY]  # written (lat, lon)
    path = tmp_path / "swapped.geojson"
    path.write_text(json.dumps(_feature(swapped, name="swapped")))
    argv = ["check-route", str(path), "--observer", "USA", "--observed", "DEU"]
    argv += ["--date", "2019-06-01"]
    (report,) = json.loads(_out(capsys, [*argv, "--format", "json"], status=1))
    territory = next(v for v in report["violations"] if v["rule"] == "R17-territory")
    assert "latitude and longitude may be swapped" in territory["message"]
    assert "point 1 (lon 50.867, lat 7.144)" in territory["message"]
    assert "latitude and longitude may be swapped" in _out(capsys, argv, status=1)


def test_a_route_leaving_germany_eastwards_gets_no_swap_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Cologne -> Warsaw -> Cologne: outside Germany, but (lat, lon) of Warsaw
    # (52.2, 21.0) is in the Sahara, not in Germany: no hint
    path = tmp_path / "east.geojson"
    path.write_text(json.dumps(_feature([[7.144, 50.867], [21.0, 52.2], [7.2, 51.5]])))
    argv = ["check-route", str(path), "--observer", "USA", "--observed", "DEU"]
    (report,) = json.loads(
        _out(capsys, [*argv, "--date", "2019-06-01", "--format", "json"], status=1)
    )
    messages = " ".join(v["message"] for v in report["violations"])
    assert "R17-territory" in {v["rule"] for v in report["violations"]}
    assert "swapped" not in messages


def test_km_by_region_says_of_which_for_kaliningrad(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from tests.test_legality import kaliningrad_route

    path = tmp_path / "kgd.geojson"
    path.write_text(json.dumps(kaliningrad_route().to_feature()))
    argv = ["check-route", str(path), "--observer", "USA", "--observed", "RUS"]
    text = _out(capsys, [*argv, "--date", "2019-06-01"])
    line = next(x for x in text.splitlines() if "km by region" in x)
    # Kaliningrad's 600 km are part of Russia's 600 km, not beside them
    assert "RUS 600.0 (of which kaliningrad_oblast 600.0)" in line
    assert line.index("RUS") < line.index("of which") < line.index("transit")
