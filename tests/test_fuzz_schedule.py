"""Fuzz tests of the scheduling and allocation entry points (issue 10).

Hostile values (extreme numbers, wrong types, hostile files) go into
:class:`SolveOptions`, :func:`schedule`, :func:`check_schedule`,
:func:`allocate`, :func:`check_distribution`, :func:`read_aircraft`,
:func:`read_blackouts` and the ``schedule``, ``allocate`` and
``check-distribution`` commands; only :class:`OpenSkiesError` subclasses may
escape, and a command exits 2 with one line on stderr.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openskies import load_treaty
from openskies.allocation.allocate import allocate
from openskies.calendar.schedule import (
    Blackout,
    ScheduleResult,
    read_blackouts,
    schedule,
)
from openskies.cli.main import main
from openskies.errors import DataError, OpenSkiesError, OptionsError
from openskies.options import SolveOptions
from openskies.rules.distribution_check import check_distribution
from openskies.rules.schedule_check import check_schedule
from openskies.treaty.aircraft import read_aircraft
from openskies.treaty.distribution import Distribution
from openskies.treaty.model import TreatyView
from tests.test_schedule_chain import assert_placed_or_explained

#: 40 examples a test in CI; the long profile (OPENSKIES_HYPOTHESIS_PROFILE=
#: openskies-long, OPENSKIES_FUZZ_EXAMPLES) raises the budget above 100.
EXAMPLES = (
    max(40, settings.default.max_examples)
    if settings.default.max_examples > 100
    else 40
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
QUICK = SolveOptions(time_limit_s=1.0)
YEAR = 2019

#: Values that break naive code: extremes, wrong types, nesting.
HOSTILE = st.one_of(
    st.sampled_from(
        [
            None,
            True,
            False,
            0,
            -1,
            2**31,
            2**63,
            -(2**63),
            10**100,
            1e308,
            -1e308,
            math.nan,
            math.inf,
            -math.inf,
            "",
            "10",
            "2019",
            "\x00",
            "=cmd",
            [],
            [1, 2],
            {},
            {"a": [[[[]]]]},
            b"bytes",
            dt.date(9999, 12, 31),
            object(),
        ]
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
)


@pytest.fixture(scope="module")
def view() -> TreatyView:
    return load_treaty().as_of(f"{YEAR}-01-01")


@pytest.fixture(scope="module")
def calendar(view: TreatyView) -> ScheduleResult:
    return schedule(view, Distribution({("SWE", "POL"): 2}), YEAR, options=QUICK)


def only_openskies_errors(call: Any) -> Any:
    """Run ``call``; return its value, or None if it raised an OpenSkiesError."""
    try:
        return call()
    except OpenSkiesError:
        return None


# -- SolveOptions ------------------------------------------------------------


@FUZZ
@given(
    name=st.sampled_from(["time_limit_s", "seed", "workers", "iteration_limit"]),
    value=HOSTILE,
)
def test_solve_options_refuse_or_hold_valid_values(name: str, value: Any) -> None:
    options = only_openskies_errors(lambda: SolveOptions(**{name: value}))
    if options is None:
        return
    assert 0 < options.time_limit_s <= 7 * 86_400
    assert 0 <= options.seed < 2**31
    assert 1 <= options.workers <= 256
    assert options.iteration_limit is None or 0 <= options.iteration_limit < 2**31


@pytest.mark.parametrize(
    "kwargs",
    [
        {"time_limit_s": "10"},
        {"time_limit_s": True},
        {"time_limit_s": math.nan},
        {"time_limit_s": math.inf},
        {"time_limit_s": -1.0},
        {"seed": 2**31},
        {"seed": -1},
        {"seed": True},
        {"workers": 2**31},
        {"workers": 0},
        {"iteration_limit": 1.5},
        {"iteration_limit": -1},
    ],
)
def test_solve_options_bad_values_raise_options_error(kwargs: dict[str, Any]) -> None:
    name = next(iter(kwargs))
    with pytest.raises(OptionsError, match=name):
        SolveOptions(**kwargs)


# -- schedule ----------------------------------------------------------------


#: Arguments of schedule and allocate replaced one at a time by a hostile value.
SCHEDULE_ARGS = "year distribution aircraft blackouts preferences options allow_partial"
ALLOCATE_ARGS = (
    "year requests reciprocity objective pair_cap options previous disputed guaranteed"
)


def one_replaced(good: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    """Return the arguments ``good`` with ``name`` set to ``value``."""
    return {**good, name: value}


@FUZZ
@given(name=st.sampled_from(SCHEDULE_ARGS.split()), value=HOSTILE)
def test_schedule_arguments_raise_only_openskies_errors(
    view: TreatyView, name: str, value: Any
) -> None:
    good = {"distribution": Distribution({("SWE", "POL"): 1}), "year": YEAR}
    args = one_replaced({**good, "options": QUICK}, name, value)
    result = only_openskies_errors(lambda: schedule(view, **args))
    if result is not None:
        assert_placed_or_explained(view, result)


@FUZZ
@given(
    observer=st.sampled_from(["SWE", "swe", "", "XXX", "POL"]),
    flights=HOSTILE,
)
def test_schedule_distribution_frames_raise_only_openskies_errors(
    view: TreatyView, observer: str, flights: Any
) -> None:
    frame = pd.DataFrame(
        {"observer": [observer], "observed": ["POL"], "flights": [flights]}
    )
    result = only_openskies_errors(lambda: schedule(view, frame, YEAR, options=QUICK))
    if result is not None:
        assert_placed_or_explained(view, result)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2019-05-01", "9999-12-31"),
        ("0001-01-01", "2019-01-31"),
        ("1900-01-01", "1900-02-01"),
    ],
)
def test_blackouts_outside_the_year_range_are_refused(
    view: TreatyView, start: str, end: str
) -> None:
    # regression: 9999-12-31 made the end-of-day computation overflow
    with pytest.raises(OptionsError, match=r"outside the years 1992\.\.9998"):
        Blackout.between("POL", start, end)


def test_flights_beyond_int64_are_refused(view: TreatyView) -> None:
    frame = pd.DataFrame({"observer": ["SWE"], "observed": ["POL"], "flights": [2**63]})
    # refused where the frame becomes a Distribution, or by the request checks
    refused = r"SWE over POL|row 1, field 'flights': 9223372036854775808"
    with pytest.raises((DataError, OptionsError), match=refused):
        schedule(view, frame, YEAR, options=QUICK)
    with pytest.raises((DataError, OptionsError), match=refused):
        allocate(view, frame, YEAR, options=QUICK)


# -- check_schedule ----------------------------------------------------------


@FUZZ
@given(
    field=st.sampled_from(
        [
            "id",
            "observer",
            "observed",
            "poe",
            "notice",
            "arrival",
            "end",
            "aircraft",
            "taxi",
        ]
    ),
    value=HOSTILE,
)
def test_check_schedule_mutated_missions_raise_only_openskies_errors(
    view: TreatyView, calendar: ScheduleResult, field: str, value: Any
) -> None:
    missions = [
        dataclasses.replace(calendar.missions[0], **{field: value}),
        *calendar.missions[1:],
    ]
    found = only_openskies_errors(lambda: check_schedule(view, missions))
    assert found is None or isinstance(found, list)


@pytest.mark.parametrize("field", ["notice", "arrival", "end"])
def test_check_schedule_refuses_naive_datetimes(
    view: TreatyView, calendar: ScheduleResult, field: str
) -> None:
    first = calendar.missions[0]
    naive = getattr(first, field).replace(tzinfo=None)
    with pytest.raises(
        OptionsError, match=f"mission 'OS9001': {field} must be a timezone-aware"
    ):
        check_schedule(view, [dataclasses.replace(first, **{field: naive})])


@FUZZ
@given(
    name=st.sampled_from(["year", "distribution", "aircraft", "blackouts", "left_out"]),
    value=HOSTILE,
)
def test_check_schedule_arguments_raise_only_openskies_errors(
    view: TreatyView, calendar: ScheduleResult, name: str, value: Any
) -> None:
    found = only_openskies_errors(
        lambda: check_schedule(view, calendar, **{name: value})
    )
    assert found is None or isinstance(found, list)


# -- allocate and check_distribution -----------------------------------------


@FUZZ
@given(name=st.sampled_from(ALLOCATE_ARGS.split()), value=HOSTILE)
def test_allocate_arguments_raise_only_openskies_errors(
    view: TreatyView, name: str, value: Any
) -> None:
    requests = pd.DataFrame({"observer": ["SWE"], "observed": ["POL"], "flights": [2]})
    good = {"requests": requests, "year": YEAR, "options": QUICK}
    only_openskies_errors(lambda: allocate(view, **one_replaced(good, name, value)))


def test_allocate_refuses_a_non_bool_reciprocity(view: TreatyView) -> None:
    requests = pd.DataFrame({"observer": ["SWE"], "observed": ["POL"], "flights": [2]})
    with pytest.raises(
        OptionsError, match="reciprocity must be True or False, got 'no'"
    ):
        allocate(view, requests, YEAR, reciprocity="no")  # type: ignore[arg-type]


@FUZZ
@given(flights=HOSTILE, year=st.one_of(st.just(YEAR), HOSTILE))
def test_check_distribution_raises_only_openskies_errors(
    view: TreatyView, flights: Any, year: Any
) -> None:
    frame = pd.DataFrame(
        {"observer": ["SWE"], "observed": ["POL"], "flights": [flights]}
    )
    only_openskies_errors(
        lambda: check_distribution(view, year, Distribution.from_frame(frame))
    )


# -- readers -----------------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "9999-12-31",
            "0001-01-01",
            "2019-02-30",
            "nan",
            "inf",
            "-1",
            str(2**63),
            "1e308",
            "=1+1",
            '"',
            "POL",
            "SWE",
        ]
    ),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12),
)


@FUZZ
@given(
    rows=st.lists(st.lists(CELL, min_size=0, max_size=5), max_size=4),
    header=st.booleans(),
)
def test_read_blackouts_raise_only_openskies_errors(
    tmp_path: Path, rows: list[list[str]], header: bool
) -> None:
    path = tmp_path / "blackouts.csv"
    lines = (["party,start,end,note"] if header else []) + [",".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = only_openskies_errors(lambda: read_blackouts(path))
    assert found is None or all(isinstance(b, Blackout) for b in found)


@FUZZ
@given(
    column=st.sampled_from(
        [
            "lat",
            "lon",
            "cruise_kmh",
            "in_service_from",
            "in_service_to",
            "owner",
            "id",
            "members",
        ]
    ),
    value=CELL,
)
def test_read_aircraft_raise_only_openskies_errors(
    tmp_path: Path, column: str, value: str
) -> None:
    good = {
        "id": "SWE-1",
        "type": "Saab 340",
        "owner": "SWE",
        "members": "",
        "home_base": "ESSL",
        "lat": "58.4",
        "lon": "15.7",
        "cruise_kmh": "500",
        "in_service_from": "2000-01-01",
        "in_service_to": "",
        "owner_status": "practice",
        "home_status": "practice",
        "speed_status": "practice",
        "service_status": "practice",
        "note": "",
    }
    good[column] = value.replace(",", " ").replace("\n", " ").replace('"', "")
    path = tmp_path / "aircraft.csv"
    path.write_text(
        ",".join(good) + "\n" + ",".join(good.values()) + "\n", encoding="utf-8"
    )
    only_openskies_errors(lambda: read_aircraft(path))


# -- command line ------------------------------------------------------------


def one_line_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the command line; it exits 2 with one line on stderr, returned."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    texts = {
        "dist": "observer,observed,flights\nSWE,POL,2\n",
        "huge": f"observer,observed,flights\nSWE,POL,{2**63}\n",
        "blackout": "party,start,end\nPOL,2019-05-01,9999-12-31\n",
        "empty": "",
        "binary": "\x00\x01\x02",
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


@pytest.mark.parametrize(
    "extra",
    [
        ["--seed", str(2**31)],
        ["--workers", str(2**31)],
        ["--workers", "0"],
        ["--time-limit", "nan"],
        ["--time-limit", "-1"],
        ["--year", str(2**63)],
        ["--year", "1"],
    ],
)
@pytest.mark.parametrize("command", ["schedule", "allocate"])
def test_cli_bad_options_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, Path],
    tmp_path: Path,
    command: str,
    extra: list[str],
) -> None:
    argv = [
        command,
        str(files["dist"]),
        "--year",
        str(YEAR),
        "-o",
        str(tmp_path / "out.csv"),
        *extra,
    ]
    assert extra[0] in one_line_exit_2(capsys, argv)  # in command-line terms


@pytest.mark.parametrize(
    ("command", "name"),
    [
        (command, name)
        for command in ("schedule", "allocate", "check-distribution")
        for name in ("huge", "empty", "binary", "missing")
    ],
)
def test_cli_bad_files_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, Path],
    tmp_path: Path,
    command: str,
    name: str,
) -> None:
    path = files.get(name, tmp_path / "missing.csv")
    argv = [command, str(path), "--year", str(YEAR)]
    if command != "check-distribution":
        argv += ["-o", str(tmp_path / "out.csv")]
    one_line_exit_2(capsys, argv)


@pytest.mark.parametrize(
    ("option", "name"),
    [
        ("--blackouts", "blackout"),  # regression: 9999-12-31 overflowed
        ("--blackouts", "binary"),
        ("--blackouts", "dist"),
        ("--aircraft", "empty"),
        ("--aircraft", "binary"),
        ("--aircraft", "missing"),
    ],
)
def test_cli_bad_side_files_exit_2(
    capsys: pytest.CaptureFixture[str],
    files: dict[str, Path],
    tmp_path: Path,
    option: str,
    name: str,
) -> None:
    side = files.get(name, tmp_path / "missing.csv")
    argv = ["schedule", str(files["dist"]), "--year", str(YEAR)]
    argv += ["-o", str(tmp_path / "o.csv"), option, str(side)]
    assert side.name in one_line_exit_2(capsys, argv)
