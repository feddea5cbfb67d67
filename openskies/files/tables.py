"""Strict readers for the text tables in ``quotas/`` and ``geodata/``.

Every parse error raises :class:`~openskies.errors.DataError` naming the file, the
1-based data row and the field, so a user who edits a table knows where to look.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openskies.errors import DataError, OptionsError
from openskies.files.user_files import read_user_text, shown

__all__ = ["INTEGER_MAX", "Row", "parse_date", "read_table"]

#: Largest whole number a table cell may hold unless a reader allows more.
INTEGER_MAX = 1_000_000
#: Separators a table may use; the header line decides which (see read_table).
SEPARATORS = (",", ";")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_date(value: object) -> dt.date:
    """Parse a date given as :class:`datetime.date`, datetime or ISO string.

    Raises
    ------
    OptionsError
        If ``value`` is not a date or an ISO 8601 date string (a ``ValueError``).
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise OptionsError(f"expected a date such as 2020-01-01, got {value!r}")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row of a table, with typed accessors that report their position."""

    file: str
    index: int
    values: dict[str, str]

    def error(self, field: str, message: str) -> DataError:
        """Return a :class:`DataError` located at ``field`` of this row."""
        return DataError(message, file=self.file, row=self.index, field=field)

    def text(self, field: str, *, required: bool = True) -> str:
        """Return the stripped text of ``field``; empty is an error if required."""
        value = (self.values.get(field) or "").strip()
        if required and not value:
            raise self.error(field, "value is missing")
        return value

    def optional_date(self, field: str) -> dt.date | None:
        """Return ``field`` as a date, or None when it is empty."""
        value = self.text(field, required=False)
        if not value:
            return None
        try:
            return parse_date(value)
        except OptionsError:
            raise self.error(
                field, f"{shown(value)} is not a date in the form YYYY-MM-DD"
            ) from None

    def date(self, field: str) -> dt.date:
        """Return ``field`` as a date; empty is an error."""
        self.text(field)
        day = self.optional_date(field)
        assert day is not None  # self.text raised if empty
        return day

    def integer(
        self, field: str, *, minimum: int = 0, maximum: int = INTEGER_MAX
    ) -> int:
        """Return ``field`` as an integer in ``[minimum, maximum]``.

        Only plain decimal digits with an optional sign are accepted: ``3_0``,
        ``1e3``, ``3.0`` and non-ASCII digits are refused.
        """
        value = self.text(field)
        if len(value) > 30 or not _INTEGER.fullmatch(value):
            raise self.error(
                field, f"{shown(value)} is not a whole number (digits 0-9 only)"
            )
        number = int(value)
        if number < minimum:
            raise self.error(field, f"{number} is below the minimum {minimum}")
        if number > maximum:
            raise self.error(field, f"{shown(value)} is above the maximum {maximum:,}")
        return number

    def optional_number(self, field: str) -> float | None:
        """Return ``field`` as a finite float, or None when it is empty."""
        value = self.text(field, required=False)
        if not value:
            return None
        if not _NUMBER.fullmatch(value):
            raise self.error(
                field, f"{shown(value)} is not a number such as 12.5 or -3e2"
            )
        number = float(value)
        if not math.isfinite(number):
            raise self.error(field, f"{shown(value)} is not a finite number")
        return number

    def number(self, field: str) -> float:
        """Return ``field`` as a finite float; empty is an error."""
        self.text(field)
        number = self.optional_number(field)
        assert number is not None  # self.text raised if empty
        return number

    def choice(self, field: str, allowed: Sequence[str]) -> str:
        """Return ``field``, which must be one of ``allowed``."""
        value = self.text(field)
        if value not in allowed:
            raise self.error(
                field, f"{shown(value)} is not one of {', '.join(sorted(allowed))}"
            )
        return value

    def period(
        self, start: str = "valid_from", end: str = "valid_to"
    ) -> tuple[dt.date | None, dt.date | None]:
        """Return the half-open period ``[start, end)``; ``end`` follows ``start``."""
        begin = self.optional_date(start)
        finish = self.optional_date(end)
        if begin is not None and finish is not None and finish <= begin:
            raise self.error(end, f"{finish} is not after {start} {begin}")
        return begin, finish


def read_table(
    path: Path, required: Sequence[str], *, unique: Sequence[str] | None = ()
) -> list[Row]:
    r"""Read a UTF-8 CSV file with a header row into :class:`Row` objects.

    The format is the one spreadsheets write: an optional UTF-8 byte-order mark;
    a header whose names are matched in any case (``Observer`` is ``observer``)
    and around which spaces are ignored; the separator ``,`` or ``;``, whichever
    occurs more often in the header line (``,`` on a tie); rows end at ``\n``
    or ``\r\n`` only, so a U+2028 or U+0085 inside a cell stays in the cell;
    blank lines are skipped.  A field holds at most 131,072 characters.

    Parameters
    ----------
    path
        The CSV file.
    required
        Columns that must be present in the header (lower case).
    unique
        Columns whose values identify a row: two rows with the same values
        there are refused.  Empty (default): two identical rows are refused;
        None: duplicates are allowed.

    Raises
    ------
    DataError
        If the file is missing, not a regular file or not UTF-8; the header
        lacks a required column or names one twice; a row has more fields than
        the header, a field is too long or quoted badly; or a row repeats an
        earlier one (the message names both rows).
    """
    text = read_user_text(path)
    first = text.split("\n", 1)[0]
    separator = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    records = _records(reader, path)
    try:
        header = [name.strip().lower() for name in next(records)[1]]
    except StopIteration:
        raise DataError(
            f"the file is empty; expected a header with {', '.join(required)}",
            file=path,
        ) from None
    _check_header(header, required, path)
    rows = list(_rows(records, header, str(path)))
    if unique is not None:
        _check_unique(rows, tuple(unique))
    return rows


def _records(
    reader: Iterator[list[str]], path: Path
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, fields)`` of the non-blank records, locating CSV errors."""
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            line = getattr(reader, "line_num", 0)
            hint = (
                "a field is longer than 131,072 characters"
                if "field limit" in str(err)
                else f"the CSV is malformed ({err})"
            )
            raise DataError(f"line {line}: {hint}", file=path) from None
        if fields:
            yield getattr(reader, "line_num", 0), fields


