"""Fuzz the ledger: hostile arguments, hostile files, hostile command lines.

Asserted: only :class:`~openskies.errors.OpenSkiesError` subclasses escape; a
refused event stores nothing (the journal and the file's balance are as
before); a damaged or edited file is refused on opening with a DataError, or
opens and answers; the command line exits 2 with one line.  Bounded
(:data:`EXAMPLES`) unless ``OPENSKIES_HYPOTHESIS_PROFILE=openskies-long``.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ledger_data import small_plan

from openskies import Ledger, OpenSkiesError, Treaty
from openskies.cli.main import main
from openskies.errors import DataError

EXAMPLES = 25
LONG = os.environ.get("OPENSKIES_HYPOTHESIS_PROFILE") == "openskies-long"
BUDGET = settings() if LONG else settings(max_examples=EXAMPLES)

HOSTILE: list[Any] = [
    None,
    0,
    -1,
    2**63,
    -(2**63),
    float("nan"),
    float("inf"),
    1e308,
    True,
    b"bytes",
    ["OS0001"],
    {"a": 1},
    [[[[[]]]]],
    "",
    "a\x00b",
    "x" * 300,
    "2020-02-30",
    "9999-12-31",
    "OS0001",
    "DEU",
    "flown",
    "curtailed",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=True),
    st.dates().map(str),
)


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory, treaty: Treaty) -> Path:
    """A ledger of the small year, never written to."""
    folder = tmp_path_factory.mktemp("fuzz_ledger")
    path = folder / "blank.gpkg"
    Ledger.create(path, small_plan(folder, treaty)).close()
    return path


@pytest.fixture(scope="module")
def ledger(blank: Path, tmp_path_factory: pytest.TempPathFactory) -> Ledger:
    """One copy with a flown mission, shared by the argument fuzzers."""
    path = tmp_path_factory.mktemp("fuzz_ledger_rw") / "year.gpkg"
    shutil.copyfile(blank, path)
    with Ledger.open(path) as opened:
        opened.record("OS0001", "flown", date="2020-03-01")
        yield opened


def _state(ledger: Ledger) -> tuple[int, list[tuple[Any, ...]]]:
    events = ledger._con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    balance = ledger._con.execute("SELECT * FROM balance ORDER BY 1, 2").fetchall()
    return events, balance


def _refused_or_stored(ledger: Ledger, call: Any) -> None:
    before = _state(ledger)
    try:
        call()
    except OpenSkiesError:
        assert _state(ledger) == before
    else:
        assert _state(ledger)[0] == before[0] + 1


@BUDGET
@given(mission=VALUES, outcome=VALUES, date=VALUES, cause=VALUES, counted=VALUES)
def test_record_with_hostile_arguments(
    ledger: Ledger, mission: Any, outcome: Any, date: Any, cause: Any, counted: Any
) -> None:
    _refused_or_stored(
        ledger,
        lambda: ledger.record(
            mission, outcome, date=date, cause=cause, counted=counted
        ),
    )


@BUDGET
@given(
    route=st.one_of(
        st.sampled_from(HOSTILE),
        st.lists(st.tuples(st.floats(), st.floats()), max_size=4),
    ),
    note=VALUES,
)
def test_record_with_hostile_tracks_and_notes(
    ledger: Ledger, route: Any, note: Any
) -> None:
    # OS0001 already has an outcome: whatever the track, nothing is stored
    before = _state(ledger)
    with pytest.raises(OpenSkiesError):
        ledger.record("OS0001", "flown", date="2020-03-01", route=route, note=note)
    assert _state(ledger) == before


@BUDGET
@given(
    observer=VALUES,
    observed=VALUES,
    flights=VALUES,
    to=VALUES,
    date=VALUES,
    consent=st.one_of(st.booleans(), VALUES),
)
def test_transfer_with_hostile_arguments(
    ledger: Ledger,
    observer: Any,
    observed: Any,
    flights: Any,
    to: Any,
    date: Any,
    consent: Any,
) -> None:
    _refused_or_stored(
        ledger,
        lambda: ledger.transfer(
            observer, observed, flights, to=to, date=date, consent=consent
        ),
    )


@BUDGET
@given(mission=VALUES, requester=VALUES, date=VALUES, as_of=VALUES)
def test_imagery_and_balance_with_hostile_arguments(
    ledger: Ledger, mission: Any, requester: Any, date: Any, as_of: Any
) -> None:
    _refused_or_stored(
        ledger, lambda: ledger.request_imagery(mission, requester=requester, date=date)
    )
    try:
        recipients = ledger.imagery_recipients(mission, date)
    except OpenSkiesError:
        pass
    else:
        assert all(len(code) == 3 for code in recipients)
    try:
        frame = ledger.balance(as_of)
    except OpenSkiesError:
        pass
    else:
        assert (frame.remaining >= 0).all()


@settings(max_examples=8)
@given(as_of=VALUES, options=st.sampled_from([None, 5, "fast", {"seed": 0}]))
def test_replan_and_commit_with_hostile_arguments(
    ledger: Ledger, as_of: Any, options: Any
) -> None:
    with pytest.raises(OpenSkiesError):
        ledger.replan(as_of, options=options if options is not None else 0)
    with pytest.raises(OpenSkiesError):
        ledger.commit(as_of)


@BUDGET
@given(
    start=st.integers(0, 300_000),
    junk=st.binary(min_size=1, max_size=512),
)
def test_damaged_files_are_refused_or_read(
    blank: Path, start: int, junk: bytes
) -> None:
    data = bytearray(blank.read_bytes())
    start %= len(data)
    data[start : start + len(junk)] = junk
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "damaged.gpkg"
        path.write_bytes(bytes(data))
        try:
            with Ledger.open(path) as ledger:
                ledger.balance()
                ledger.events()
                ledger.missions()
        except DataError:
            pass


@BUDGET
@given(
    table=st.sampled_from(
        [
            ("ledger_meta", "value", "key = 'year'"),
            ("ledger_meta", "value", "key = 'pair_cap'"),
            ("distribution", "flights", "1"),
            ("parties", "passive_quota", "1"),
            ("parties", "left_on", "1"),
            ("missions", "arrival", "1"),
        ]
    ),
    value=st.one_of(st.sampled_from(HOSTILE[:13]), st.text(max_size=8)),
)
def test_hand_edited_values_are_refused_or_read(
    blank: Path, table: tuple[str, str, str], value: Any
) -> None:
    name, column, where = table
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "edited.gpkg"
        shutil.copyfile(blank, path)
        con = sqlite3.connect(path)
        stored = (
            value if isinstance(value, str | int | float | bytes | None) else str(value)
        )
        if isinstance(stored, int) and abs(stored) >= 2**63:
            stored = str(stored)
        try:
            con.execute(f"UPDATE {name} SET {column} = ? WHERE {where}", (stored,))
        except sqlite3.IntegrityError:  # NOT NULL: SQLite itself refuses the edit
            con.close()
            return
        con.commit()
        con.close()
        message = ""
        try:
            with Ledger.open(path) as ledger:
                ledger.balance()
                ledger.missions()
        except DataError as err:
            message = str(err)
        assert message == "" or "restore" in message


ARGS = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "--date",
                "--to",
                "--consent",
                "--cause",
                "--as-of",
                "--format",
                "--counted",
                "--requester",
                "--track",
            ]
        ),
        st.text(max_size=10),
        st.sampled_from([str(v) for v in HOSTILE]),
    ),
    max_size=6,
)


@BUDGET
@given(
    action=st.sampled_from(
        ["record", "transfer", "imagery", "balance", "replan", "events"]
    ),
    args=ARGS,
)
def test_cli_bad_input_is_one_line(blank: Path, action: str, args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "year.gpkg"
        shutil.copyfile(blank, path)
        argv = ["ledger", action, str(path), *args]
        if action == "replan":
            argv += ["--time-limit", "1"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
        assert status in (0, 2)
        if status == 2:
            assert err.getvalue().count("\n") == 1
            assert err.getvalue().startswith("openskies")
            assert out.getvalue() == ""
