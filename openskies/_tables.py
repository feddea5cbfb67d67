"""Strict readers for the text tables in ``quotas/`` and ``geodata/``.

Every parse error raises :class:`~openskies.errors.DataError` naming the file, the
1-based data row and the field, so a user who edits a table knows where to look.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openskies.errors import DataError, OptionsError

__all__ = ["Row", "parse_date", "read_table"]


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
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.error(
                field, f"{value!r} is not a date in the form YYYY-MM-DD"
            ) from None

    def date(self, field: str) -> dt.date:
        """Return ``field`` as a date; empty is an error."""
        self.text(field)
        day = self.optional_date(field)
        assert day is not None  # self.text raised if empty
        return day

    def integer(self, field: str, *, minimum: int = 0) -> int:
        """Return ``field`` as an integer of at least ``minimum``."""
        value = self.text(field)
        try:
            number = int(value)
        except ValueError:
            raise self.error(field, f"{value!r} is not a whole number") from None
        if number < minimum:
            raise self.error(field, f"{number} is below the minimum {minimum}")
        return number

    def optional_number(self, field: str) -> float | None:
        """Return ``field`` as a finite float, or None when it is empty."""
        value = self.text(field, required=False)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise self.error(field, f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise self.error(field, f"{value!r} is not a finite number")
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
                field, f"{value!r} is not one of {', '.join(sorted(allowed))}"
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


def read_table(path: Path, required: Sequence[str]) -> list[Row]:
    """Read a UTF-8 CSV file with a header row into :class:`Row` objects.

    Parameters
    ----------
    path
        The CSV file.
    required
        Columns that must be present in the header.

    Raises
    ------
    DataError
        If the file is missing, unreadable, lacks a required column, or a row has
        more fields than the header.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError("file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"cannot read the file: {err}", file=path) from None
    reader = csv.DictReader(text.splitlines())
    header = reader.fieldnames or []
    missing = [column for column in required if column not in header]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}; the header has "
            f"{', '.join(header) or 'nothing'}",
            file=path,
            row=0,
        )
    return list(_rows(reader, str(path)))


def _rows(reader: csv.DictReader[str], file: str) -> Iterator[Row]:
    for number, record in enumerate(reader, start=1):
        if None in record:
            raise DataError(
                "the row has more fields than the header", file=file, row=number
            )
        yield Row(file, number, {k: v or "" for k, v in record.items()})
