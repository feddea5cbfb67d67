"""Scenario files: the bundled scenario, both request forms, located errors.

Every error case names the line and key a user must fix; the expected line is
counted by hand in the TOML text of the case.
"""

from __future__ import annotations

import csv
import datetime as dt
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openskies import DataError, OptionsError, SolveOptions, Treaty
from openskies.allocation.problem import Request
from openskies.annual.scenario import Scenario, ScenarioError
from openskies.annual.scenario_reader import load_scenario
from openskies.files.toml_lines import key_lines
from openskies.geo.sites import read_sites
from openskies.treaty.distribution import Distribution
from openskies.treaty.resources import bundled_dir

QUOTAS = bundled_dir("quotas")


def _write(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_scenario(treaty: Treaty) -> None:
    scenario = load_scenario(treaty=treaty)
    assert scenario.source == QUOTAS / "scenario_2020_illustrative.toml"
    assert (scenario.year, scenario.date) == (2020, dt.date(2020, 1, 1))
    assert "llustrative" in scenario.title
    with (QUOTAS / "requests_2020_illustrative.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(scenario.requests) == len(rows)
    assert sum(r.flights for r in scenario.requests) == sum(
        int(r["flights"]) for r in rows
    )
    with (QUOTAS / "sites_illustrative.csv").open() as handle:
        sites = list(csv.DictReader(handle))
    assert len(scenario.sites_for("USA")) == len(sites)
    assert all("illustrative" in s["note"] for s in sites)
    assert scenario.reading == "treaty"
    assert scenario.solver.routes == SolveOptions(
        time_limit_s=5, seed=0, workers=1, iteration_limit=100
    )


def test_bundled_sites_lie_inside_their_states_away_from_non_parties(
    treaty: Treaty,
) -> None:
    import shapely

    from openskies.geo.geodesy import local_distance_km

    view = treaty.as_of("2020-01-01")
    for site in read_sites(QUOTAS / "sites_illustrative.csv", treaty=treaty):
        point = shapely.Point(site.lon, site.lat)
        assert treaty.state_territory(site.observed).covers(point), site
        for state in view.adjacent_non_parties(view.party_of(site.observed)):
            # the planner keeps 10 km off non-party states (Art. VI.II.4)
            assert local_distance_km(point, treaty.state_territory(state)) > 10.0, (
                site,
                state,
            )


def test_inline_requests_equal_the_csv_form(tmp_path: Path, treaty: Treaty) -> None:
    (tmp_path / "requests.csv").write_text(
        "observer,observed,flights,priority\nUSA,RUS,3,2\nBEL,POL,1,\n"
    )
    from_csv = load_scenario(
        _write(tmp_path, 'year = 2019\nrequests = "requests.csv"\n'), treaty=treaty
    )
    inline = load_scenario(
        _write(
            tmp_path,
            "year = 2019\n"
            "[[requests]]\n"
            'observer = "USA"\nobserved = "RUS"\nflights = 3\npriority = 2\n'
            "[[requests]]\n"
            'observer = "BEL"\nobserved = "POL"\nflights = 1\n',
            "inline.toml",
        ),
        treaty=treaty,
    )
    expected = (Request("USA", "RUS", 3, 2), Request("BEL", "POL", 1, 1))
    assert from_csv.requests == inline.requests == expected


def test_every_key(tmp_path: Path, treaty: Treaty) -> None:
    (tmp_path / "previous.csv").write_text(
        "observer,observed,flights\nUSA,RUS_BLR,2\nDEU,RUS_BLR,1\n"
    )
    (tmp_path / "blackouts.csv").write_text(
        "party,start,end,note\nDEU,2019-12-20,2019-12-31,holidays\n"
    )
    (tmp_path / "sites.csv").write_text(
        "observed,name,lon,lat,value,kind\nPOL,Warsaw,21.012,52.23,2,city\n"
    )
    scenario = load_scenario(
        _write(
            tmp_path,
            'title = "All keys"\nyear = 2019\nas_of = 2019-03-01\n'
            'objective = "total"\npair_cap = "distributed"\nreciprocity = false\n'
            'requests = [{observer = "DEU", observed = "POL", flights = 1}]\n'
            'previous = "previous.csv"\ndisputed = ["RUS"]\n'
            'aircraft = "' + str(bundled_dir("geodata") / "aircraft.csv") + '"\n'
            'blackouts = "blackouts.csv"\nallow_partial = false\n'
            '[routes]\nsites = { DEU = "sites.csv" }\nreading = "observed-party"\n'
            "swath_km = 10\nrevisit_value = 1\n"
            "[solver]\nseed = 3\ntime_limit_s = 7\n"
            "[solver.routes]\ntime_limit_s = 0.25\n",
        ),
        treaty=treaty,
    )
    assert scenario.date == dt.date(2019, 3, 1)
    assert (scenario.objective, scenario.pair_cap) == ("total", "distributed")
    assert scenario.reciprocity is False
    assert scenario.allow_partial is False
    assert scenario.previous == Distribution(
        {("USA", "RUS_BLR"): 2, ("DEU", "RUS_BLR"): 1}
    )
    assert scenario.disputed == ("RUS",)
    assert scenario.aircraft is not None
    assert len(scenario.aircraft) == 14
    assert [b.party for b in scenario.blackouts] == ["DEU"]
    assert [s.name for s in scenario.sites_for("DEU")] == ["Warsaw"]
    assert scenario.sites_for("USA") == ()  # no "*" list: only Germany has sites
    assert (scenario.reading, scenario.swath_km, scenario.revisit_value) == (
        "observed-party",
        10,
        1,
    )
    assert scenario.solver.allocation == SolveOptions(7, 3, 1)
    assert scenario.solver.routes == SolveOptions(0.25, 3, 1)


# --- located errors ---------------------------------------------------------------

HEAD = 'year = 2019\nrequests = "requests.csv"\n'

CASES = [
    # (TOML text, line, key, part of the message)
    (HEAD + 'objectve = "fair"\n', 3, "objectve", "did you mean 'objective'?"),
    ('year = "2019"\nrequests = "requests.csv"\n', 1, "year", "a whole number"),
    (HEAD + "as_of = 2020-06-01\n", 3, "as_of", "not in year 2019"),
    (HEAD + "as_of = 2019-06-01T10:00:00\n", 3, "as_of", "expected a date"),
    (HEAD + 'objective = "fairest"\n', 3, "objective", "fair, weighted, total"),
    (HEAD + "reciprocity = 1\n", 3, "reciprocity", "true or false"),
    (HEAD + 'disputed = ["RUS"]\n', 3, "disputed", "previous"),
    (HEAD + 'previous = "missing.csv"\n', 3, "previous", "not found"),
    (
        "year = 2019\n\n[[requests]]\nobserver = 'USA'\nobserved = 'RUS'\n"
        "flights = 1\n\n[[requests]]\nobserver = 'XYZ'\nobserved = 'RUS'\n"
        "flights = 1\n",
        9,
        "requests[1].observer",
        "unknown state or party code 'XYZ'",
    ),
    (
        "year = 2021\nrequests = [\n  {observer = 'DEU', observed = 'POL', "
        "flights = 1},\n  {observer = 'DEU', observed = 'USA', flights = 1},\n]\n",
        4,
        "requests[1].observed",
        "USA is not a party on 2021-01-01",
    ),
    (
        "year = 2019\n[[requests]]\nobserver = 'USA'\nobserved = 'RUS'\nflights = -2\n",
        5,
        "requests[0].flights",
        "below 0",
    ),
    (
        "year = 2019\n[[requests]]\nobserver = 'USA'\nflights = 2\n",
        2,
        "requests[0]",
        "'observed' is missing",
    ),
    (HEAD + "[routes]\nreading = 'russian'\n", 4, "routes.reading", "treaty, "),
    (HEAD + "[routes]\nswath_km = 80\n", 4, "routes.swath_km", "[0, 50]"),
    (HEAD + "[routes]\nsites = 3\n", 4, "routes.sites", "a table of file names"),
    (
        HEAD + "[routes.sites]\nXYZ = 'sites.csv'\n",
        4,
        "routes.sites.XYZ",
        "unknown state or party code 'XYZ'",
    ),
    (
        HEAD + "[solver]\nseed = 1\n\n[solver.routes]\ntime_limit_s = -1\n",
        7,
        "solver.routes.time_limit_s",
        "must be a positive number",
    ),
    (HEAD + "[solver]\nworkers = 0\n", 4, "solver.workers", "integer >= 1"),
    (
        HEAD + "[solver.schedule]\ntime_limit = 5\n",
        4,
        "solver.schedule.time_limit",
        "did you mean 'time_limit_s'?",
    ),
    (HEAD + "[solver.allocation]\nseed = 1.5\n", 4, "solver.allocation.seed", "whole"),
    ("year = 2019\n", None, None, "the key 'requests' is missing"),
]


@pytest.mark.parametrize(("text", "line", "key", "message"), CASES)
def test_errors_name_the_line_and_the_key(
    tmp_path: Path,
    treaty: Treaty,
    text: str,
    line: int | None,
    key: str | None,
    message: str,
) -> None:
    (tmp_path / "requests.csv").write_text("observer,observed,flights\n")
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, treaty=treaty)
    error = info.value
    assert (error.line, error.key) == (line, key)
    assert message in str(error)
    assert str(error).startswith(str(path))
    if line is not None:
        assert f"line {line}, key {key!r}" in str(error)
    assert isinstance(error, DataError)  # and so a ValueError


def test_invalid_toml_names_the_line(tmp_path: Path, treaty: Treaty) -> None:
    path = _write(tmp_path, 'year = 2019\nrequests "requests.csv"\n')
    with pytest.raises(ScenarioError, match=r"not valid TOML: .*line 2"):
        load_scenario(path, treaty=treaty)


def test_errors_in_a_request_file_name_file_row_and_field(
    tmp_path: Path, treaty: Treaty
) -> None:
    (tmp_path / "requests.csv").write_text(
        "observer,observed,flights\nUSA,RUS,2\nDEU,ATLANTIS,1\n"
    )
    path = _write(tmp_path, HEAD)
    with pytest.raises(DataError, match=r"requests.csv, row 2, field 'observed'"):
        load_scenario(path, treaty=treaty)
    (tmp_path / "requests.csv").write_text("observer,observed,flights\nUSA,RUS,two\n")
    with pytest.raises(DataError, match=r"row 1, field 'flights'.*not a whole"):
        load_scenario(path, treaty=treaty)


def test_errors_in_a_site_file_name_file_row_and_field(
    tmp_path: Path, treaty: Treaty
) -> None:
    (tmp_path / "requests.csv").write_text("observer,observed,flights\n")
    (tmp_path / "sites.csv").write_text(
        "observed,name,lon,lat,value\nPOL,Warsaw,21.0,52.2,1\nPOL,Krakow,19.9,50.1,0\n"
    )
    path = _write(tmp_path, HEAD + "[routes]\nsites = 'sites.csv'\n")
    with pytest.raises(DataError, match=r"sites.csv, row 2, field 'value'.*not > 0"):
        load_scenario(path, treaty=treaty)


def test_scenario_objects_check_their_values() -> None:
    with pytest.raises(OptionsError, match="objective must be one of"):
        Scenario(year=2019, requests=(), objective="best")  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="year must be a whole number >= 2002"):
        Scenario(year=1999, requests=())
    with pytest.raises(OptionsError, match="disputed targets keep"):
        Scenario(year=2019, requests=(), disputed=("RUS",))
    scenario = Scenario(year=2019, requests=())
    assert scenario.date == dt.date(2019, 1, 1)
    assert scenario.replace(year=2021).date == dt.date(2021, 1, 1)
    with pytest.raises(OptionsError, match="revisit_value must be a number in"):
        scenario.replace(revisit_value=1.5)


