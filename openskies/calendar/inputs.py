"""Inputs of the scheduler: blackouts, preferences, and their normalisation.

:func:`resolve_inputs` checks everything :func:`openskies.calendar.schedule.schedule`
receives and resolves state codes to the parties in force on 1 January of the
year, so that the model sees party codes only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.errors import NotAPartyError, OptionsError
from openskies.files.tables import Row, read_table
from openskies.treaty.aircraft import Aircraft, load_fleet, read_aircraft
from openskies.treaty.distribution import Distribution

if TYPE_CHECKING:
    from openskies.treaty.model import TreatyView

__all__ = ["Blackout", "Preference", "read_blackouts", "resolve_inputs"]

BLACKOUT_COLUMNS = ("party", "start", "end")
FIRST_YEAR, LAST_YEAR = 1992, 9998


def _utc(value: dt.date | dt.datetime | str, *, end: bool) -> dt.datetime:
    """Return ``value`` as an aware UTC datetime.

    A date (or a date string) means the start of that day, or with ``end`` the
    end of it (so that an end date is inclusive); a naive datetime is UTC.

    Raises
    ------
    ValueError
        If ``value`` is not a date, datetime or ISO 8601 string.
    """
    if isinstance(value, str):
        text = value.strip()
        value = (
            dt.date.fromisoformat(text)
            if len(text) <= 10
            else dt.datetime.fromisoformat(text)
        )
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        day = value + dt.timedelta(days=1) if end else value
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    raise ValueError(f"expected a date, datetime or ISO 8601 string, got {value!r}")


@dataclass(frozen=True, slots=True)
class Blackout:
    """A period in which a party neither hosts nor flies observation missions.

    Attributes
    ----------
    party
        State or party code; a state's blackout applies to its party.
    start, end
        The half-open period ``[start, end)`` (aware UTC datetimes).  Build one
        from dates or strings with :meth:`between`.
    note
        Free text.

    Raises
    ------
    OptionsError
        If ``end`` is not after ``start`` or they are not datetimes.
    """

    party: str
    start: dt.datetime
    end: dt.datetime
    note: str = ""

    def __post_init__(self) -> None:
        """Make naive datetimes UTC and check the order."""
        if not isinstance(self.start, dt.datetime) or not isinstance(
            self.end, dt.datetime
        ):
            raise OptionsError(
                "Blackout start and end must be datetimes; use Blackout.between() "
                "for dates or ISO strings"
            )
        object.__setattr__(self, "start", _utc(self.start, end=False))
        object.__setattr__(self, "end", _utc(self.end, end=True))
        if self.end <= self.start:
            raise OptionsError(
                f"blackout of {self.party} ends ({self.end:%Y-%m-%d %H:%M}) before it "
                f"starts ({self.start:%Y-%m-%d %H:%M}); swap start and end"
            )

    @classmethod
    def between(
        cls,
        party: str,
        start: dt.date | dt.datetime | str,
        end: dt.date | dt.datetime | str,
        note: str = "",
    ) -> Blackout:
        """Return the blackout of ``party`` from ``start`` to ``end``.

        Dates are whole days and ``end`` is inclusive: ``between("DEU",
        "2020-12-24", "2020-12-26")`` blocks the three days; datetimes are
        instants (naive means UTC) and ``end`` is exclusive.

        Raises
        ------
        OptionsError
            If a value is not a date or datetime, or ``end`` is before ``start``.
        """
        try:
            return cls(party, _utc(start, end=False), _utc(end, end=True), note)
        except ValueError as err:
            if isinstance(err, OptionsError):
                raise
            raise OptionsError(f"blackout of {party}: {err}") from None


@dataclass(frozen=True, slots=True)
class Preference:
    """Months in which ``observer`` prefers to fly (over ``observed``, or anywhere).

    A preference naming ``observed`` replaces the observer's general one for
    flights over that party.

    Raises
    ------
    OptionsError
        If ``months`` is empty or holds a value outside 1..12.
    """

    observer: str
    months: tuple[int, ...]
    observed: str | None = None

    def __post_init__(self) -> None:
        """Check the months."""
        months = tuple(self.months)
        if not months or any(
            not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12
            for m in months
        ):
            raise OptionsError(
                f"preferred months of {self.observer} must be whole numbers 1..12, "
                f"got {self.months!r}"
            )
        object.__setattr__(self, "months", months)


def _moment(row: Row, field: str, *, end: bool) -> dt.datetime:
    text = row.text(field)
    try:
        return _utc(text, end=end)
    except ValueError:
        raise row.error(
            field,
            f"{text!r} is not a date (YYYY-MM-DD) or a UTC datetime (YYYY-MM-DDTHH:MM)",
        ) from None


def read_blackouts(
    path: str | Path, *, known_codes: Iterable[str] | None = None
) -> tuple[Blackout, ...]:
    """Read blackouts from a CSV file with columns ``party, start, end, note``.

    Parameters
    ----------
    path
        The file (UTF-8).  ``start`` and ``end`` are dates (``end`` inclusive) or
        UTC datetimes (``end`` exclusive).
    known_codes
        State and party codes to check ``party`` against.

    Raises
    ------
    DataError
        If the file is missing or a row is malformed: unknown party, unreadable
        date, end not after start (names file, row and field).

    References
    ----------
    Treaty on Open Skies, Annex H (parties agree the quarterly sequence of
    flights; blackouts are how a party's unavailable periods enter it).
    """
    codes = None if known_codes is None else frozenset(known_codes)
    result = []
    for row in read_table(Path(path), BLACKOUT_COLUMNS):
        party = row.text("party").upper()
        if codes is not None and party not in codes:
            raise row.error("party", f"unknown state or party code {party!r}")
        start = _moment(row, "start", end=False)
        finish = _moment(row, "end", end=True)
        if finish <= start:
            raise row.error(
                "end", f"{row.text('end')} is not after start {start:%Y-%m-%d %H:%M}"
            )
        result.append(Blackout(party, start, finish, row.text("note", required=False)))
    return tuple(result)


@dataclass(frozen=True)
class Inputs:
    """Checked inputs with party codes."""

    view: TreatyView
    granted: Distribution
    pairs: tuple[tuple[str, str, int], ...]
    fleet: tuple[Aircraft, ...]
    blackouts: tuple[Blackout, ...]
    preferences: tuple[Preference, ...]


def _distribution(value: Any) -> Distribution:
    candidate = getattr(value, "distribution", value)
    if isinstance(candidate, Distribution):
        return candidate
    if hasattr(candidate, "columns"):
        return Distribution.from_frame(candidate)
    raise OptionsError(
        f"distribution must be an AllocationResult, a Distribution or a DataFrame "
        f"with columns observer, observed, flights; got {type(value).__name__}"
    )


def _fleet(value: Any, view: TreatyView) -> tuple[Aircraft, ...]:
    if value is None:
        return load_fleet()
    if isinstance(value, str | Path):
        return read_aircraft(value, known_codes=view.treaty.known_codes)
    fleet = tuple(value)
    bad = [a for a in fleet if not isinstance(a, Aircraft)]
    if bad:
        raise OptionsError(
            f"aircraft must be Aircraft objects or a CSV file, got {bad[0]!r}"
        )
    ids = [a.id for a in fleet]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise OptionsError(f"aircraft id(s) {', '.join(twice)} appear twice")
    return fleet


def _blackouts(value: Any, view: TreatyView) -> tuple[Blackout, ...]:
    if isinstance(value, str | Path):
        value = read_blackouts(value, known_codes=view.treaty.known_codes)
    result = []
    for blackout in value:
        if not isinstance(blackout, Blackout):
            raise OptionsError(f"blackouts must be Blackout objects, got {blackout!r}")
        try:
            party = view.party_of(blackout.party)
        except NotAPartyError:
            continue  # a state that is not a party this year hosts no missions
        result.append(Blackout(party, blackout.start, blackout.end, blackout.note))
    return tuple(result)


def resolve_inputs(
    view: TreatyView,
    distribution: Any,
    year: int,
    aircraft: Any,
    blackouts: Any,
    preferences: Iterable[Preference],
) -> Inputs:
    """Check the inputs of :func:`~openskies.calendar.schedule.schedule`; resolve codes.

    Raises
    ------
    OptionsError, UnknownStateError, NotAPartyError, DataError
        As documented by :func:`~openskies.calendar.schedule.schedule`.
    """
    if not isinstance(year, int) or isinstance(year, bool):
        raise OptionsError(f"year must be a whole number such as 2019, got {year!r}")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OptionsError(f"year {year} is outside {FIRST_YEAR}..{LAST_YEAR}")
    # parties in force on 1 January, or on the view's date in the year (a
    # state joining during the year, Annex A II.4)
    first = dt.date(year, 1, 1)
    start = view.treaty.as_of(view.date if view.date.year == year else first)
    flights: dict[tuple[str, str], int] = {}
    for observer, observed, count in _distribution(distribution):
        pair = (start.party_of(observer), start.party_of(observed))
        if pair[0] == pair[1]:
            raise OptionsError(
                f"{observer} cannot observe {observed}: both are party {pair[0]}"
            )
        flights[pair] = flights.get(pair, 0) + count
    granted = Distribution(flights)
    prefs = []
    for preference in preferences:
        if not isinstance(preference, Preference):
            raise OptionsError(
                f"preferences must be Preference objects, got {preference!r}"
            )
        target = (
            None if preference.observed is None else start.party_of(preference.observed)
        )
        prefs.append(
            Preference(start.party_of(preference.observer), preference.months, target)
        )
    return Inputs(
        view=start,
        granted=granted,
        pairs=tuple(granted),
        fleet=_fleet(aircraft, start),
        blackouts=_blackouts(blackouts, start),
        preferences=tuple(prefs),
    )
