"""The scheduling problem in whole hours: flights, their options and time windows.

:func:`build_problem` turns a distribution, a fleet, blackouts and preferences into
integer data that the greedy and the CP-SAT model share: hour 0 is 1 January of
the year at 00:00 UTC; every flight has the closed intervals of hours at which it
may arrive at its point of entry, and one option per aircraft it may use (or one
option without aircraft).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openskies.errors import OpenSkiesError
from openskies.treaty.aircraft import Aircraft, aircraft_users

if TYPE_CHECKING:
    from openskies.calendar.inputs import Blackout, Preference
    from openskies.treaty.model import Airfield, Treaty, TreatyView

#: Length of the window a mission holds over the observed party [h] (VI.I.3, VI.I.9).
WINDOW_H = 96
#: Minimum notice before the estimated time of arrival [h] (VI.I.5).
NOTICE_H = 72
#: At most this many flights over one party per quarter (Annex H).
QUARTER_CAP = 16
#: Length of the window of the spreading objective [days].
SPREAD_DAYS = 30

#: Sorted, disjoint, closed intervals of whole hours.
Intervals = tuple[tuple[int, int], ...]


def intersect(a: Intervals, b: Intervals) -> Intervals:
    """Return the intersection of two interval sets."""
    result: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            result.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(result)


def subtract(a: Intervals, lo: int, hi: int) -> Intervals:
    """Return ``a`` without the closed interval ``[lo, hi]``."""
    result: list[tuple[int, int]] = []
    for start, end in a:
        if end < lo or start > hi:
            result.append((start, end))
            continue
        if start < lo:
            result.append((start, lo - 1))
        if end > hi:
            result.append((hi + 1, end))
    return tuple(result)


def union(parts: Iterable[Intervals]) -> Intervals:
    """Return the union of interval sets."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(iv for part in parts for iv in part):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def next_allowed(a: Intervals, hour: int) -> int | None:
    """Return the smallest hour of ``a`` that is >= ``hour``, or None."""
    k = bisect.bisect_right(a, (hour, math.inf)) - 1
    if k >= 0 and a[k][1] >= hour:
        return hour
    return a[k + 1][0] if k + 1 < len(a) else None


@dataclass(frozen=True, slots=True)
class Option:
    """One way to fly a flight: an aircraft (or none) and the point of entry.

    ``window`` holds the arrival hours at which the option is possible: the
    aircraft is in service and has reached the point of entry from its home base
    (or, for a taxi or no-aircraft option, the observer has no aircraft then).
    """

    aircraft: str | None
    poe: str
    taxi: bool
    window: Intervals


@dataclass(frozen=True, slots=True)
class Flight:
    """One granted flight of ``observer`` over ``observed`` (``rank`` in its pair)."""

    index: int
    observer: str
    observed: str
    rank: int
    options: tuple[Option, ...]
    domain: Intervals
    preferred: Intervals


@dataclass(frozen=True)
class Problem:
    """The whole calendar problem in integer hours of one year."""

    year: int
    start: dt.datetime
    hours: int
    quarter_starts: tuple[int, ...]
    flights: tuple[Flight, ...]
    travel: Mapping[tuple[str, str, str], int]
    exits: Mapping[str, int]

    def at(self, hour: int) -> dt.datetime:
        """Return the UTC datetime of ``hour``."""
        return self.start + dt.timedelta(hours=hour)

    def quarter(self, hour: int) -> int:
        """Return the quarter (0..3) of an arrival ``hour``."""
        return bisect.bisect_right(self.quarter_starts, hour) - 1

    def by_observed(self) -> dict[str, list[int]]:
        """Return ``{observed party: [flight index, ...]}`` in index order."""
        groups: dict[str, list[int]] = {}
        for flight in self.flights:
            groups.setdefault(flight.observed, []).append(flight.index)
        return groups

    def hop(self, aircraft: str, origin: str, target: str) -> int:
        """Return the positioning time of ``aircraft`` between two airfields [h]."""
        return 0 if origin == target else self.travel[(aircraft, origin, target)]


