"""Fuzz tests of every file reader: hostile files give an OpenSkiesError, nothing else.

Hypothesis writes random bytes, random CSV (random separators, quotes, byte-order
marks, Unicode line separators, extreme numbers and dates), random and deeply
nested JSON and TOML, and feeds them to the readers.  The only exceptions allowed
to escape are subclasses of :class:`~openskies.errors.OpenSkiesError`; any other
(``_csv.Error``, ``OverflowError``, ``RecursionError``, ``TypeError``...) fails
the test.  Valid request files written in any accepted dialect read back to the
same requests.

The examples per test are bounded (``max_examples``) so the file runs in a few
seconds; ``OPENSKIES_HYPOTHESIS_PROFILE=openskies-long`` runs a larger budget.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openskies import Treaty
from openskies.allocation.problem import Request, read_requests
from openskies.annual.scenario_reader import _TOP_KEYS, load_scenario
from openskies.calendar.inputs import BLACKOUT_COLUMNS
from openskies.calendar.schedule import read_blackouts
from openskies.errors import OpenSkiesError
from openskies.geo.route import Route, routes_from_geojson
from openskies.geo.sites import SITE_COLUMNS, read_sites
from openskies.output.calendar_export import CSV_COLUMNS, read_missions_csv
from openskies.treaty.aircraft import AIRCRAFT_COLUMNS, read_aircraft
from openskies.treaty.distribution import COLUMNS as DISTRIBUTION_COLUMNS
from openskies.treaty.distribution import Distribution

#: Examples per test in the bounded (CI) profile; the long profile overrides it.
EXAMPLES = 60 if os.environ.get("OPENSKIES_HYPOTHESIS_PROFILE") is None else None


def bounded(examples: int = 60) -> Callable[[Any], Any]:
    """Bound the examples of a test in the default profile only."""
    if EXAMPLES is None:
        return lambda test: test
    return settings(max_examples=examples)


@contextmanager
def hostile_file(data: bytes, name: str) -> Iterator[Path]:
    """Write ``data`` to a fresh file called ``name`` and yield its path."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def only_openskies_errors(read: Callable[[], object]) -> None:
    """Call ``read``; an OpenSkiesError is a fine answer, anything else escapes."""
    message = "no error"
    try:
        read()
    except OpenSkiesError as err:
        message = str(err)
    assert message  # every error says something
    assert len(message) < 2_000  # and never echoes a whole hostile file


# ----------------------------------------------------------------- CSV readers

READERS: dict[str, tuple[tuple[str, ...], Callable[[Path], object]]] = {
    "requests": (("observer", "observed", "flights", "priority"), read_requests),
    "sites": ((*SITE_COLUMNS, "kind"), read_sites),
    "aircraft": (AIRCRAFT_COLUMNS, read_aircraft),
    "blackouts": ((*BLACKOUT_COLUMNS, "note"), read_blackouts),
    "distribution": (DISTRIBUTION_COLUMNS, Distribution.read_csv),
    "missions": (CSV_COLUMNS, read_missions_csv),
}

EXTREME = [
    "",
    "0",
    "-1",
    "1",
    "3_0",
    "٣",
    "1e308",
    "-1e308",
    "1e400",
    "nan",
    "NaN",
    "inf",
    "-inf",
    str(2**63),
    str(-(2**63)),
    "9" * 5000,
    "0x10",
    "1.5",
    "USA",
    "RUS",
    "BENELUX",
    "usa",
    "2020-01-01",
    "9999-12-31",
    "0001-01-01",
    "2020-02-30",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00+05:00",
    "2020-01-01T00:00:00Z",
    "yes",
    "no",
    "x" * 200_000,
    "=cmd|' /C calc'!A0",
    "\x00",
    '"',
    '""',
    "a\u2028b",
    "a\x85b",
    "a\rb",
    "a\nb",
]
CELLS = st.one_of(st.sampled_from(EXTREME), st.text(max_size=12))
SEPARATORS = st.sampled_from([",", ";", "\t", "|", ", ", ";;"])
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r", "\u2028", "\x85", "\n\n"])


def quoted(cell: str, separator: str, quote: bool) -> str:
    """Return ``cell`` as a CSV field, quoted (with doubled quotes) if asked."""
    return '"' + cell.replace('"', '""') + '"' if quote else cell


