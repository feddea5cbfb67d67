"""Independent validator of a mission calendar, written from the treaty text.

:func:`check_schedule` shares no code with the scheduler's model: it reads the
missions as datetimes, asks the treaty data what was in force on each date and
measures positioning flights with its own geodesic computation.  It returns every
violation it finds.

References
----------
Treaty on Open Skies, Art. III.I.4-5, VI.I.1, VI.I.3, VI.I.5, VI.I.9, XV;
Annex B App. 1; Annex E; Annex H.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from openskies.arguments import check_year, iterable_of
from openskies.errors import NotAPartyError, OptionsError, UnknownStateError
from openskies.violations import Violation

if TYPE_CHECKING:
    from openskies.calendar.types import Blackout, Mission, MissionsLike
    from openskies.treaty.aircraft import Aircraft
    from openskies.treaty.distribution import Distribution
    from openskies.treaty.model import Treaty, TreatyView

__all__ = ["check_schedule"]

HOUR = dt.timedelta(hours=1)
NOTICE = dt.timedelta(hours=72)
MISSION = dt.timedelta(hours=96)
PER_QUARTER = 16
TINY = dt.timedelta(microseconds=1)


def check_schedule(
    view: TreatyView,
    missions_or_result: MissionsLike,
    *,
    year: int | None = None,
    distribution: Distribution | None = None,
    aircraft: Iterable[Aircraft] | None = None,
    blackouts: Iterable[Blackout] = (),
    left_out: Iterable[tuple[str, str]] = (),
) -> list[Violation]:
    """Return every rule a calendar of missions breaks (empty if none).

    Parameters
    ----------
    view
        The treaty (its data are read on each mission's dates).
    missions_or_result
        A :class:`~openskies.calendar.schedule.ScheduleResult`, whose year, granted
        distribution, fleet, blackouts and left-out flights are then checked
        too, or an iterable of :class:`~openskies.calendar.schedule.Mission`.
    year
        The quota year; by default the result's, or the year of the first
        arrival.
    distribution
        Granted flights (party or state codes); if given, the missions plus
        ``left_out`` must match it pair by pair.
    aircraft
        The fleet the aircraft ids refer to; the bundled fleet by default.
    blackouts
        Periods in which a party hosts and flies no mission.
    left_out
        ``(observer, observed)`` per granted flight declared as not placed.

    Returns
    -------
    list of Violation
        Findings with rules ``Annex B`` (flight ids), ``VI.I.5`` (72 h notice),
        ``VI.I.9`` (96 h mission), ``III.I.4`` (inside the calendar year),
        ``XV.2`` (parties in force), ``Annex E`` (point of entry), ``VI.I.3``
        (one mission at a time within 96 h), ``Annex H`` (16 per quarter),
        ``VI.I.1`` (aircraft: ownership, taxi option, service, one mission at a
        time, positioning), ``blackout`` and ``III.I.5`` (granted flights).

    Raises
    ------
    OptionsError
        If ``missions_or_result`` holds something other than missions, a
        mission's ``notice``, ``arrival`` or ``end`` is not a timezone-aware
        datetime (naive times are refused rather than guessed to be UTC), or
        ``year`` is not a whole number in 1992..9998.

    References
    ----------
    Treaty on Open Skies, Art. III.I.4-5, VI.I.1, VI.I.3, VI.I.5, VI.I.9, XV.2;
    Annex B App. 1; Annex E; Annex H.
    """
    from openskies.calendar.types import Mission, ScheduleResult
    from openskies.treaty.aircraft import load_fleet

    blackouts = tuple(iterable_of("blackouts", blackouts))
    left_out = tuple(iterable_of("left_out", left_out))
    if isinstance(missions_or_result, ScheduleResult):
        result = missions_or_result
        missions: Sequence[Mission] = result.missions
        year = result.year if year is None else year
        distribution = result.granted if distribution is None else distribution
        fleet = tuple(
            iterable_of("aircraft", result.fleet if aircraft is None else aircraft)
        )
        blackouts = (*result.blackouts, *blackouts)
        left_out = (*result.left_out, *left_out)
    else:
        missions = tuple(iterable_of("missions_or_result", missions_or_result))
        fleet = tuple(
            iterable_of("aircraft", load_fleet() if aircraft is None else aircraft)
        )
    _check_kinds(distribution, fleet, blackouts, left_out)
    bad = [m for m in missions if not isinstance(m, Mission)]
    if bad:
        raise OptionsError(f"expected Mission objects, got {str(bad[0])[:60]!r}")
    for mission in missions:
        _check_mission(mission)
    if year is None:
        if not missions:
            return []
        year = missions[0].arrival.year
    year = check_year(year)
    checker = _Checker(view.treaty, year, fleet, tuple(blackouts))
    if view.date.year == year:  # codes resolve on the view's date in the year
        checker.resolve = view.date
    found = [*checker.each(missions), *checker.together(missions)]
    if distribution is not None:
        found.extend(checker.granted(missions, distribution, tuple(left_out)))
    return found


def _check_kinds(
    distribution: Any, fleet: tuple[Any, ...], blackouts: Any, left_out: Any
) -> None:
    """Refuse arguments of :func:`check_schedule` of the wrong kind."""
    from openskies.calendar.types import Blackout
    from openskies.treaty.aircraft import Aircraft
    from openskies.treaty.distribution import Distribution

    if distribution is not None and not isinstance(distribution, Distribution):
        raise OptionsError(
            "distribution must be a Distribution or None, "
            f"got {type(distribution).__name__}"
        )
    wrong = [
        (name, item)
        for name, items, kind in (
            ("aircraft", fleet, Aircraft),
            ("blackouts", blackouts, Blackout),
        )
        for item in items
        if not isinstance(item, kind)
    ] + [
        ("left_out", pair)
        for pair in left_out
        if not (
            isinstance(pair, tuple)
            and len(pair) == 2
            and all(isinstance(code, str) for code in pair)
        )
    ]
    if wrong:
        name, item = wrong[0]
        raise OptionsError(
            f"{name} holds {str(item)[:40]!r}; expected "
            + {
                "aircraft": "Aircraft objects",
                "blackouts": "Blackout objects",
                "left_out": "(observer, observed) pairs of codes",
            }[name]
        )


def _check_mission(mission: Mission) -> None:
    """Refuse a mission whose fields are of the wrong type.

    Codes and ids must be strings (``aircraft`` may be None), ``taxi`` a bool,
    and times timezone-aware datetimes: a naive datetime could be UTC or local
    time, so rather than guess the checker asks for aware ones (``Mission``
    objects from :func:`~openskies.calendar.schedule.schedule` always are).
    """
    name = str(mission.id)[:40]
    for field in ("id", "observer", "observed", "poe", "aircraft"):
        value = getattr(mission, field)
        if not isinstance(value, str) and not (field == "aircraft" and value is None):
            raise OptionsError(
                f"mission {name!r}: {field} must be a string, got {str(value)[:40]!r}"
            )
    if not isinstance(mission.taxi, bool):
        raise OptionsError(
            f"mission {name!r}: taxi must be True or False, "
            f"got {str(mission.taxi)[:40]!r}"
        )
    for field in ("notice", "arrival", "end"):
        value = getattr(mission, field)
        if not isinstance(value, dt.datetime) or value.utcoffset() is None:
            raise OptionsError(
                f"mission {name!r}: {field} must be a timezone-aware "
                f"datetime (e.g. with tzinfo=datetime.UTC), got {str(value)[:40]!r}"
            )


def _hours(delta: dt.timedelta) -> float:
    return delta / HOUR


class _Checker:
    """The checks, with the facts they need about the year."""

    def __init__(
        self,
        treaty: Treaty,
        year: int,
        fleet: tuple[Aircraft, ...],
        blackouts: tuple[Blackout, ...],
    ) -> None:
        self.treaty = treaty
        self.year = year
        self.first = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
        #: Date on which the distribution's codes name parties (1 January, or a
        #: view's later date in the year, for a state joining during it).
        self.resolve = self.first.date()
        self.after = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
        self.fleet = {a.id: a for a in fleet}
        self.blackouts = blackouts
        self._parties: dict[dt.date, dict[str, frozenset[str]]] = {}
        self._entries: dict[tuple[str, dt.date], set[str]] = {}

    def parties_on(self, moment: dt.datetime) -> dict[str, frozenset[str]]:
        """Return ``{party code: its states}`` on the day of ``moment``."""
        day = moment.date()
        if day not in self._parties:
            view = self.treaty.as_of(day)
            self._parties[day] = {p.code: frozenset(p.states) for p in view.parties}
        return self._parties[day]

    def entries(self, party: str, day: dt.date) -> set[str]:
        """Return the ids where missions over ``party`` may enter on ``day``."""
        key = (party, day)
        if key not in self._entries:
            view = self.treaty.as_of(day)
            # a party whose points of entry are not in the data enters at its OSAs
            self._entries[key] = {a.id for a in view.airfields(party, role="POE")} or {
                a.id for a in view.airfields(party, role="OSA")
            }
        return self._entries[key]

    def each(self, missions: Sequence[Mission]) -> Iterator[Violation]:
        """Check each mission on its own."""
        ids = Counter(m.id for m in missions)
        pattern = re.compile(rf"^OS{self.year % 10}\d{{3,}}$")
        for m in missions:
            who = (m.observer, m.observed)
            if not pattern.match(m.id):
                yield Violation(
                    "Annex B",
                    f"flight id {m.id!r} is not 'OS{self.year % 10}' followed by a "
                    "3-digit serial",
                    who,
                )
            if ids[m.id] > 1:
                yield Violation("Annex B", f"flight id {m.id} is used twice", who)
            if any(
                t.tzinfo is None or t.utcoffset() != dt.timedelta(0)
                for t in (m.notice, m.arrival, m.end)
            ):
                yield Violation("VI.I.5", f"{m.id}: times must be given in UTC", who)
                continue
            yield from self._times(m)
            yield from self._membership(m)
            yield from self._poe(m)

    def _times(self, m: Mission) -> Iterator[Violation]:
        who = (m.observer, m.observed)
        if m.arrival.minute or m.arrival.second or m.arrival.microsecond:
            yield Violation("VI.I.5", f"{m.id}: arrival is not on a whole hour", who)
        if m.arrival - m.notice < NOTICE:
            yield Violation(
                "VI.I.5",
                f"{m.id}: notice {m.notice:%Y-%m-%d %H:%M} is only "
                f"{_hours(m.arrival - m.notice):g} h before arrival",
                who,
                value=_hours(m.arrival - m.notice),
                limit=72,
            )
        if not m.arrival < m.end <= m.arrival + MISSION:
            yield Violation(
                "VI.I.9",
                f"{m.id}: the mission lasts {_hours(m.end - m.arrival):g} h from "
                "arrival; it must end after arrival and within 96 h",
                who,
                value=_hours(m.end - m.arrival),
                limit=96,
            )
        if m.arrival < self.first or m.end > self.after:
            yield Violation(
                "III.I.4",
                f"{m.id}: {m.arrival:%Y-%m-%d %H:%M} to {m.end:%Y-%m-%d %H:%M} is "
                f"not inside the quota year {self.year}",
                who,
            )

    def _membership(self, m: Mission) -> Iterator[Violation]:
        for moment, what in ((m.arrival, "arrives"), (m.end - TINY, "ends")):
            parties = self.parties_on(moment)
            for code in (m.observer, m.observed):
                if code not in parties:
                    yield Violation(
                        "XV.2",
                        f"{m.id} {what} on {moment:%Y-%m-%d} when {code} is not a "
                        "party",
                        (code,),
                    )
        if m.observer == m.observed:
            yield Violation("III.I.5", f"{m.id}: {m.observer} observes itself")

    def _poe(self, m: Mission) -> Iterator[Violation]:
        try:
            entries = self.entries(m.observed, m.arrival.date())
        except (NotAPartyError, UnknownStateError):
            return  # reported by _membership
        if m.poe not in entries:
            yield Violation(
                "Annex E",
                f"{m.id}: {m.poe} is not a point of entry of {m.observed} "
                f"({', '.join(sorted(entries)) or 'none'})",
                (m.observed,),
            )

    def together(self, missions: Sequence[Mission]) -> Iterator[Violation]:
        """Check missions against each other: per party, per aircraft, blackouts."""
        by_party: dict[str, list[Mission]] = {}
        for m in missions:
            by_party.setdefault(m.observed, []).append(m)
        for party, hosted in sorted(by_party.items()):
            hosted.sort(key=lambda m: m.arrival)
            for a, b in itertools.pairwise(hosted):
                if b.arrival < a.arrival + MISSION:
                    yield Violation(
                        "VI.I.3",
                        f"{party} hosts {b.id} {_hours(b.arrival - a.arrival):g} h "
                        f"after {a.id} arrived; at most one mission within 96 h",
                        (party,),
                        value=_hours(b.arrival - a.arrival),
                        limit=96,
                    )
            quarters = Counter((m.arrival.month - 1) // 3 + 1 for m in hosted)
            for quarter, count in sorted(quarters.items()):
                if count > PER_QUARTER:
                    yield Violation(
                        "Annex H",
                        f"{party} hosts {count} missions in Q{quarter} {self.year}; "
                        f"at most {PER_QUARTER} per quarter",
                        (party,),
                        value=count,
                        limit=PER_QUARTER,
                    )
        yield from self._blackouts(missions)
        yield from self._aircraft(missions)

    def _blackouts(self, missions: Sequence[Mission]) -> Iterator[Violation]:
        for m in missions:
            parties = self.parties_on(m.arrival)
            for b in self.blackouts:
                states = parties.get(b.party) or frozenset({b.party})
                concerned = [
                    code
                    for code in (m.observer, m.observed)
                    if code == b.party or parties.get(code, frozenset()) & states
                ]
                if concerned and m.arrival < b.end and b.start < m.end:
                    yield Violation(
                        "blackout",
                        f"{m.id} ({m.arrival:%Y-%m-%d %H:%M} to "
                        f"{m.end:%Y-%m-%d %H:%M}) falls in the blackout of "
                        f"{b.party} from {b.start:%Y-%m-%d %H:%M} to "
                        f"{b.end:%Y-%m-%d %H:%M}",
                        tuple(concerned),
                    )

    def _aircraft(self, missions: Sequence[Mission]) -> Iterator[Violation]:
        flown: dict[str, list[Mission]] = {}
        for m in missions:
            yield from self._entitled(m)
            if m.aircraft is not None and m.aircraft in self.fleet:
                flown.setdefault(m.aircraft, []).append(m)
        for name, legs in sorted(flown.items()):
            plane = self.fleet[name]
            legs.sort(key=lambda m: m.arrival)
            ready = self.first
            if plane.in_service_from is not None:
                ready = max(ready, _midnight(plane.in_service_from))
            origin = (plane.lon, plane.lat)
            for m in legs:
                target = self._position(m.poe)
                if target is None:
                    continue  # reported as Annex E
                needed = _flight_hours(origin, target, plane.cruise_kmh)
                if _hours(m.arrival - ready) < needed:
                    yield Violation(
                        "VI.I.1",
                        f"{m.id}: aircraft {name} cannot reach {m.poe} by "
                        f"{m.arrival:%Y-%m-%d %H:%M}: free from "
                        f"{ready:%Y-%m-%d %H:%M} and {needed:.1f} h of positioning",
                        (m.observer,),
                        value=_hours(m.arrival - ready),
                        limit=needed,
                    )
                if plane.in_service_to is not None and m.end > _midnight(
                    plane.in_service_to
                ):
                    yield Violation(
                        "VI.I.1",
                        f"{m.id}: aircraft {name} is out of service from "
                        f"{plane.in_service_to}",
                        (m.observer,),
                    )
                ready, origin = max(ready, m.end), target

    def _entitled(self, m: Mission) -> Iterator[Violation]:
        """Whether the observer may use ``m.aircraft`` (own, taxi, or none)."""
        parties = self.parties_on(m.arrival)
        own = self._in_service(parties.get(m.observer, frozenset()), m.arrival, parties)
        hosts = self._in_service(
            parties.get(m.observed, frozenset()), m.arrival, parties
        )
        if m.aircraft is None:
            if own or hosts:
                yield Violation(
                    "VI.I.1",
                    f"{m.id} has no aircraft although "
                    f"{', '.join(sorted(own or hosts))} is in service",
                    (m.observer,),
                )
            return
        if m.aircraft not in self.fleet:
            yield Violation("VI.I.1", f"{m.id}: unknown aircraft {m.aircraft}")
            return
        if m.aircraft in own and not m.taxi:
            return
        if m.aircraft in hosts and not own and m.taxi:
            return
        yield Violation(
            "VI.I.1",
            f"{m.id}: {m.observer} may not fly {m.aircraft}"
            + (" as a taxi" if m.taxi else "")
            + f" (own aircraft in service: {', '.join(sorted(own)) or 'none'})",
            (m.observer,),
        )

    def _in_service(
        self,
        states: frozenset[str],
        moment: dt.datetime,
        parties: dict[str, frozenset[str]],
    ) -> set[str]:
        """Ids of the aircraft ``states`` own or share that serve at ``moment``."""
        found = set()
        for plane in self.fleet.values():
            users = frozenset(plane.members) or parties.get(
                plane.owner, frozenset({plane.owner})
            )
            if not states & users:
                continue
            if plane.in_service_from and moment < _midnight(plane.in_service_from):
                continue
            if plane.in_service_to and moment >= _midnight(plane.in_service_to):
                continue
            found.add(plane.id)
        return found

    def _position(self, airfield: str) -> tuple[float, float] | None:
        try:
            site = self.treaty.as_of(self.first.date()).airfield(airfield)
        except UnknownStateError:
            return None
        return site.lon, site.lat

    def granted(
        self,
        missions: Sequence[Mission],
        distribution: Distribution,
        left_out: tuple[tuple[str, str], ...],
    ) -> Iterator[Violation]:
        """Missions plus flights left out must be exactly the granted flights."""
        view = self.treaty.as_of(self.resolve)
        wanted: Counter[tuple[str, str]] = Counter()
        for observer, observed, flights in distribution:
            wanted[(view.party_of(observer), view.party_of(observed))] += flights
        done = Counter((m.observer, m.observed) for m in missions) + Counter(left_out)
        for pair in sorted(set(wanted) | set(done)):
            if done[pair] != wanted[pair]:
                yield Violation(
                    "III.I.5",
                    f"{pair[0]} over {pair[1]}: {done[pair]} flights placed or left "
                    f"out, {wanted[pair]} granted",
                    pair,
                    value=done[pair],
                    limit=wanted[pair],
                )


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _flight_hours(
    origin: tuple[float, float], target: tuple[float, float], speed_kmh: float
) -> float:
    """Return the hours a positioning flight takes along the WGS84 geodesic."""
    from pyproj import Geod

    metres = Geod(ellps="WGS84").inv(origin[0], origin[1], target[0], target[1])[2]
    return float(metres) / 1000.0 / speed_kmh