def party_exit(treaty: Treaty, party: str, year: int) -> dt.date | None:
    """Return the date in ``year`` from which ``party`` is no longer a party."""
    first, last = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    changes = sorted(
        {m.valid_to for m in treaty.memberships if m.valid_to}
        | {s.left for s in treaty.states if s.left}
    )
    for day in changes:
        if first < day <= last and party not in {
            p.code for p in treaty.as_of(day).parties
        }:
            return day
    return None


def party_entry(treaty: Treaty, party: str, year: int) -> dt.date | None:
    """Return the date in ``year`` from which ``party`` is a party, if after 1 January.

    Mirrors :func:`party_exit` for an accession (Art. XVII) during the year.
    """
    first, last = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    changes = sorted(
        {m.valid_from for m in treaty.memberships}
        | {d for s in treaty.states for d in (s.in_force, s.rejoined) if d}
    )
    day_before = dt.timedelta(days=1)
    for day in changes:
        if (
            first < day < last
            and party not in _codes(treaty, day - day_before)
            and party in _codes(treaty, day)
        ):
            return day
    return None


def _codes(treaty: Treaty, day: dt.date) -> set[str]:
    return {p.code for p in treaty.as_of(day).parties}


def _hours(start: dt.datetime, moment: dt.datetime) -> float:
    return (moment - start) / dt.timedelta(hours=1)


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Return the WGS84 geodesic distance between two points [km]."""
    from openskies.geo.geodesy import wgs84

    return float(wgs84().inv(lon1, lat1, lon2, lat2)[2]) / 1000.0


def _nearest(airfields: Sequence[Airfield], lon: float, lat: float) -> Airfield:
    return min(airfields, key=lambda a: (_km(lon, lat, a.lon, a.lat), a.id))


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


class _Context:
    """What :func:`build_problem` needs while it builds the options of flights."""

    def __init__(
        self,
        view: TreatyView,
        start: dt.datetime,
        hours: int,
        fleet: tuple[Aircraft, ...],
    ) -> None:
        self.view = view
        self.start = start
        self.hours = hours
        self.fleet = fleet
        first, last = start.date(), start.replace(year=start.year + 1).date()
        users = aircraft_users(view, fleet)
        self._serving = {
            a: period
            for a in fleet
            if a.in_service(first, last) and (period := self._service(a)) is not None
        }
        self._users = {a: users[a.id] for a in self._serving}
        self._own: dict[str, dict[Aircraft, tuple[int, int]]] = {}
        self._entries: dict[str, tuple[Airfield, ...]] = {}
        self._nearest: dict[tuple[str, str], tuple[Airfield, int]] = {}

    def _service(self, aircraft: Aircraft) -> tuple[int, int] | None:
        """Return the service period in hours ``[lo, hi)`` clipped to the year."""
        lo, hi = 0, self.hours
        if aircraft.in_service_from is not None:
            lo = max(lo, int(_hours(self.start, _midnight(aircraft.in_service_from))))
        if aircraft.in_service_to is not None:
            hi = min(hi, int(_hours(self.start, _midnight(aircraft.in_service_to))))
        return (lo, hi) if lo < hi else None

    def aircraft_of(self, party: str) -> dict[Aircraft, tuple[int, int]]:
        """Return the aircraft ``party`` may fly with their service hours."""
        if party not in self._own:
            states = frozenset(self.view.party(party).states)
            self._own[party] = {
                a: period
                for a, period in self._serving.items()
                if states & self._users[a]
            }
        return self._own[party]

    def entries(self, party: str) -> tuple[Airfield, ...]:
        """Return the points of entry of ``party`` (cached)."""
        if party not in self._entries:
            self._entries[party] = entry_points(self.view, party)
        return self._entries[party]

    def entry_for(self, aircraft: Aircraft, party: str) -> tuple[Airfield, int]:
        """Return the entry point nearest the aircraft's home and the hours to it."""
        key = (aircraft.id, party)
        if key not in self._nearest:
            poe = _nearest(self.entries(party), aircraft.lon, aircraft.lat)
            km = _km(aircraft.lon, aircraft.lat, poe.lon, poe.lat)
            self._nearest[key] = (poe, math.ceil(km / aircraft.cruise_kmh))
        return self._nearest[key]


