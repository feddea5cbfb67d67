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
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from openskies.errors import DataError, OutputError
from openskies.ledger.schema import (
    APPLICATION_ID,
    FORMAT,
    SCHEMA_VERSION,
    USER_VERSION,
    schema_statements,
)

__all__ = ["BUSY_TIMEOUT_S", "connect", "create_file", "transaction"]

#: How long a writer waits for another process's transaction [s].
BUSY_TIMEOUT_S = 60.0

Statement = tuple[str, Sequence[object]]


def _connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode (transactions are explicit)."""
    return sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)


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
    except BaseException:
        con.close()
        raise
    return con


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
    except sqlite3.DatabaseError as err:
        raise DataError(
            f"not a readable ledger ({str(err)[:80]}); the file is damaged or not "
            "a GeoPackage made by Ledger.create: restore it from a backup",
            file=path,
        ) from None
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