# --- the key locator, on random documents ------------------------------------------

NAMES = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[tuple[object, ...], int]]:
    """A TOML document and, for every key it defines, the line it is on."""
    lines: list[str] = []
    expected: dict[tuple[object, ...], int] = {}

    def emit(text: str) -> int:
        lines.append(text)
        return len(lines)

    def keys(prefix: tuple[object, ...]) -> None:
        for name in draw(st.lists(NAMES, max_size=3, unique=True)):
            if draw(st.booleans()):
                emit("# a comment")
            expected[(*prefix, name)] = emit(f"{name} = {draw(st.integers(0, 9))}")

    keys(())
    if draw(st.booleans()):  # an inline array of tables, one per line
        emit("rows = [")
        for index in range(draw(st.integers(1, 3))):
            expected[("rows", index, "k")] = emit(f"  {{k = {index}, j = 1}},")
        emit("]")
    # table names start with capitals that top-level keys never use
    tables = draw(st.lists(NAMES.map(lambda s: "T" + s), max_size=4, unique=True))
    arrays = draw(st.lists(NAMES.map(lambda s: "A" + s), max_size=2, unique=True))
    for name in tables:
        emit("")
        expected[(name,)] = emit(f"[{name}]")
        keys((name,))
    for name in arrays:
        for index in range(draw(st.integers(1, 3))):
            expected[(name, index)] = emit(f"[[{name}]]")
            keys((name, index))
    return "\n".join(lines) + "\n", expected


