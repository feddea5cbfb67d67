"""SQLite I/O of a ledger: creating, opening and checking the file, transactions.

Every change is one transaction, ``BEGIN IMMEDIATE`` ... ``COMMIT``: the write
lock is taken before the ledger is read for validation, so two processes
writing at once are serialised by SQLite's locking (each waits up to
:data:`BUSY_TIMEOUT_S` for the other), and a process killed in the middle leaves
the file as it was before the transaction (SQLite's rollback journal, with
``synchronous = FULL``).  A new ledger is written to a temporary file beside the
target and linked into place, so a half-written file never takes its name and
an existing file is never replaced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from openskies.errors import DataError, OutputError
from openskies.ledger.schema import (
    APPLICATION_ID,
    FORMAT,
    SCHEMA_VERSION,
    USER_VERSION,
    schema_statements,
)
from openskies.ledger.types import EventKind, Outcome

__all__ = [
    "BUSY_TIMEOUT_S",
    "check_values",
    "connect",
    "create_file",
    "transaction",
]

#: How long a writer waits for another process's transaction [s].
BUSY_TIMEOUT_S = 60.0

Statement = tuple[str, Sequence[object]]


def _connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode (transactions are explicit).

    Text that is not UTF-8 (a damaged file) reads with replacement characters
    instead of raising in the middle of a query.
    """
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    con.text_factory = lambda raw: raw.decode("utf-8", errors="replace")
    return con


@functools.cache
def _expected_columns() -> dict[str, tuple[str, ...]]:
    """Return the columns of every table of the schema, from an empty database."""
    con = sqlite3.connect(":memory:")
    try:
        for sql, params in schema_statements():
            if sql.startswith("CREATE"):
                con.execute(sql, params)
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master")]
        return {
            name: tuple(r[1] for r in con.execute(f"PRAGMA table_info({name})"))
            for name in names
            if not name.startswith("sqlite_")
        }
    finally:
        con.close()


def _settle(con: sqlite3.Connection) -> None:
    """Make every commit durable and enforce the GeoPackage's foreign keys."""
    con.execute("PRAGMA synchronous = FULL")
    con.execute("PRAGMA foreign_keys = ON")


def create_file(path: Path, statements: Sequence[Statement]) -> None:
    """Create the ledger ``path`` with the schema and then ``statements``.

    Raises
    ------
    OutputError
        If ``path`` exists (also a ``FileExistsError``).
    OSError
        If the directory cannot be written.
    """
    import tempfile

    if path.exists() or path.is_symlink():
        raise OutputError(
            f"{path}: a file of that name exists; a ledger is never replaced: "
            "choose another name, or open the existing ledger with Ledger.open()"
        )
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        con = _connect(tmp)
        try:
            _settle(con)
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            con.execute(f"PRAGMA user_version = {USER_VERSION}")
            con.execute("BEGIN IMMEDIATE")
            for sql, params in [*schema_statements(), *statements]:
                con.execute(sql, tuple(params))
            con.execute("COMMIT")
        finally:
            con.close()
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)  # fails if path appeared meanwhile: never replaced
        except FileExistsError:
            raise OutputError(
                f"{path}: a file of that name appeared while the ledger was "
                "written; choose another name"
            ) from None
    finally:
        tmp.unlink(missing_ok=True)


def connect(path: Path) -> sqlite3.Connection:
    """Open an existing ledger and check that it is one of this schema version.

    Raises
    ------
    DataError
        If ``path`` is missing, not a SQLite GeoPackage, damaged, not a ledger
        or a ledger of another schema version; the message says what to do.
    """
    if not path.is_file():
        raise DataError(
            "no such ledger file; create one with Ledger.create(path, plan) or "
            "`openskies ledger init`",
            file=path,
        )
    con = _connect(path)
    try:
        _check(con, path)
        _settle(con)
        try:
            check_values(con, path)
        except (sqlite3.DatabaseError, UnicodeDecodeError) as err:
            raise _unreadable(path, err) from None
    except BaseException:
        con.close()
        raise
    return con


def _unreadable(path: Path, err: Exception) -> DataError:
    """Return the error for a file SQLite cannot read as a ledger."""
    return DataError(
        f"not a readable ledger ({str(err)[:80]}); the file is damaged or not "
        "a GeoPackage made by Ledger.create: restore it from a backup",
        file=path,
    )