@st.composite
def csv_texts(draw: st.DrawFn, columns: tuple[str, ...]) -> bytes:
    """A CSV file that is nearly right for ``columns`` and hostile in details."""
    names = list(
        draw(
            st.lists(
                st.sampled_from([*columns, "extra", columns[0]]),
                min_size=0,
                max_size=len(columns) + 2,
            )
            | st.permutations(columns)
            | st.just(columns)
        )
    )
    names = [draw(st.sampled_from([n, n.upper(), n.title(), f" {n} "])) for n in names]
    separator = draw(st.sampled_from([",", ";"]) | SEPARATORS)
    end = draw(st.sampled_from(["\n", "\r\n"]) | LINE_ENDS)
    quote = st.booleans()
    rows = [separator.join(quoted(n, separator, draw(quote)) for n in names)]
    for _ in range(draw(st.integers(0, 4))):
        width = draw(st.sampled_from([len(names)]) | st.integers(0, len(names) + 2))
        cells = [draw(CELLS) for _ in range(width)]
        rows.append(separator.join(quoted(c, separator, draw(quote)) for c in cells))
    if draw(st.booleans()) and len(rows) > 1:
        rows.append(rows[-1])  # a duplicate row
    text = end.join(rows) + draw(st.sampled_from(["", end]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"]))
    return bom + text.encode("utf-8", "surrogatepass")


@pytest.mark.parametrize("reader", sorted(READERS))
@bounded(80)
@given(data=st.data())
def test_csv_readers_raise_only_openskies_errors(reader: str, data: Any) -> None:
    columns, read = READERS[reader]
    content = data.draw(csv_texts(columns) | st.binary(max_size=300), label="file")
    with hostile_file(content, f"{reader}.csv") as path:
        only_openskies_errors(lambda: read(path))


@st.composite
def request_sets(draw: st.DrawFn) -> list[Request]:
    """Valid requests: distinct (observer, observed) pairs of made-up codes."""
    code = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=7)
    pairs = draw(
        st.lists(
            st.tuples(code, code),
            max_size=12,
            unique_by=lambda p: (p[0].upper(), p[1].upper()),
        )
    )
    return [
        Request(o, t, draw(st.integers(0, 1_000_000)), draw(st.integers(1, 1_000_000)))
        for o, t in pairs
    ]


@bounded(60)
@given(
    requests=request_sets(),
    separator=st.sampled_from([",", ";"]),
    end=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    upper=st.booleans(),
    quote=st.booleans(),
)
def test_valid_requests_round_trip_in_every_dialect(
    requests: list[Request],
    separator: str,
    end: str,
    bom: bool,
    upper: bool,
    quote: bool,
) -> None:
    header = ["observer", "observed", "flights", "priority"]
    header = [h.upper() if upper else h for h in header]
    lines = [separator.join(header)]
    for r in requests:
        cells = [r.observer, r.observed, str(r.flights), str(r.priority)]
        lines.append(separator.join(quoted(c, separator, quote) for c in cells))
    text = ("\ufeff" if bom else "") + end.join(lines) + end
    with hostile_file(text.encode("utf-8"), "requests.csv") as path:
        assert read_requests(path) == requests


# ---------------------------------------------------------------- GeoJSON routes

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
POSITION = st.lists(JSON_SCALARS | st.floats(-200, 200), min_size=0, max_size=3)


@st.composite
def geojson_documents(draw: st.DrawFn) -> object:
    """A GeoJSON-like object with hostile parts in random places."""
    geometry = draw(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["LineString", "Point", "Polygon"])
                | JSON_SCALARS,
                "coordinates": st.lists(POSITION | JSON_VALUES, max_size=5)
                | JSON_VALUES,
            }
        )
        | JSON_VALUES
    )
    properties = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "transit": JSON_VALUES | st.sampled_from([True, 1, "1", "[0]", "[x"]),
                "start": JSON_VALUES | st.just("UUMB"),
                "end": JSON_VALUES,
                "name": JSON_VALUES,
            },
        )
        | JSON_VALUES
    )
    feature = {"type": "Feature", "geometry": geometry, "properties": properties}
    return draw(
        st.sampled_from(
            [
                feature,
                geometry,
                {"type": "FeatureCollection", "features": [feature, feature]},
                {"type": "FeatureCollection", "features": properties},
                [feature],
            ]
        )
    )


@bounded(150)
@given(document=geojson_documents())
def test_routes_from_geojson_objects_raise_only_openskies_errors(
    document: object,
) -> None:
    only_openskies_errors(lambda: routes_from_geojson(document))  # type: ignore[arg-type]


