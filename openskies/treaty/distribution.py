"""A distribution of active quotas: flights per (observer, observed) party pair.

The value type shared by the allocator, the validator and the scheduler.  It is
immutable and converts to and from the long table format ``observer, observed,
flights`` used in CSV files.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from openskies.errors import DataError
from openskies.treaty.records import MAX_FLIGHTS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "Distribution"]

#: Columns of the long table format.
COLUMNS = ("observer", "observed", "flights")


@dataclass(frozen=True)
class Distribution:
    """Active quotas: how many flights each observer party may fly over each target.

    Parameters
    ----------
    flights
        ``{(observer, observed): flights}`` with party codes (non-empty strings)
        and whole numbers ``0..MAX_FLIGHTS`` (1000); pairs with zero flights are
        dropped.  Codes are checked against the treaty by the functions that use
        the distribution, not here.
    shared
        ``{(observer, observed): n}``: of that pair's flights, ``n`` are shared with
        another observer (Annex A II; one shared flight uses one unit of the
        observed party's passive quota).  Empty for distributions the allocator
        makes.

    Raises
    ------
    DataError
        If ``flights`` or ``shared`` is not a mapping, a key is not a pair of
        codes, or a count is not a whole number in ``0..MAX_FLIGHTS`` (a
        ``bool`` or a ``float`` is refused), or more flights are shared than
        flown.
    """

    flights: Mapping[tuple[str, str], int]
    shared: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate pairs and counts and drop zero pairs."""
        flights = _checked(self.flights, "flights")
        shared = _checked(self.shared, "shared")
        for pair, count in shared.items():
            if count > flights.get(pair, 0):
                raise DataError(
                    f"{count} shared flight(s) of {pair[0]} over {pair[1]} but only "
                    f"{flights.get(pair, 0)} flown; share at most the flights flown"
                )
        object.__setattr__(self, "flights", {p: n for p, n in flights.items() if n})
        object.__setattr__(self, "shared", {p: n for p, n in shared.items() if n})

    def __iter__(self) -> Iterator[tuple[str, str, int]]:
        """Iterate over ``(observer, observed, flights)`` with flights > 0."""
        return ((o, t, n) for (o, t), n in self.flights.items())

    def __len__(self) -> int:
        """Return the number of pairs with flights."""
        return len(self.flights)

    def __getitem__(self, pair: tuple[str, str]) -> int:
        """Return the flights of ``observer`` over ``observed`` (0 if none)."""
        return self.flights.get(pair, 0)

    @property
    def total(self) -> int:
        """Total flights, counting a shared flight once per observer."""
        return sum(self.flights.values())

    def active(self, observer: str) -> int:
        """Total active quota used by ``observer`` (flights it takes part in)."""
        return sum(n for (o, _), n in self.flights.items() if o == observer)

    def received(self, observed: str) -> int:
        """Flights over ``observed``, a shared flight counting once."""
        pairs = [(o, t) for (o, t) in self.flights if t == observed]
        return (
            sum(self.flights[p] for p in pairs)
            - sum(self.shared.get(p, 0) for p in pairs) // 2
        )

    def parties(self) -> tuple[str, ...]:
        """Every party code that appears, sorted."""
        return tuple(sorted({code for pair in self.flights for code in pair}))

    def to_frame(self) -> pd.DataFrame:
        """Return the long table: one row per pair with flights > 0.

        Columns ``observer, observed, flights``, sorted by observer then observed.
        """
        import pandas as pd

        return pd.DataFrame(list(self), columns=list(COLUMNS)).astype(
            {"observer": "string", "observed": "string", "flights": "int64"}
        )

    def to_matrix(self, parties: Iterable[str] | None = None) -> pd.DataFrame:
        """Return the square matrix of flights, observers as rows, targets as columns.

        Parameters
        ----------
        parties
            Row and column order; every party that appears by default.
        """
        import pandas as pd

        order = list(self.parties() if parties is None else parties)
        data = [[self[(o, t)] for t in order] for o in order]
        frame = pd.DataFrame(data, index=order, columns=order, dtype="int64")
        frame.index.name = "observer"
        frame.columns.name = "observed"
        return frame

    @classmethod
    def from_records(
        cls, records: Iterable[tuple[str, str, int]], *, source: str = "records"
    ) -> Distribution:
        """Build a distribution from ``(observer, observed, flights)`` records.

        Codes are stripped and upper-cased.

        Raises
        ------
        DataError
            If a record is malformed, a code is not a non-empty string, or a
            pair appears twice (names the record number).
        """
        flights: dict[tuple[str, str], int] = {}
        rows: dict[tuple[str, str], int] = {}
        try:
            numbered = list(enumerate(records, start=1))
        except TypeError:
            raise DataError(
                f"expected (observer, observed, flights) records, got "
                f"{type(records).__name__}",
                file=source,
            ) from None
        for number, record in numbered:
            try:
                observer, observed, count = record
            except (TypeError, ValueError):
                raise DataError(
                    "expected (observer, observed, flights)", file=source, row=number
                ) from None
            key = (
                _as_code(observer, source, number, "observer"),
                _as_code(observed, source, number, "observed"),
            )
            if key in rows:
                raise DataError(
                    f"{key[0]} over {key[1]} appears twice (also row {rows[key]}); "
                    "give each pair once",
                    file=source,
                    row=number,
                    field="observed",
                )
            rows[key] = number
            flights[key] = _as_count(count, source, number)
        return cls(flights)

    @classmethod
    def from_frame(cls, frame: Any, *, source: str = "DataFrame") -> Distribution:
        """Build a distribution from a long-format DataFrame.

        Raises
        ------
        DataError
            If a column is missing or a value is not a whole number >= 0.
        """
        columns = getattr(frame, "columns", None)
        if columns is None:
            raise DataError(
                f"expected a DataFrame with columns {', '.join(COLUMNS)}, got "
                f"{type(frame).__name__}",
                file=source,
            )
        missing = [c for c in COLUMNS if c not in columns]
        if missing:
            raise DataError(
                f"missing column(s) {', '.join(missing)}; "
                f"expected {', '.join(COLUMNS)}",
                file=source,
            )
        return cls.from_records(
            zip(frame["observer"], frame["observed"], frame["flights"], strict=True),
            source=source,
        )

    @classmethod
    def read_csv(cls, path: str | Path) -> Distribution:
        """Read the long format from a CSV file.

        Raises
        ------
        DataError
            If the file is missing or malformed (names file, row and field).
        """
        from openskies.files.tables import read_table

        rows = read_table(Path(path), COLUMNS)
        return cls.from_records(
            (
                (r.text("observer"), r.text("observed"), r.integer("flights"))
                for r in rows
            ),
            source=str(path),
        )

    def write_csv(self, path: str | Path) -> None:
        """Write the long format to ``path`` atomically (formulas neutralised).

        See :func:`openskies.files.atomic.write_csv_atomic`.
        """
        from openskies.files.atomic import write_csv_atomic

        write_csv_atomic(Path(path), COLUMNS, self)


def _checked(pairs: object, what: str) -> dict[tuple[str, str], int]:
    """Return ``pairs`` sorted after checking keys and counts (see Distribution)."""
    if not isinstance(pairs, Mapping):
        raise DataError(
            f"{what} must be a mapping {{(observer, observed): count}}, got "
            f"{type(pairs).__name__}"
        )
    result: dict[tuple[str, str], int] = {}
    for pair, count in pairs.items():
        if not (
            isinstance(pair, tuple)
            and len(pair) == 2
            and all(isinstance(code, str) and code.strip() for code in pair)
        ):
            raise DataError(
                f"{what} key {_short(pair)} is not an (observer, observed) pair of "
                "party codes such as ('DEU', 'POL')"
            )
        if not _is_count(count):
            raise DataError(
                f"{what} of {pair[0]} over {pair[1]} must be a whole number "
                f"0..{MAX_FLIGHTS}, got {_short(count)}"
            )
        result[pair] = int(count)
    return dict(sorted(result.items()))


def _is_count(value: object) -> TypeGuard[numbers.Integral]:
    """Whether ``value`` is an ``int`` (not a bool) in ``0..MAX_FLIGHTS``."""
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and 0 <= int(value) <= MAX_FLIGHTS
    )


def _short(value: object, limit: int = 60) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_code(value: object, source: str, number: int, field: str) -> str:
    """Return ``value`` stripped and upper-cased, or raise a located DataError."""
    if isinstance(value, str) and value.strip():
        return value.strip().upper()
    raise DataError(
        f"{_short(value)} is not a party code; give a code such as DEU",
        file=source,
        row=number,
        field=field,
    )


def _as_count(value: object, source: str, number: int) -> int:
    """Return ``value`` as a whole number ``0..MAX_FLIGHTS`` or raise a DataError."""
    count: int | None = None
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdigit() and len(text) <= 6:
            count = int(text)
    elif (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        count = int(float(value))
    if count is None or not 0 <= count <= MAX_FLIGHTS:
        raise DataError(
            f"{_short(value)} is not a whole number 0..{MAX_FLIGHTS}",
            file=source,
            row=number,
            field="flights",
        )
    return count
