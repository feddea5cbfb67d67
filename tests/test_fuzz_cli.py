"""Fuzz every command of the command line with hostile arguments and files.

The commands are discovered from :func:`openskies.cli.main.build_parser`, so a new
command is fuzzed without editing this file.  Each example builds an argument
list for one command: every required argument and a random subset of the
optional ones, each given a hostile value chosen by the argument's kind (dates,
numbers, codes, input files, output paths, choices, data directories): wrong
dates, 2**63, NaN, NUL bytes, missing files, directories instead of files,
files of random bytes or of hostile CSV, TOML, JSON and GeoJSON text.

Asserted: ``main`` returns (no exception escapes); the status is 0 (done),
1 (a documented negative verdict: an illegal route, a distribution with
violations, no plan found) or 2 (bad input), and with 2 stderr holds exactly one
line ``openskies COMMAND: error: ...`` that names no Python keyword argument.

Examples are bounded here (:data:`EXAMPLES` per command); ``benchmarks/fuzz_long.py``
runs the same tests with the ``openskies-long`` hypothesis profile.  Time limits
given to the solvers are small or invalid, never large, so that no example runs
a long solve.  FIFOs are not generated (a reader would block on one).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import Phase, given, note, settings
from hypothesis import strategies as st

from openskies.cli.main import build_parser, main, subcommands

#: Examples per command in the bounded run (the long profile sets its own).
EXAMPLES = 40
LONG = os.environ.get("OPENSKIES_HYPOTHESIS_PROFILE") == "openskies-long"
# the bounded run neither shrinks nor replays: a failure is reported as found
BUDGET = (
    settings()
    if LONG
    else settings(
        max_examples=EXAMPLES,
        phases=[Phase.explicit, Phase.generate],
        database=None,
    )
)
COMMANDS = sorted(subcommands(build_parser()))

HUGE = [str(2**63), str(-(2**63) - 1), str(2**31), str(10**400), "1e308", "-1e308"]
NUMBERS = [*HUGE, "nan", "inf", "-inf", "-1", "0", "0.5", "1_0", "x", "3.0"]
SMALL_TIMES = ["0", "-1", "nan", "x", "0.2", "1e-300", "-inf"]
DATES = [
    "2019-13-01",
    "2019-02-29",
    "0000-01-01",
    "9999-12-31",
    "1992-03-24",
    "2019-06-01",
    "2019-06-01T12:00",
    "june",
    "",
]
CODES = ["USA", "RUS", "UUMB", "KADW", "XYZ", "usa", "", "RUS_BLR", "*", "A" * 300]
GENERAL = ["", "a\x00b", "\u2028", "é" * 50, "-", "--", "x" * 5000]

#: Hostile file contents by kind; ``{deep}`` is nested 10**5 deep.
TEXTS = [
    "",
    "\ufeffobserver,observed,flights\nUSA,RUS,1\n",
    "observer,observed,flights\nUSA,RUS,9223372036854775808\n",
    "observer,observed,flights\nUSA,RUS,1\nUSA,RUS,1\n",
    "observer,observer,flights\nUSA,RUS,1\n",
    "observer,observed,flights\nUSA\u2028RUS,RUS,1\n",
    "observer,observed,flights\n=cmd,RUS,1\n",
    "observer,observed,flights\n" + "x" * 140_000 + ",RUS,1\n",
    'year = 2019\nrequests = "requests.csv"\ntitle = "$\\\\frac{"\n',
    "year = 99999999999999999999\n",
    "year = 2019\n[[requests]]\nobserver='USA'\nobserved='RUS'\nflights=1e308\n",
    "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "[" * 100_000 + "]" * 100_000,
    '{"type": "FeatureCollection", "features": [1, null, "x"]}',
    '{"type": "FeatureCollection", "features": [{"type": "Feature", '
    '"geometry": {"type": "LineString", "coordinates": [[30, 55], [31, 56]]}, '
    '"properties": {"transit": "1"}}]}',
    '{"type": "Feature", "geometry": null, "properties": []}',
    "<gpx><trk><trkseg><trkpt lat='nan' lon='1e308'/></trkseg></trk></gpx>",
]
SUFFIXES = [".csv", ".toml", ".geojson", ".json", ".gpx", ".gpkg", ""]

# argument kinds, recognised by name
_DATE = re.compile(r"date|as.of")
_CODE = re.compile(r"observer|observed|start|end|code")
_OUTPUT = re.compile(r"output|outdir|ics|entry.points")
_DIR = re.compile(r"dir$")


def _file(draw: st.DrawFn, folder: Path, name: str) -> str:
    """Draw a hostile input: missing, a folder, random bytes or hostile text."""
    kind = draw(st.sampled_from(["text", "bytes", "missing", "folder", "nul", "text"]))
    path = folder / f"{name}{draw(st.sampled_from(SUFFIXES))}"
    if kind == "missing":
        return str(path)
    if kind == "folder":
        return str(folder)
    if kind == "nul":
        return f"{path}\x00x"
    if kind == "bytes":
        path.write_bytes(draw(st.binary(max_size=200)))
    else:
        path.write_text(draw(st.sampled_from(TEXTS)), encoding="utf-8")
    return str(path)


def _value(draw: st.DrawFn, action: argparse.Action, folder: Path) -> str:
    """Draw a hostile value for one argument, by its kind."""
    name = action.dest
    general = st.sampled_from(GENERAL)
    if action.choices is not None:
        pool = st.sampled_from(sorted(map(str, action.choices))) | general
    elif name == "time_limit":
        pool = st.sampled_from(SMALL_TIMES)
    elif action.type in (int, float):
        pool = st.sampled_from(NUMBERS) | st.integers().map(str)
    elif _DATE.search(name):
        pool = st.sampled_from(DATES) | general
    elif _CODE.search(name):
        pool = st.sampled_from(CODES) | general
    elif _OUTPUT.search(name):
        target = folder / "out" / f"{name}.{draw(st.sampled_from(['csv', 'x']))}"
        pool = st.sampled_from([str(target), str(folder), "a\x00b", ""])
    elif _DIR.search(name):
        pool = st.sampled_from([str(folder), str(folder / "none"), "a\x00b"])
    else:
        return _file(draw, folder, name)
    return draw(pool)


def _argv(draw: st.DrawFn, command: str, folder: Path) -> list[str]:
    """Draw the argument list of one call of ``command``."""
    parser = subcommands(build_parser())[command]
    argv = [command]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        required = action.required or (not action.option_strings and not action.nargs)
        if not required and not draw(st.booleans()):
            continue
        if action.nargs == 0:
            argv.append(action.option_strings[-1])
            continue
        value = _value(draw, action, folder)
        if action.option_strings:
            argv.append(f"{action.option_strings[-1]}={value}")
        else:
            argv.append(value)
    if command == "plan" and not any(a.startswith(str(folder)) for a in argv[1:]):
        argv.append(_file(draw, folder, "scenario"))  # not the bundled year
    return argv


def _run(argv: list[str], folder: Path) -> tuple[int, str]:
    """Run ``main`` in ``folder`` (default outputs go there); return status, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.chdir(folder),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        status = main(argv)
    return status, err.getvalue()