@given(documents())
def test_key_lines_finds_the_line_of_every_key(
    document: tuple[str, dict[tuple[object, ...], int]],
) -> None:
    text, expected = document
    tomllib.loads(text)  # the generated document is valid TOML
    found = key_lines(text)
    for path, line in expected.items():
        assert found[path] == line, (path, text)


# --- hostile scenarios and wrong types (issue 10) ---------------------------------

BIG = 2**63


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (f"year = {BIG}\nrequests = []\n", "year", "year must be a whole number"),
        ("year = 1000000\nrequests = []\n", "year", "<= 2100"),
        (
            "year = 2019\n[[requests]]\nobserver = 'USA'\nobserved = 'RUS'\n"
            f"flights = {BIG}\n",
            "requests[0].flights",
            "above the maximum 1,000,000",
        ),
        (
            "year = 2019\n[[requests]]\nobserver = 'USA'\nobserved = 'RUS'\n"
            f"flights = 1\npriority = {BIG}\n",
            "requests[0].priority",
            "above the maximum",
        ),
        ('year = 2019\nrequests = "a\\u0000b.csv"\n', "requests", "NUL byte"),
        ("year = 2019\nrequests = '.'\n", "requests", "is a directory"),
    ],
)
def test_huge_numbers_and_bad_paths_are_scenario_errors(
    tmp_path: Path, treaty: Treaty, text: str, key: str, message: str
) -> None:
    with pytest.raises(ScenarioError, match=message) as info:
        load_scenario(_write(tmp_path, text), treaty=treaty)
    assert info.value.key == key