def _without(base: Intervals, periods: Iterable[tuple[int, int]]) -> Intervals:
    """Return ``base`` without the half-open periods ``[lo, hi)``."""
    for lo, hi in periods:
        base = subtract(base, lo, hi - 1)
    return base


def entry_points(view: TreatyView, party: str) -> tuple[Airfield, ...]:
    """Return where missions over ``party`` may enter: its points of entry.

    Where the airfield data name no point of entry for a party (Slovakia's were
    never published after the CSFR split), its Open Skies airfields serve
    instead: our inference, since an OSA is where the observation flight starts.

    Raises
    ------
    OpenSkiesError
        If the party has neither.
    """
    poes = view.airfields(party, role="POE") or view.airfields(party, role="OSA")
    if not poes:
        raise OpenSkiesError(
            f"{party} has no point of entry or Open Skies airfield in the airfield "
            "data; add one with role POE to airfields.csv"
        )
    return poes


def _options(
    ctx: _Context,
    observer: str,
    observed: str,
    poes_used: dict[str, dict[str, Airfield]],
) -> tuple[Option, ...]:
    """Return the options of a flight: own aircraft, else taxi, else none (R22).

    The observer flies its own (or pooled) aircraft while one is in service at
    the arrival hour; otherwise the observed party's (taxi option); otherwise the
    flight has no aircraft assigned.  Each aircraft enters at the observed
    party's point of entry nearest its home base.
    """
    poes = ctx.entries(observed)
    own = ctx.aircraft_of(observer)
    taxi = {a: p for a, p in ctx.aircraft_of(observed).items() if a not in own}
    year: Intervals = ((0, ctx.hours),)
    uncovered = _without(year, own.values())
    options: list[Option] = []
    for aircraft, (lo, hi) in sorted(
        [*own.items(), *taxi.items()], key=lambda item: (item[0] not in own, item[0].id)
    ):
        poe, home = ctx.entry_for(aircraft, observed)
        window: Intervals = ((lo + home, hi - WINDOW_H),)
        if aircraft in taxi:
            window = intersect(window, uncovered)
        window = tuple(iv for iv in window if iv[0] <= iv[1])
        if window:
            options.append(Option(aircraft.id, poe.id, aircraft in taxi, window))
            poes_used.setdefault(aircraft.id, {})[poe.id] = poe
    nobody = intersect(_without(uncovered, taxi.values()), ((0, ctx.hours - WINDOW_H),))
    if nobody:
        mine = ctx.view.airfields(observer) or poes
        poe = min(
            poes,
            key=lambda p: (min(_km(p.lon, p.lat, a.lon, a.lat) for a in mine), p.id),
        )
        options.append(Option(None, poe.id, False, nobody))
    return tuple(options)


def _travel(
    fleet: Iterable[Aircraft], poes_used: Mapping[str, Mapping[str, Airfield]]
) -> dict[tuple[str, str, str], int]:
    """Return whole-hour positioning times between the POEs each aircraft uses."""
    travel: dict[tuple[str, str, str], int] = {}
    for aircraft in fleet:
        poes = poes_used.get(aircraft.id, {})
        for a in poes.values():
            for b in poes.values():
                km = _km(a.lon, a.lat, b.lon, b.lat)
                travel[(aircraft.id, a.id, b.id)] = math.ceil(km / aircraft.cruise_kmh)
    return travel


