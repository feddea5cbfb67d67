"""Variants of a scenario from files, for :func:`~openskies.annual.sweep.sweep`.

Two formats, chosen by the file's extension:

* **TOML** (``.toml``): a list of ``[[variant]]`` tables in the scenario file's
  own key structure::

      [[variant]]                    # the scenario as it is

      [[variant]]
      membership.leave.USA = 2020-06-01

      [[variant]]
      objective = "total"
      routes.reading = "observed-party"

* **CSV** (any other extension): one variant per data row, one dotted key per
  column (``objective``, ``routes.reading``, ``membership.leave.USA``,
  ``membership.join.USA.date``).  An empty cell leaves the key as the scenario
  has it; a row of empty cells plans the scenario as it is.  A cell is read as
  a TOML value where it is one (``2020-06-01`` is a date, ``3`` a whole
  number, ``true`` a flag, ``"x"`` text) and as text otherwise (``total``).

Only the shape is checked here; the keys and values are checked by
:meth:`~openskies.annual.scenario.Scenario.with_overrides`, variant by variant.
"""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path
from typing import Any

from openskies.errors import DataError
from openskies.files.user_files import read_user_text, shown

__all__ = ["nest", "read_variants"]


def read_variants(path: str | Path) -> list[dict[str, Any]]:
    """Read the variants of a sweep from a TOML or CSV file.

    Parameters
    ----------
    path
        ``.toml``: ``[[variant]]`` tables; otherwise a CSV of dotted keys.

    Returns
    -------
    list of dict
        One nested override mapping per variant, in file order.

    Raises
    ------
    DataError
        If the file is unreadable, not valid TOML or CSV, has no variant, or a
        column or key is malformed (names the file, row or line, and key).
    """
    text = read_user_text(path, what="variants file")
    if str(path).lower().endswith(".toml"):
        return _from_toml(text, Path(path))
    return _from_csv(text, Path(path))


def _from_toml(text: str, file: Path) -> list[dict[str, Any]]:
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise DataError("the TOML is nested too deeply", file=file) from None
    except tomllib.TOMLDecodeError as err:
        raise DataError(f"not valid TOML: {err}", file=file) from None
    extra = [k for k in data if k != "variant"]
    if extra:
        raise DataError(
            f"unknown key {shown(extra[0])}; a variants file holds only "
            "[[variant]] tables",
            file=file,
        )
    tables = data.get("variant")
    if not isinstance(tables, list) or not tables:
        raise DataError(
            "no variant: add [[variant]] tables (an empty one plans the scenario "
            "as it is)",
            file=file,
        )
    return [dict(t) for t in tables]


def _from_csv(text: str, file: Path) -> list[dict[str, Any]]:
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise DataError(f"not valid CSV: {err}", file=file) from None
    if not rows or not any(c.strip() for c in rows[0]):
        raise DataError(
            "the header is empty; name one dotted key per column, e.g. "
            "objective,membership.leave.USA",
            file=file,
        )
    header = [c.strip() for c in rows[0]]
    for name in header:
        if not name or any(not part for part in name.split(".")):
            raise DataError(
                f"column {shown(name)} is not a dotted key such as routes.reading",
                file=file,
                row=0,
            )
    if len(set(header)) != len(header):
        raise DataError("a column name appears twice", file=file, row=0)
    out = []
    for number, row in enumerate(rows[1:], start=1):
        if not row:  # a blank line; a row of empty cells is the scenario as is
            continue
        if len(row) > len(header):
            raise DataError(
                f"{len(row)} cells for {len(header)} columns", file=file, row=number
            )
        cells = {k: _value(c) for k, c in zip(header, row, strict=False) if c.strip()}
        try:
            out.append(nest(cells))
        except ValueError as err:
            raise DataError(str(err), file=file, row=number) from None
    if not out:
        raise DataError("no variant: add one data row per variant", file=file)
    return out


def _value(cell: str) -> Any:
    """Return a CSV cell as a TOML value if it is one, else as text."""
    text = cell.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text


def nest(cells: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"a.b": 1}`` as ``{"a": {"b": 1}}``.

    Raises
    ------
    ValueError
        If a key is both a value and a table (``routes`` and ``routes.reading``).
    """
    out: dict[str, Any] = {}
    for key, value in cells.items():
        *parents, last = key.split(".")
        table = out
        for depth, part in enumerate(parents):
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                clash = ".".join(parents[: depth + 1])
                raise ValueError(f"{clash} is both a value and a table in {key}")
        if last in table:
            raise ValueError(f"{key} is both a value and a table")
        table[last] = value
    return out