def test_deeply_nested_toml_is_a_scenario_error(tmp_path: Path, treaty: Treaty) -> None:
    path = _write(tmp_path, "x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    with pytest.raises(ScenarioError, match="nested too deeply"):
        load_scenario(path, treaty=treaty)


def test_a_fifo_scenario_does_not_block(tmp_path: Path, treaty: Treaty) -> None:
    import os

    fifo = tmp_path / "scenario.toml"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        load_scenario(fifo, treaty=treaty)


def test_a_named_system_file_is_never_echoed_whole(
    tmp_path: Path, treaty: Treaty
) -> None:
    # like requests = "/etc/passwd": a file of long colon-separated lines
    line = "root:x:0:0:root:/root:/bin/bash" + ":padding" * 20
    (tmp_path / "passwd").write_text(f"{line}\ndaemon:x:1:1::/:/bin/false\n")
    for key in ("requests", "previous", "aircraft", "blackouts"):
        text = (
            "year = 2019\nrequests = 'passwd'\n"
            if key == "requests"
            else (f"year = 2019\nrequests = []\n{key} = 'passwd'\n")
        )
        with pytest.raises(DataError) as info:
            load_scenario(_write(tmp_path, text), treaty=treaty)
        message = str(info.value)
        assert "passwd" in message
        assert line not in message
        assert "root:x:0:0:root:/root:/bin/bash:padding:padding" not in message


def test_scenario_objects_check_types_and_ranges() -> None:
    with pytest.raises(OptionsError, match=r"year must be a whole number .* <= 2100"):
        Scenario(year=10**6, requests=())
    with pytest.raises(OptionsError, match="year must be"):
        Scenario(year="2019", requests=())  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="requests must be a tuple of a Request"):
        Scenario(year=2019, requests=None)  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="requests item 1: flights must be"):
        Scenario(year=2019, requests=(Request("USA", "RUS", BIG),))
    with pytest.raises(OptionsError, match="requests item 1: priority must be"):
        Scenario(year=2019, requests=(Request("USA", "RUS", 1, 0),))
    with pytest.raises(OptionsError, match="requests item 1: observer must be"):
        Scenario(year=2019, requests=(Request(None, "RUS", 1),))  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="title must be text"):
        Scenario(year=2019, requests=(), title=3)  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="previous must be a Distribution"):
        Scenario(year=2019, requests=(), previous={"a": 1})  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="disputed item 1 must be a party code"):
        Scenario(year=2019, requests=(), disputed=(1,))  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="sites must map"):
        Scenario(year=2019, requests=(), sites=[])  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match=r"sites\['USA'\] item 1 must be a Site"):
        Scenario(year=2019, requests=(), sites={"USA": ("x",)})  # type: ignore[dict-item]
    with pytest.raises(OptionsError, match="solver must be a SolverSettings"):
        Scenario(year=2019, requests=(), solver=None)  # type: ignore[arg-type]
    with pytest.raises(OptionsError, match="aircraft item 1 must be an Aircraft"):
        Scenario(year=2019, requests=(), aircraft=("X",))  # type: ignore[arg-type]
    assert Scenario(year=2100, requests=[Request("USA", "RUS", 1)]).date == dt.date(
        2100, 1, 1
    )