@bounded(60)
@given(
    content=st.one_of(
        geojson_documents().map(lambda d: json.dumps(d).encode()),
        st.integers(1, 200_000).map(lambda n: b"[" * n + b"]" * (n % 7)),
        st.integers(1, 200_000).map(lambda n: b'{"a":' * n),
        st.binary(max_size=200),
        st.sampled_from([b"1" * 5000, b"1e999", b"NaN", b"\xef\xbb\xbf{}", b""]),
    )
)
def test_route_files_raise_only_openskies_errors(content: bytes) -> None:
    for name in ("route.geojson", "route.gpx"):
        with hostile_file(content, name) as path:
            reader = Route.from_gpx if name.endswith(".gpx") else routes_from_geojson
            only_openskies_errors(lambda: reader(path))  # noqa: B023


@bounded(60)
@given(coords=JSON_VALUES, transit=JSON_VALUES, start=JSON_VALUES, name=JSON_VALUES)
def test_route_constructors_raise_only_openskies_errors(
    coords: object, transit: object, start: object, name: object
) -> None:
    only_openskies_errors(
        lambda: Route.from_coords(coords, transit=transit, start=start, name=name)  # type: ignore[arg-type]
    )
    only_openskies_errors(lambda: Route(coords, transit, start, None, name))  # type: ignore[arg-type]


# --------------------------------------------------------------------- scenarios

TOML_VALUES = st.one_of(
    st.sampled_from(
        [
            "2019",
            "2020",
            str(2**63),
            str(-(2**63)),
            "10000000",
            "1e308",
            "nan",
            "inf",
            "-1",
            "0",
            "true",
            "2020-06-01",
            "9999-12-31",
            '"fair"',
            '"requests.csv"',
            '"."',
            '"pipe"',
            '"a\\u0000b"',
            '"/"',
            "[]",
            "[1, 2]",
            "{ a = 1 }",
            "[" * 2000 + "]" * 2000,
            "[" * 100_000,
        ]
    ),
    st.integers(-(2**70), 2**70).map(str),
    st.text(alphabet="abc\"'[]{}=\\ .,\n", max_size=10),
)
TOML_KEYS = st.sampled_from([*_TOP_KEYS, "unknown"])
TABLES = st.sampled_from(
    [
        "",
        "[routes]",
        "[routes.sites]",
        "[solver]",
        "[solver.schedule]",
        "[[requests]]",
        "[[previous]]",
    ]
)
TABLE_KEYS = st.sampled_from(
    [
        "observer",
        "observed",
        "flights",
        "priority",
        "seed",
        "workers",
        "time_limit_s",
        "iteration_limit",
        "sites",
        "reading",
        "swath_km",
        "revisit_value",
        "USA",
        '"*"',
    ]
)


@st.composite
def scenario_texts(draw: st.DrawFn) -> bytes:
    """A scenario TOML that is nearly right, with hostile values and tables."""
    lines = [f"year = {draw(TOML_VALUES)}", f"requests = {draw(TOML_VALUES)}"]
    lines += [
        f"{draw(TOML_KEYS)} = {draw(TOML_VALUES)}"
        for _ in range(draw(st.integers(0, 3)))
    ]
    for _ in range(draw(st.integers(0, 3))):
        lines.append(draw(TABLES))
        lines += [
            f"{draw(TABLE_KEYS)} = {draw(TOML_VALUES)}"
            for _ in range(draw(st.integers(0, 3)))
        ]
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@bounded(120)
@given(content=scenario_texts() | st.binary(max_size=200))
def test_load_scenario_raises_only_openskies_errors(
    treaty: Treaty, content: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "requests.csv").write_text("observer,observed,flights\nUSA,RUS,1\n")
        os.mkfifo(base / "pipe")
        path = base / "scenario.toml"
        path.write_bytes(content)
        only_openskies_errors(lambda: load_scenario(path, treaty=treaty))


# ---------------------------------------------------------- the check-route CLI


@bounded(40)
@given(
    content=st.one_of(
        geojson_documents().map(lambda d: json.dumps(d).encode()),
        st.integers(1, 200_000).map(lambda n: b"[" * n),
        st.binary(max_size=200),
    ),
    suffix=st.sampled_from([".geojson", ".json", ".gpx"]),
)
def test_check_route_exits_2_with_one_line_on_bad_files(
    content: bytes, suffix: str
) -> None:
    import contextlib
    import io

    from openskies.cli.main import main

    with hostile_file(content, f"route{suffix}") as path:
        stderr, stdout = io.StringIO(), io.StringIO()
        argv = ["check-route", str(path), "--observer", "USA", "--observed", "RUS"]
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            status = main([*argv, "--date", "2019-06-01"])
    assert status in (0, 1, 2)
    if status == 2:
        assert stderr.getvalue().count("\n") == 1
        assert stderr.getvalue().startswith("openskies check-route: error: ")
