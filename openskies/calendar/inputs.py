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

from openskies.arguments import check_year, iterable_of
from openskies.calendar.types import Blackout, Preference, utc_moment
from openskies.errors import NotAPartyError, OptionsError
from openskies.files.tables import Row, read_table
from openskies.treaty.aircraft import Aircraft, load_fleet, read_aircraft
from openskies.treaty.distribution import Distribution

if TYPE_CHECKING:
    from typing import TypeAlias

    import pandas as pd

    from openskies.allocation.allocate import AllocationResult
    from openskies.treaty.model import TreatyView

    #: A year's distribution as :func:`~openskies.calendar.schedule.schedule`
    #: takes it: an allocation's result, a Distribution, or a DataFrame with
    #: columns observer, observed, flights (converted once by ``_distribution``).
    DistributionLike: TypeAlias = AllocationResult | Distribution | pd.DataFrame

__all__ = ["Blackout", "Preference", "read_blackouts", "resolve_inputs"]

BLACKOUT_COLUMNS = ("party", "start", "end")
#: Most flights of one pair accepted: far above the 64 a party can host in a
#: year (16 per quarter, Annex H), which the scheduler then reports as INFEASIBLE.
MAX_PAIR_FLIGHTS = 1000


def _moment(row: Row, field: str, *, end: bool) -> dt.datetime:
    text = row.text(field)
    try:
        return utc_moment(text, end=end)
    except ValueError as err:
        detail = (
            str(err)
            if "outside the years" in str(err)
            else f"{text[:40]!r} is not a date (YYYY-MM-DD) or a UTC datetime "
            "(YYYY-MM-DDTHH:MM)"
        )
        raise row.error(field, detail) from None


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


def _distribution(value: DistributionLike) -> Distribution:
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
    fleet = tuple(iterable_of("aircraft", value))
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
    for blackout in iterable_of("blackouts", value):
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
    distribution: DistributionLike,
    year: int,
    aircraft: Iterable[Aircraft] | str | Path | None,
    blackouts: Iterable[Blackout] | str | Path,
    preferences: Iterable[Preference],
) -> Inputs:
    """Check the inputs of :func:`~openskies.calendar.schedule.schedule`; resolve codes.

    Raises
    ------
    OptionsError, UnknownStateError, NotAPartyError, DataError
        As documented by :func:`~openskies.calendar.schedule.schedule`.
    """
    year = check_year(year)
    # parties in force on 1 January, or on the view's date in the year (a
    # state joining during the year, Annex A II.4)
    first = dt.date(year, 1, 1)
    start = view.treaty.as_of(view.date if view.date.year == year else first)
    flights: dict[tuple[str, str], int] = {}
    for observer, observed, count in _distribution(distribution):
        if count > MAX_PAIR_FLIGHTS:
            raise OptionsError(
                f"{str(count)[:30]} flights of {observer} over {observed} in the "
                f"distribution; at most {MAX_PAIR_FLIGHTS} are accepted (a party "
                "hosts at most 64 a year, 16 per quarter, Annex H)"
            )
        pair = (start.party_of(observer), start.party_of(observed))
        if pair[0] == pair[1]:
            raise OptionsError(
                f"{observer} cannot observe {observed}: both are party {pair[0]}"
            )
        flights[pair] = flights.get(pair, 0) + count
    granted = Distribution(flights)
    prefs = []
    for preference in iterable_of("preferences", preferences):
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
