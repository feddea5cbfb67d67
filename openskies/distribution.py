"""A distribution of active quotas: flights per (observer, observed) party pair.

The value type shared by the allocator, the validator and the scheduler.  It is
immutable and converts to and from the long table format ``observer, observed,
flights`` used in CSV files.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.errors import DataError

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
        ``{(observer, observed): flights}`` with party codes; pairs with zero
        flights are dropped.
    shared
        ``{(observer, observed): n}``: of that pair's flights, ``n`` are shared with
        another observer (Annex A II; one shared flight uses one unit of the
        observed party's passive quota).  Empty for distributions the allocator
        makes.
    """

    flights: Mapping[tuple[str, str], int]
    shared: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Validate counts and drop zero pairs."""
        clean: dict[tuple[str, str], int] = {}
        for (observer, observed), count in sorted(self.flights.items()):
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise DataError(
                    f"flights of {observer} over {observed} must be a whole number "
                    f">= 0, got {count!r}"
                )
            if count:
                clean[(observer, observed)] = count
        object.__setattr__(self, "flights", clean)
        object.__setattr__(self, "shared", dict(sorted(self.shared.items())))

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

        Duplicate pairs are summed.

        Raises
        ------
        DataError
            If a record is malformed (names the record number).
        """
        flights: dict[tuple[str, str], int] = {}
        for number, record in enumerate(records, start=1):
            try:
                observer, observed, count = record
            except (TypeError, ValueError):
                raise DataError(
                    "expected (observer, observed, flights)", file=source, row=number
                ) from None
            key = (str(observer).strip().upper(), str(observed).strip().upper())
            flights[key] = flights.get(key, 0) + _as_count(count, source, number)
        return cls(flights)

    @classmethod
    def from_frame(cls, frame: Any, *, source: str = "DataFrame") -> Distribution:
        """Build a distribution from a long-format DataFrame.

        Raises
        ------
        DataError
            If a column is missing or a value is not a whole number >= 0.
        """
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise DataError(
                f"missing column(s) {', '.join(missing)}; "
                f"expected {', '.join(COLUMNS)}",
                file=source,
                row=0,
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
        from openskies._tables import read_table

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

        See :func:`openskies.io.write_csv_atomic`.
        """
        from openskies.io import write_csv_atomic

        write_csv_atomic(Path(path), COLUMNS, self)


def _as_count(value: object, source: str, number: int) -> int:
    """Return ``value`` as a whole number >= 0 or raise a located DataError."""
    count: int | None = None
    if isinstance(value, str) and value.strip().isdigit():
        count = int(value)
    elif (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and float(value).is_integer()
    ):
        count = int(float(value))
    if count is None or count < 0:
        raise DataError(
            f"{value!r} is not a whole number >= 0",
            file=source,
            row=number,
            field="flights",
        )
    return count