def _blocked(
    start: dt.datetime, blackouts: Iterable[Blackout]
) -> list[tuple[int, int]]:
    """Return the arrival hours a mission may not take because of ``blackouts``.

    A mission holds ``[arrival, arrival + 96 h)``; it avoids a blackout
    ``[b0, b1)`` if ``arrival + 96 <= b0`` or ``arrival >= b1``.
    """
    blocked = []
    for blackout in blackouts:
        lo = math.floor(_hours(start, blackout.start) - WINDOW_H) + 1
        hi = math.ceil(_hours(start, blackout.end)) - 1
        if lo <= hi:
            blocked.append((lo, hi))
    return blocked


def _month_hours(start: dt.datetime, months: Iterable[int]) -> Intervals:
    parts = []
    for month in sorted(set(months)):
        first = start.replace(month=month)
        after = (
            start.replace(year=start.year + 1)
            if month == 12
            else start.replace(month=month + 1)
        )
        parts.append(((int(_hours(start, first)), int(_hours(start, after)) - 1),))
    return union(parts)


def _preferred(
    start: dt.datetime, observer: str, observed: str, preferences: Sequence[Preference]
) -> Intervals:
    """Return the preferred arrival hours; a pair's preference beats an observer's."""
    for wanted in (observed, None):
        months = [
            m
            for p in preferences
            if p.observer == observer and p.observed == wanted
            for m in p.months
        ]
        if months:
            return _month_hours(start, months)
    return ()


def build_problem(
    view: TreatyView,
    pairs: Sequence[tuple[str, str, int]],
    year: int,
    fleet: Sequence[Aircraft],
    blackouts: Sequence[Blackout],
    preferences: Sequence[Preference],
) -> Problem:
    """Return the integer problem of scheduling ``pairs`` in ``year``.

    Parameters
    ----------
    view
        The treaty on 1 January of ``year``.
    pairs
        ``(observer, observed, flights)`` with party codes.
    year, fleet, blackouts, preferences
        As for :func:`openskies.calendar.schedule.schedule`, codes resolved to parties.
    """
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    hours = int(_hours(start, start.replace(year=year + 1)))
    ctx = _Context(view, start, hours, tuple(fleet))
    codes = sorted({code for o, t, _ in pairs for code in (o, t)})
    exits: dict[str, int] = {}
    entries: dict[str, int] = {}
    for code in codes:
        day = party_exit(view.treaty, code, year)
        if day is not None:
            exits[code] = int(_hours(start, _midnight(day)))
        day = party_entry(view.treaty, code, year)
        if day is not None:
            entries[code] = int(_hours(start, _midnight(day)))
    blocked = {
        code: _blocked(start, [b for b in blackouts if b.party == code])
        for code in codes
    }
    poes_used: dict[str, dict[str, Airfield]] = {}
    flights: list[Flight] = []
    for observer, observed, count in pairs:
        last = min(hours, exits.get(observer, hours), exits.get(observed, hours))
        begin = max(entries.get(observer, 0), entries.get(observed, 0))
        domain: Intervals = (
            ((begin, last - WINDOW_H),) if last - WINDOW_H >= begin else ()
        )
        for lo, hi in blocked[observer] + blocked[observed]:
            domain = subtract(domain, lo, hi)
        options = _options(ctx, observer, observed, poes_used)
        domain = intersect(domain, union(o.window for o in options))
        preferred = _preferred(start, observer, observed, preferences)
        for rank in range(count):
            flights.append(
                Flight(
                    len(flights), observer, observed, rank, options, domain, preferred
                )
            )
    quarter_starts = (
        *(int(_hours(start, start.replace(month=m))) for m in (1, 4, 7, 10)),
        hours,
    )
    return Problem(
        year=year,
        start=start,
        hours=hours,
        quarter_starts=quarter_starts,
        flights=tuple(flights),
        travel=_travel(fleet, poes_used),
        exits=exits,
    )
