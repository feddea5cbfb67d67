"""Large-neighbourhood improvement of a calendar, one observed party at a time.

With every other mission fixed, the flights over one party form a small exact
problem: each option's window loses the hours at which its aircraft is busy
elsewhere (including positioning to and from the other missions' points of
entry), and CP-SAT then minimises the party's busiest 30-day window.  This is
the neighbourhood CP-SAT's own LNS would need several workers to explore.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

from openskies.calendar.greedy import Placement, busiest_window, spread_bound
from openskies.calendar.model import CalendarModel
from openskies.calendar.problem import (
    WINDOW_H,
    Flight,
    Intervals,
    Problem,
    intersect,
    subtract,
    union,
)

if TYPE_CHECKING:
    from openskies.options import Deadline, SolveOptions

#: At most this share of the remaining time goes to one party's subproblem.
PARTY_SHARE = 0.2
#: CP-SAT deterministic time per party subproblem (machine independent).
PARTY_WORK = 2.0
PASSES = 3


def _busy(
    problem: Problem, placement: Placement, party: str
) -> dict[str, list[tuple[int, str]]]:
    """Return ``{aircraft: [(arrival, poe), ...]}`` of missions not over ``party``."""
    busy: dict[str, list[tuple[int, str]]] = {}
    for i, (hour, choice) in placement.items():
        flight = problem.flights[i]
        option = flight.options[choice]
        if flight.observed != party and option.aircraft is not None:
            busy.setdefault(option.aircraft, []).append((hour, option.poe))
    return busy


def _narrowed(
    problem: Problem, flight: Flight, busy: Mapping[str, list[tuple[int, str]]]
) -> Flight:
    """Return ``flight`` with its options' windows cleared of their aircraft's work."""
    options = []
    for option in flight.options:
        window: Intervals = option.window
        if option.aircraft is not None:
            for hour, poe in busy.get(option.aircraft, []):
                before = WINDOW_H + problem.hop(option.aircraft, option.poe, poe)
                after = WINDOW_H + problem.hop(option.aircraft, poe, option.poe)
                window = subtract(window, hour - before + 1, hour + after - 1)
        options.append(dataclasses.replace(option, window=window))
    domain = intersect(flight.domain, union(o.window for o in options))
    return dataclasses.replace(flight, options=tuple(options), domain=domain)


def _improve_party(
    problem: Problem,
    placement: Placement,
    party: str,
    members: list[int],
    options: SolveOptions,
    deadline: Deadline,
) -> Placement | None:
    """Return a better placement of ``party``'s flights, or None."""
    busy = _busy(problem, placement, party)
    flights = tuple(
        dataclasses.replace(_narrowed(problem, problem.flights[i], busy), index=k)
        for k, i in enumerate(members)
    )
    sub = dataclasses.replace(problem, flights=flights)
    everyone = list(range(len(flights)))
    low = spread_bound(sub, everyone)
    now = busiest_window([placement[i][0] for i in members])
    if low is None or low >= now:
        return None
    model = CalendarModel(sub, optional=False)
    model.add_spreading(everyone, {party: low})
    model.hint({k: placement[i] for k, i in enumerate(members)})
    stage = model.solve(options, deadline, presolve=False, work=PARTY_WORK)
    if not stage.status.has_solution or (stage.objective or now) >= now:
        return None
    return {members[k]: value for k, value in stage.placement.items()}


def polish(
    problem: Problem,
    placement: Placement,
    bounds: Mapping[str, int],
    options: SolveOptions,
    deadline: Deadline,
) -> Placement:
    """Lighten parties above their bound, one at a time, until ``deadline``.

    Flights missing from ``placement`` stay out; each party's subproblem gets
    ``PARTY_SHARE`` of the time left.
    """
    current = dict(placement)
    groups = {
        party: [i for i in members if i in current]
        for party, members in problem.by_observed().items()
    }
    for _ in range(PASSES):
        gaps = {
            party: busiest_window([current[i][0] for i in members]) - bounds[party]
            for party, members in groups.items()
        }
        improved = False
        for party in sorted((p for p in gaps if gaps[p] > 0), key=lambda p: -gaps[p]):
            if deadline.expired:
                return current
            better = _improve_party(
                problem,
                current,
                party,
                groups[party],
                options,
                deadline.share(PARTY_SHARE),
            )
            if better is not None:
                current.update(better)
                improved = True
        if not improved:
            break
    return current
