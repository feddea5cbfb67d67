"""Proven lower bounds, infeasibility reasons and a greedy calendar (the hint).

Everything here works on one observed party at a time with the *earliest-first*
placement :func:`fit`, which is optimal for the constraints it sees:

    Place arrivals one by one at the earliest hour that lies in the allowed set,
    is >= 96 h after the previous arrival, keeps the quarter under its cap and
    keeps every 30-day window (by arrival day) under ``cap`` arrivals.

*Claim.* No placement obeying the same constraints holds more arrivals.
*Proof* (exchange).  Let ``s_1 < ... < s_m`` be any feasible placement and
``g_1 < g_2 < ...`` the greedy one.  By induction ``g_i <= s_i``: given
``g_j <= s_j`` for ``j < i``, the hour ``s_i`` is acceptable to the greedy at
step ``i``: it is allowed; ``s_i >= s_{i-1} + 96 >= g_{i-1} + 96``; the greedy
arrivals in the quarter of ``s_i`` are among ``g_j >= `` quarter start, hence
``s_j >=`` quarter start with ``s_j <= s_i``, at most ``cap_q - 1`` of them; and a
30-day window ending on the day of ``s_i`` holds a greedy arrival ``g_j`` only if
it holds ``s_j`` (``g_j <= s_j <= s_i``), so at most ``cap - 1`` of them.  The
greedy takes the earliest acceptable hour, so ``g_i <= s_i`` and it places at
least ``m`` arrivals.  QED.

Relaxing a party's flights to the union of their allowed hours (ignoring
observers' differences and aircraft) only adds placements, so if :func:`fit`
cannot place ``n`` arrivals with window cap ``L``, no calendar has a busiest
30-day window below ``L + 1`` for that party: :func:`spread_bound` is a valid
lower bound of each party's term of the spreading objective.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Mapping, Sequence

from openskies.calendar.problem import (
    QUARTER_CAP,
    SPREAD_DAYS,
    WINDOW_H,
    Flight,
    Intervals,
    Option,
    Problem,
    intersect,
    next_allowed,
    union,
)
from openskies.violations import Violation

#: With arrivals >= 96 h apart a 30-day window holds at most 8 of them.
MAX_IN_WINDOW = 8
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
#: How many days the greedy may move a slot to fit an aircraft.
SLACK_DAYS = 5

#: ``{flight index: (arrival hour, option index)}``.
Placement = dict[int, tuple[int, int]]


def fit(
    problem: Problem,
    allowed: Intervals,
    n: int,
    *,
    cap: int | None = None,
    quarter_cap: int | None = QUARTER_CAP,
    start: Sequence[int] = (),
) -> list[int]:
    """Place up to ``n`` arrivals in ``allowed`` earliest-first (see module doc).

    ``start`` gives ideal hours per arrival: the greedy then begins its search for
    arrival ``k`` at ``start[k]`` instead of the earliest hour (no longer optimal;
    used to spread the hint).
    """
    placed: list[int] = []
    counts = [0, 0, 0, 0]
    hour = 0
    while len(placed) < n:
        if len(placed) < len(start):
            hour = max(hour, start[len(placed)])
        found = next_allowed(allowed, hour)
        if found is None:
            break
        hour = found
        if placed and hour < placed[-1] + WINDOW_H:
            hour = placed[-1] + WINDOW_H
            continue
        if cap is not None and len(placed) >= cap:
            first_day = placed[-cap] // 24 + SPREAD_DAYS
            if hour < first_day * 24:
                hour = first_day * 24
                continue
        quarter = problem.quarter(hour)
        if quarter_cap is not None and counts[quarter] >= quarter_cap:
            hour = problem.quarter_starts[quarter + 1]
            continue
        placed.append(hour)
        counts[quarter] += 1
        hour += WINDOW_H
    return placed


def busiest_window(arrivals: Sequence[int]) -> int:
    """Return the most arrivals whose days fall in one 30-day window."""
    days = sorted(h // 24 for h in arrivals)
    best = 0
    for k, day in enumerate(days):
        best = max(best, bisect.bisect_left(days, day + SPREAD_DAYS) - k)
    return best


def allowed_hours(problem: Problem, flights: Sequence[int]) -> Intervals:
    """Return the union of the allowed arrival hours of ``flights``."""
    return union(problem.flights[i].domain for i in flights)


def spread_bound(problem: Problem, flights: Sequence[int]) -> int | None:
    """Return a proven lower bound of the busiest 30-day window over ``flights``.

    ``flights`` are the flights over one party.  None if they cannot all be
    placed even without the window cap.
    """
    n = len(flights)
    allowed = allowed_hours(problem, flights)
    for cap in range(min(n, 1), MAX_IN_WINDOW + 1):
        if len(fit(problem, allowed, n, cap=cap)) >= n:
            return cap
    return None


def _spread_hours(problem: Problem, allowed: Intervals, n: int, cap: int) -> list[int]:
    """Return ``n`` arrival hours spread over ``allowed`` with windows <= ``cap``."""
    if not allowed or n == 0:
        return []
    lo, hi = allowed[0][0], allowed[-1][1]
    ideal = [lo + (2 * k + 1) * (hi - lo) // (2 * n) for k in range(n)]
    spread = fit(problem, allowed, n, cap=cap, start=ideal)
    return spread if len(spread) == n else fit(problem, allowed, n, cap=cap)


class _Calendar:
    """Missions placed so far, indexed for the greedy's feasibility tests."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.party: dict[str, list[int]] = {}
        self.counts: dict[str, list[int]] = {}
        self.plane: dict[str, tuple[list[int], list[str]]] = {}
        self.placed: Placement = {}

    def first_fit(
        self, flight: Flight, option: Option, lo: int, hi: int, cap: int | None
    ) -> int | None:
        """Return the earliest feasible arrival in ``[lo, hi]`` or None.

        With ``cap``, the party's busiest 30-day window must stay within it.
        """
        problem = self.problem
        allowed = intersect(flight.domain, option.window)
        arrivals = self.party.get(flight.observed, [])
        counts = self.counts.get(flight.observed, [0, 0, 0, 0])
        hour = lo
        while True:
            found = next_allowed(allowed, hour)
            if found is None or found > hi:
                return None
            hour = found
            k = bisect.bisect_right(arrivals, hour - WINDOW_H)
            if k < len(arrivals) and arrivals[k] < hour + WINDOW_H:
                hour = arrivals[k] + WINDOW_H
                continue
            quarter = problem.quarter(hour)
            if counts[quarter] >= QUARTER_CAP:
                hour = problem.quarter_starts[quarter + 1]
                continue
            if cap is not None and self._crowded(arrivals, hour, cap):
                hour = (hour // 24 + 1) * 24
                continue
            later = self._aircraft_conflict(option, hour)
            if later is None:
                return hour
            hour = later

    @staticmethod
    def _crowded(arrivals: list[int], hour: int, cap: int) -> bool:
        """Whether an arrival at ``hour`` puts ``cap + 1`` in a 30-day window."""
        day = hour // 24
        days = [h // 24 for h in arrivals]
        return any(
            bisect.bisect_right(days, first + SPREAD_DAYS - 1)
            - bisect.bisect_left(days, first)
            >= cap
            for first in range(day - SPREAD_DAYS + 1, day + 1)
        )

    def _aircraft_conflict(self, option: Option, hour: int) -> int | None:
        """Return the next hour to try if the aircraft cannot arrive at ``hour``."""
        if option.aircraft is None:
            return None
        hop = self.problem.hop
        times, poes = self.plane.get(option.aircraft, ([], []))
        j = bisect.bisect_right(times, hour)
        if j > 0:
            ready = (
                times[j - 1] + WINDOW_H + hop(option.aircraft, poes[j - 1], option.poe)
            )
            if hour < ready:
                return ready
        if j < len(times):
            gap = hop(option.aircraft, option.poe, poes[j])
            if times[j] < hour + WINDOW_H + gap:
                return times[j] + WINDOW_H + hop(option.aircraft, poes[j], option.poe)
        return None

    def commit(self, flight: Flight, choice: int, hour: int) -> None:
        """Record ``flight`` flown with option ``choice`` arriving at ``hour``."""
        bisect.insort(self.party.setdefault(flight.observed, []), hour)
        self.counts.setdefault(flight.observed, [0, 0, 0, 0])[
            self.problem.quarter(hour)
        ] += 1
        option = flight.options[choice]
        if option.aircraft is not None:
            times, poes = self.plane.setdefault(option.aircraft, ([], []))
            j = bisect.bisect_right(times, hour)
            times.insert(j, hour)
            poes.insert(j, option.poe)
        self.placed[flight.index] = (hour, choice)

    def best(
        self, flight: Flight, lo: int, hi: int, cap: int | None
    ) -> tuple[int, int] | None:
        """Return ``(hour, option)`` of the earliest fit in ``[lo, hi]``, or None."""
        fits = [
            (hour, k)
            for k, option in enumerate(flight.options)
            if (hour := self.first_fit(flight, option, lo, hi, cap)) is not None
        ]
        return min(fits) if fits else None


def greedy(
    problem: Problem, caps: Mapping[str, int], only: Sequence[int] | None = None
) -> Placement:
    """Return a calendar that spreads each party's flights; some may be missing.

    Each party's arrivals are first spread over its year with busiest window
    ``caps[party]``; the slots are then filled in time order with the flight of
    the observer that has most flights left, on its earliest feasible option.
    Flights that find no slot are placed at their earliest feasible hour.
    ``only`` restricts the calendar to those flights.
    """
    calendar = _Calendar(problem)
    flights = problem.flights
    queues: dict[str, dict[str, deque[int]]] = {}
    slots: list[tuple[int, str]] = []
    keep = None if only is None else set(only)
    for party, everyone in problem.by_observed().items():
        members = [i for i in everyone if keep is None or i in keep]
        for i in members:
            queues.setdefault(party, {}).setdefault(
                flights[i].observer, deque()
            ).append(i)
        hours = _spread_hours(
            problem,
            allowed_hours(problem, members),
            len(members),
            caps.get(party, MAX_IN_WINDOW),
        )
        slots.extend((hour, party) for hour in hours)
    for hour, party in sorted(slots):
        latest = (hour // 24 + SLACK_DAYS) * 24 - 1
        cap = caps.get(party, MAX_IN_WINDOW)
        fits = []
        for observer, queue in queues[party].items():
            found = (
                calendar.best(flights[queue[0]], hour, latest, cap) if queue else None
            )
            if found is not None:
                fits.append((found[0] // 24, -len(queue), observer, found))
        if fits:
            _, _, observer, (arrival, choice) = min(fits)
            calendar.commit(flights[queues[party][observer].popleft()], choice, arrival)
    for party, party_queues in queues.items():
        for queue in party_queues.values():
            for i in queue:
                found = calendar.best(
                    flights[i], 0, problem.hours, caps.get(party, MAX_IN_WINDOW)
                ) or calendar.best(flights[i], 0, problem.hours, None)
                if found is not None:
                    calendar.commit(flights[i], found[1], found[0])
    return _by_rank(problem, calendar.placed)


def _by_rank(problem: Problem, placed: Placement) -> Placement:
    """Reorder each pair's placed flights so that rank follows arrival time."""
    pairs: dict[tuple[str, str], list[int]] = {}
    for flight in problem.flights:
        pairs.setdefault((flight.observer, flight.observed), []).append(flight.index)
    result: Placement = {}
    for members in pairs.values():
        times = sorted(placed[i] for i in members if i in placed)
        result.update(zip(members, times, strict=False))
    return result


def spread_objective(problem: Problem, placement: Placement) -> int:
    """Return the spreading objective of ``placement``."""
    arrivals: dict[str, list[int]] = {}
    for i, (hour, _) in placement.items():
        arrivals.setdefault(problem.flights[i].observed, []).append(hour)
    return sum(busiest_window(hours) for hours in arrivals.values())


def diagnose(problem: Problem) -> list[Violation]:
    """Return reasons why the flights cannot all be placed (empty if none found).

    The checks are sufficient, not necessary: a problem they pass may still be
    infeasible through the interplay of parties and aircraft.
    """
    year = problem.year
    reasons: list[Violation] = []
    for flight in problem.flights:
        if flight.rank == 0 and not flight.domain:
            exits = [
                f"{code} leaves on {problem.at(problem.exits[code]):%Y-%m-%d}"
                for code in (flight.observer, flight.observed)
                if code in problem.exits
            ]
            reasons.append(
                Violation(
                    "VI.I.9",
                    f"no flight of {flight.observer} over {flight.observed} fits in "
                    f"{year}: no 96 h period is free of blackouts, exit dates and "
                    "aircraft service limits"
                    + (f" ({'; '.join(exits)})" if exits else ""),
                    parties=(flight.observer, flight.observed),
                )
            )
    for party, members in problem.by_observed().items():
        reasons.extend(_party_reasons(problem, party, members))
    reasons.extend(_aircraft_reasons(problem))
    return reasons


def _party_reasons(problem: Problem, party: str, members: list[int]) -> list[Violation]:
    n = len(members)
    allowed = allowed_hours(problem, members)
    free = len(fit(problem, allowed, n, quarter_cap=None))
    if free < n:
        return [
            Violation(
                "VI.I.3",
                f"{party} can host at most {free} of the {n} flights granted over it "
                f"in {problem.year}: one mission at a time within 96 h, given its "
                "blackouts and exit date",
                parties=(party,),
                value=n,
                limit=free,
            )
        ]
    placed = fit(problem, allowed, n)
    if len(placed) >= n:
        return []
    full = [
        QUARTERS[q]
        for q in range(4)
        if sum(problem.quarter(h) == q for h in placed) >= QUARTER_CAP
    ]
    closed = (
        ""
        if len(full) == 4
        else "; the rest of the year is closed by blackouts or its exit date"
    )
    return [
        Violation(
            "Annex H",
            f"{party} can host at most {len(placed)} of the {n} flights granted over "
            f"it in {problem.year} with at most {QUARTER_CAP} per quarter: "
            f"{', '.join(full) or 'no quarter'} full{closed}",
            parties=(party,),
            value=n,
            limit=len(placed),
        )
    ]


def _aircraft_reasons(problem: Problem) -> list[Violation]:
    """Aircraft that cannot fly the flights that have no other option."""
    bound: dict[str, list[Flight]] = {}
    for flight in problem.flights:
        names = {o.aircraft for o in flight.options}
        if len(names) == 1 and None not in names:
            bound.setdefault(str(names.pop()), []).append(flight)
    reasons = []
    for aircraft, members in sorted(bound.items()):
        allowed = union(
            intersect(f.domain, o.window) for f in members for o in f.options
        )
        most = len(fit(problem, allowed, len(members), quarter_cap=None))
        if most < len(members):
            reasons.append(
                Violation(
                    "VI.I.1",
                    f"aircraft {aircraft} cannot fly the {len(members)} missions "
                    f"that only it can fly in {problem.year}: at most {most} fit "
                    "one at a time within its service period",
                    parties=tuple(sorted({f.observer for f in members})),
                    value=len(members),
                    limit=most,
                )
            )
    return reasons
