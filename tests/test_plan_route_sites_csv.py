"""``plan-route --sites`` reads the scenario site list (CSV) as well as vector files."""

from __future__ import annotations

import json
from pathlib import Path

from openskies.cli.main import main

SITES_CSV = Path(__file__).resolve().parents[1] / "quotas" / "sites_illustrative.csv"


def _plan(tmp_path, sites, capsys):
    code = main(
        [
            "plan-route",
            "--observer",
            "USA",
            "--observed",
            "DEU",
            "--start",
            "ETSA",
            "--date",
            "2019-06-01",
            "--sites",
            str(sites),
            "-o",
            str(tmp_path / "route.geojson"),
            "--sites-output",
            str(tmp_path / "sites.geojson"),
            "--time-limit",
            "0.5",
        ]
    )
    return code, capsys.readouterr()


def test_scenario_csv_keeps_the_sites_of_the_observed_party(tmp_path, capsys):
    code, captured = _plan(tmp_path, SITES_CSV, capsys)
    assert code in (0, 1), captured.err
    features = json.loads((tmp_path / "sites.geojson").read_text())["features"]
    german = [
        line for line in SITES_CSV.read_text().splitlines() if line.startswith("DEU,")
    ]
    assert len(features) == len(german) == 15
    assert all(f["id"].endswith(" (DEU)") for f in features)


def test_csv_without_a_site_in_the_observed_party_one_line_exit_2(tmp_path, capsys):
    path = tmp_path / "french.csv"
    path.write_text(
        "observed,name,lon,lat,value\nFRA,Paris,2.35,48.86,3\n", encoding="utf-8"
    )
    code, captured = _plan(tmp_path, path, capsys)
    assert code == 2
    assert len(captured.err.strip().splitlines()) == 1
    assert "french.csv" in captured.err
    assert "no site in DEU" in captured.err