def _check_header(header: list[str], required: Sequence[str], path: Path) -> None:
    seen: dict[str, int] = {}
    for number, name in enumerate(header, start=1):
        if name and name in seen:
            raise DataError(
                f"column {shown(name)} appears twice (columns {seen[name]} and "
                f"{number}); keep one",
                file=path,
                row=0,
            )
        seen[name] = number
    missing = [column for column in required if column not in seen]
    if missing:
        names = ", ".join(shown(name, 20) for name in header[:12])
        raise DataError(
            f"missing column(s) {', '.join(missing)}; the header has "
            f"{names or 'nothing'}{', ...' if len(header) > 12 else ''} (names "
            "in any case, separated by , or ;)",
            file=path,
            row=0,
        )


def _rows(
    records: Iterator[tuple[int, list[str]]], header: list[str], file: str
) -> Iterator[Row]:
    for number, (_, fields) in enumerate(records, start=1):
        if len(fields) > len(header) and any(f.strip() for f in fields[len(header) :]):
            raise DataError(
                f"the row has {len(fields)} fields but the header has {len(header)}",
                file=file,
                row=number,
            )
        values = dict.fromkeys(header, "")
        values.update(zip(header, fields, strict=False))
        yield Row(file, number, values)


def _check_unique(rows: list[Row], columns: tuple[str, ...]) -> None:
    """Refuse a row whose ``columns`` (all columns if empty) repeat an earlier row."""
    first: dict[tuple[str, ...], int] = {}
    for row in rows:
        names = columns or tuple(row.values)
        key = tuple(row.values.get(c, "").strip().upper() for c in names)
        if key in first:
            same = f"the same {', '.join(columns)} as" if columns else "a copy of"
            raise DataError(
                f"the row is {same} row {first[key]}; merge the two rows into one",
                file=row.file,
                row=row.index,
                field=columns[0] if columns else None,
            )
        first[key] = row.index