@pytest.mark.parametrize("command", COMMANDS)
@BUDGET
@given(data=st.data())
def test_hostile_arguments_give_a_status_and_at_most_one_line(
    command: str, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        argv = _argv(data.draw, command, folder)
        note(f"argv: {[a[:100] for a in argv]!r}")
        status, err = _run(argv, folder)
    assert status in (0, 1, 2), argv
    if status == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1, (argv, err)
        # a command with actions of its own names the action (``ledger record``)
        assert re.match(
            rf"openskies( {re.escape(command)}( [a-z]+)?)?: error: ", lines[0]
        )
        assert not re.search(r"\b(force|time_limit_s|outdir)=", lines[0])


def test_every_command_is_fuzzed() -> None:
    assert set(COMMANDS) >= {"allocate", "plan", "schedule", "states", "show"}


#: Input files of the catalogue below, by name.
FILES = {
    "ok.csv": "observer,observed,flights\nUSA,RUS,1\n",
    "big.csv": "observer,observed,flights\n" + "x" * 140_000 + ",RUS,1\n",
    "ovf.csv": "observer,observed,flights\nUSA,RUS,9223372036854775808\n",
    "bom.csv": "\ufeffobserver,observed,flights\nUSA,RUS,1\n",
    "ls.csv": "observer,observed,flights\nUSA\u2028RUS,RUS,1\n",
    "blackouts.csv": "party,start,end,note\nRUS,2019-06-01,9999-12-31,x\n",
    "sites.csv": "observed,name,lon,lat,value\nRUS,a,37.6,55.7,1e308\n"
    "RUS,b,37.7,55.8,1e308\n",
    "transit.geojson": '{"type": "FeatureCollection", "features": [{"type": '
    '"Feature", "geometry": {"type": "LineString", "coordinates": [[37.2, 55.5], '
    '[37.9, 55.9]]}, "properties": {"transit": true}}]}',
    "feature.geojson": '{"type": "FeatureCollection", "features": [1]}',
    "deep.geojson": "[" * 100_000 + "]" * 100_000,
    "deep.toml": "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "tex.toml": 'title = "costs $5 $\\\\frac{"\nyear = 2019\n'
    "[[requests]]\nobserver = 'USA'\nobserved = 'RUS'\nflights = 1\n",
    "thesis/chapter1.tex": "mine",
}
ROUTE = ["--observer", "USA", "--observed", "RUS", "--date", "2019-06-01"]
#: Hostile calls: (argv with {d} for the files' folder, the status expected when
#: every area's fix is in; None: 0, 1 or 2).  Each is an item of issue 10.
CATALOGUE = [
    (["allocate", "{d}/big.csv", "--year", "2019"], 2),
    (["allocate", "{d}/ovf.csv", "--year", "2019"], 2),
    (["allocate", "{d}/ok.csv", "--year", str(2**63)], 2),
    (["allocate", "{d}/ok.csv", "--year", "2019", "--seed", str(2**31)], None),
    (["allocate", "{d}/ok.csv", "--year", "2019", "--workers", str(2**31)], None),
    (["allocate", "{d}/ls.csv", "--year", "2019"], 2),
    (["allocate", "{d}/bom.csv", "--year", "2019", "--time-limit", "1"], 0),
    (["allocate", "{d}/ok.csv\x00", "--year", "2019"], 2),
    (["allocate", "{d}", "--year", "2019"], 2),
    (["check-route", "{d}/transit.geojson", *ROUTE], 2),
    (["check-route", "{d}/feature.geojson", *ROUTE], 2),
    (["check-route", "{d}/deep.geojson", *ROUTE], 2),
    (["plan", "{d}/deep.toml", "-o", "{d}/out"], 2),
    (["plan", "{d}/tex.toml", "-o", "{d}/tex", "-q"], 0),
    (["plan", "{d}/tex.toml", "-o", "{d}/thesis", "--force"], 2),
    (["plan", "{d}/tex.toml", "-o", "{d}/out\x00"], 2),
    (["schedule", "{d}/ok.csv", "--year", str(2**63), "-o", "{d}/m.csv"], 2),
    (
        [
            "schedule",
            "{d}/ok.csv",
            "--year",
            "2019",
            "--blackouts",
            "{d}/blackouts.csv",
            "--time-limit",
            "1",
            "-o",
            "{d}/m.csv",
        ],
        None,
    ),
    (["schedule", "{d}/ok.csv", "--year", "2019", "-o", "{d}"], 2),
    (
        [
            "plan-route",
            *ROUTE,
            "--start",
            "UUMB",
            "--sites",
            "{d}/sites.csv",
            "--time-limit",
            "0.5",
            "-o",
            "{d}/r.geojson",
        ],
        None,
    ),
    (["show", "RUS\x00", "--as-of", "2019-01-01"], 2),
    (["states", "--as-of", "9999-12-31"], None),
    (["states", "--as-of=--"], 2),  # argparse gives an empty list, not a string
]


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files of :data:`FILES` in one folder."""
    folder = tmp_path_factory.mktemp("hostile")
    for name, text in FILES.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("argv", "expected"),
    CATALOGUE,
    ids=[
        " ".join(a.replace("{d}/", "").replace("\x00", "NUL")[:24] for a in argv)
        for argv, _ in CATALOGUE
    ],
)
def test_catalogue_of_hostile_calls(
    hostile_files: Path, argv: list[str], expected: int | None
) -> None:
    folder = hostile_files
    args = [a.replace("{d}", str(folder)) for a in argv]
    status, err = _run(args, folder)
    assert status in ((0, 1, 2) if expected is None else (expected,)), err
    if status == 2:
        assert len(err.strip().splitlines()) == 1, err
        assert "=True" not in err
    if argv[0] == "plan" and "--force" in argv:
        assert "--force" in err
        assert os.listdir(folder / "thesis") == ["chapter1.tex"]


# ------------------------------------------------------------------- --format

#: Every command (and ledger action) with ``--format``, with arguments that
#: are otherwise good, cheap and need no file.
FORMATTED = [
    ["states", "--as-of", "2020-01-01"],
    ["show", "DEU", "--as-of", "2019-06-01"],
    ["allocate", "{d}/ok.csv", "--year", "2019", "--time-limit", "1"],
    ["check-distribution", "{d}/ok.csv", "--year", "2019"],
    ["schedule", "{d}/ok.csv", "--year", "2019", "--time-limit", "1"],
    ["check-route", "{d}/ok.geojson", *ROUTE],
    ["plan-route", *ROUTE, "--start", "UUMB", "--sites", "{d}/s.csv", "-o", "{d}/r"],
    ["plan", "{d}/tex.toml", "-o", "{d}/f"],
    ["sources"],
]
BAD_FORMATS = ["", "xml", "JSON", "json ", "csv\x00", "text,json", "é" * 40, "2**63"]


def test_every_printing_command_has_the_shared_format_option() -> None:
    parsers = subcommands(build_parser())
    for argv in FORMATTED:
        (action,) = [a for a in parsers[argv[0]]._actions if a.dest == "format"]
        assert tuple(action.choices) == ("text", "json", "csv"), argv[0]
        assert action.default == "text"


@settings(max_examples=30, phases=[Phase.explicit, Phase.generate], database=None)
@given(
    argv=st.sampled_from(FORMATTED),
    form=st.sampled_from(BAD_FORMATS) | st.text(max_size=20),
)
def test_a_bad_format_exits_2_with_one_line(argv: list[str], form: str) -> None:
    if form in ("text", "json", "csv"):
        form += "x"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        args = [a.replace("{d}", str(folder)) for a in argv]
        status, err = _run([*args, f"--format={form}"], folder)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "--format" in lines[0]
    assert "invalid choice" in lines[0]


def _strict_json(text: str) -> object:
    """Parse JSON, refusing NaN and Infinity (not JSON, though Python writes them)."""
    import json

    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize(
    "argv",
    [
        ["check-route", "{d}/formula.geojson", *ROUTE],
        ["plan-route", *ROUTE, "--start", "UUMB", "--sites", "{d}/big_sites.csv"],
        ["allocate", "{d}/bom.csv", "--year", "2019", "--time-limit", "1"],
        ["check-distribution", "{d}/ok.csv", "--year", "2019"],
    ],
    ids=lambda argv: argv[0],
)
@pytest.mark.parametrize("form", ["json", "csv"])
def test_machine_output_of_hostile_values_is_strict(
    hostile_files: Path, argv: list[str], form: str
) -> None:
    # a route and a site named like spreadsheet formulas; a site worth 1e12
    folder = hostile_files
    (folder / "big_sites.csv").write_text(
        "observed,name,lon,lat,value\nRUS,=cmd,37.6,55.7,1e12\nRUS,b,37.7,55.8,1e-9\n"
    )
    (folder / "formula.geojson").write_text(
        '{"type": "Feature", "properties": {"name": "=HYPERLINK(1)"}, "geometry": '
        '{"type": "LineString", "coordinates": [[37.2, 55.5], [37.9, 55.9]]}}'
    )
    args = [a.replace("{d}", str(folder)) for a in argv]
    if args[0] == "plan-route":
        args += ["--time-limit", "0.5", "-o", str(folder / "r.geojson")]
    out = io.StringIO()
    with contextlib.chdir(folder), contextlib.redirect_stdout(out):
        status = main([*args, "--format", form])
    assert status in (0, 1)
    if form == "json":
        assert isinstance(_strict_json(out.getvalue()), dict | list)
        return
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert len({len(row) for row in rows}) == 1  # one header, rows of its width
    assert rows[0] not in rows[1:]
    assert not any(cell.startswith("=") for row in rows for cell in row)