def _check(con: sqlite3.Connection, path: Path) -> None:
    """Raise DataError unless ``con`` is a sound ledger of :data:`SCHEMA_VERSION`."""
    try:
        (app,) = con.execute("PRAGMA application_id").fetchone()
        if app != APPLICATION_ID:
            raise DataError(
                f"not a GeoPackage (application_id {app:#x}, expected 'GPKG'); "
                "open a ledger file made by Ledger.create or `openskies ledger init`",
                file=path,
            )
        (quick,) = con.execute("PRAGMA quick_check").fetchone()
        if quick != "ok":
            raise DataError(
                f"the file is damaged ({str(quick)[:80]}); restore it from a "
                "backup (a ledger is one file: copy it when no process writes)",
                file=path,
            )
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        meta = (
            dict(con.execute("SELECT key, value FROM ledger_meta").fetchall())
            if "ledger_meta" in tables
            else {}
        )
        columns = {
            name: tuple(r[1] for r in con.execute(f"PRAGMA table_info({name})"))
            for name in _expected_columns()
        }
    except (sqlite3.DatabaseError, UnicodeDecodeError) as err:
        raise _unreadable(path, err) from None
    if meta.get("format") != FORMAT:
        raise DataError(
            "a GeoPackage, but not an openskies ledger (no 'format' = "
            f"{FORMAT!r} in table ledger_meta); create one with Ledger.create",
            file=path,
            field="format",
        )
    if meta.get("schema_version") != str(SCHEMA_VERSION):
        raise DataError(
            f"ledger schema version {str(meta.get('schema_version'))[:20]!r}; this "
            f"openskies reads version {SCHEMA_VERSION}: open it with the openskies "
            "version that wrote it, or create a new ledger from the plan",
            file=path,
            field="schema_version",
        )
    for name, expected in _expected_columns().items():
        if columns[name] != expected:
            raise DataError(
                f"table {name} has columns {', '.join(columns[name])[:80] or 'none'}"
                f", not those of a version {SCHEMA_VERSION} ledger; the file was "
                "edited or damaged: restore it from a backup",
                file=path,
            )


@contextlib.contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block as one write transaction (``BEGIN IMMEDIATE``).

    Roll back if the block raises.
    """
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _is_text(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 64


def _is_count(value: object) -> bool:
    return isinstance(value, int) and 0 <= value < 1_000_000


def _is_day(value: object) -> bool:
    try:
        dt.date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _is_moment(value: object) -> bool:
    try:
        moment = dt.datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return moment.tzinfo is not None


def _maybe(check: Callable[[object], bool]) -> Callable[[object], bool]:
    return lambda value: value is None or check(value)


#: Checks of the stored values: table -> column -> predicate.
_CHECKS: dict[str, dict[str, Callable[[object], bool]]] = {
    "distribution": {"observer": _is_text, "observed": _is_text, "flights": _is_count},
    "parties": {
        "state": _is_text,
        "party": _is_text,
        "passive_quota": _is_count,
        "in_force": _maybe(_is_day),
        "left_on": _maybe(_is_day),
    },
    "missions": {
        "calendar": _is_count,
        "mission_id": _is_text,
        "observer": _is_text,
        "observed": _is_text,
        "notice": _is_moment,
        "arrival": _is_moment,
        "end_time": _is_moment,
    },
    "events": {
        "kind": lambda v: v in {k.value for k in EventKind},
        "date": _is_day,
        "observer": _maybe(_is_text),
        "observed": _maybe(_is_text),
        "receiver": _maybe(_is_text),
        "flights": _maybe(_is_count),
        "counted": lambda v: v in (None, 0, 1),
        "outcome": lambda v: v is None or v in {o.value for o in Outcome},
    },
}


def check_values(con: sqlite3.Connection, path: Path) -> dict[str, str]:
    """Check the stored values of every table; return ``ledger_meta``.

    Raises
    ------
    DataError
        Naming the table (as file), the 1-based row and the field of the first
        value that is not what the ledger writes (e.g. after an edit by hand).
    """
    meta = dict(con.execute("SELECT key, value FROM ledger_meta").fetchall())
    year = str(meta.get("year", ""))
    if not (year.isdigit() and 2002 <= int(year) <= 2100):
        raise DataError(
            f"year {year[:20]!r} is not a quota year in 2002..2100; restore the "
            "file from a backup",
            file=f"{path} (table ledger_meta)",
            field="year",
        )
    if meta.get("pair_cap") not in ("entitlement", "distributed"):
        raise DataError(
            "pair_cap must be 'entitlement' or 'distributed'; restore the file",
            file=f"{path} (table ledger_meta)",
            field="pair_cap",
        )
    for table, checks in _CHECKS.items():
        columns = ", ".join(checks)
        cursor = con.execute(f"SELECT {columns} FROM {table} ORDER BY rowid")
        for number, row in enumerate(cursor, start=1):
            for (name, check), value in zip(checks.items(), row, strict=True):
                if not check(value):
                    raise DataError(
                        f"{str(value)[:40]!r} is not a value the ledger writes "
                        "there; the file was edited or damaged: restore it from "
                        "a backup",
                        file=f"{path} (table {table})",
                        row=number,
                        field=name,
                    )
    return {str(k): str(v) for k, v in meta.items()}
