"""The stages of :func:`openskies.calendar.schedule.schedule` and the result they build.

Placement, spreading and preferences, in that order (see :func:`solve_stages`);
the missions get their Annex B identifiers here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from openskies.calendar.problem import NOTICE_H, WINDOW_H
from openskies.calendar.types import Mission, ScheduleResult
from openskies.options import Deadline, SolveOptions, SolveStatus
from openskies.violations import Violation

if TYPE_CHECKING:
    from openskies.calendar.inputs import Inputs
    from openskies.calendar.model import StageResult
    from openskies.calendar.problem import Problem

__all__ = ["failed", "solve_stages"]

#: Largest spreading model built (assignment literals, about the sum over
#: parties of flights squared); larger calendars keep the greedy's spreading.
MAX_SPREAD_LITERALS = 40_000
#: Share of the time left after placement that the party-by-party improvement
#: may use.
POLISH_SHARE = 0.5


def solve_stages(
    problem: Problem,
    inputs: Inputs,
    allow_partial: bool,
    options: SolveOptions,
    deadline: Deadline,
) -> ScheduleResult:
    """Run the stages: placement, spreading, preferences, within ``deadline``.

    1. A greedy calendar spread to the proven per-party bounds; if it misses
       flights, CP-SAT places them (all, or as many as possible when partial).
    2. Parties above their bound are re-solved one at a time (everything else
       fixed), then the whole model minimises the spreading objective from that
       hint.  A calendar whose objective equals the proven bound is only
       checked by CP-SAT (its variables fixed to the hint).
    3. Preferred months, keeping the spreading objective.
    """
    from openskies.calendar.greedy import greedy, spread_objective
    from openskies.calendar.model import CalendarModel
    from openskies.calendar.polish import polish

    everyone = [f.index for f in problem.flights]
    hint = greedy(problem, _caps(_bounds(problem, everyone)))
    if len(hint) < len(everyone):  # spreading less tightly may place more
        loose = greedy(problem, {})
        hint = loose if len(loose) > len(hint) else hint
    model = CalendarModel(problem, optional=allow_partial)
    proven = True
    present = everyone
    if len(hint) < len(everyone):
        # the greedy missed flights: CP-SAT places them (all, or as many as it
        # can when partial) before spreading, which needs a complete calendar
        if allow_partial:
            model.maximise_placed()
        model.hint(hint)
        stage = model.solve(options, deadline)
        if stage.status is SolveStatus.INFEASIBLE and not allow_partial:
            reasons = _leftover_reasons(problem, options, deadline)
            return failed(
                SolveStatus.INFEASIBLE, reasons, deadline, inputs, problem.year
            )
        if not stage.status.has_solution:
            reasons = [_out_of_time(problem, options)]
            return failed(stage.status, reasons, deadline, inputs, problem.year)
        proven = not allow_partial or stage.status is SolveStatus.OPTIMAL
        present, hint = sorted(stage.placement), stage.placement
    bounds = _caps(_bounds(problem, present))
    low = sum(bounds.values())
    first = deadline.elapsed() if len(hint) == len(present) else None
    if first is not None:
        hint = polish(problem, hint, bounds, options, deadline.share(POLISH_SHARE))
    spreading = _spread_size(problem, present) <= MAX_SPREAD_LITERALS
    if spreading:
        model.add_spreading(present, bounds)
    else:
        model.fix_present(present)
    model.hint(hint)
    certify = first is not None and (
        not spreading or spread_objective(problem, hint) == low
    )
    started = deadline.elapsed()
    stage = model.solve(options, deadline, presolve=False, fixed=certify)
    if stage.status is SolveStatus.INFEASIBLE:
        reasons = _leftover_reasons(problem, options, deadline)
        return failed(SolveStatus.INFEASIBLE, reasons, deadline, inputs, problem.year)
    if stage.status.has_solution:
        placement = stage.placement
        first = first if first is not None else _since(started, stage)
    elif first is not None:  # out of time after the greedy: keep its calendar
        placement = hint
    else:
        return failed(stage.status, (), deadline, inputs, problem.year)
    bound = low if certify or stage.bound is None else max(low, int(stage.bound))
    if spreading and any(f.preferred for f in problem.flights):
        model.add_preferences(spread_objective(problem, placement))
        model.hint(placement)
        last = model.solve(options, deadline, presolve=False)
        proven = proven and last.status is SolveStatus.OPTIMAL
        if last.status.has_solution:
            placement = last.placement
    objective = spread_objective(problem, placement)
    optimal = proven and objective <= bound
    return ScheduleResult(
        status=SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE,
        objective=float(objective),
        bound=float(min(bound, objective)),
        runtime_s=deadline.elapsed(),
        missions=_missions(problem, placement),
        year=problem.year,
        granted=inputs.granted,
        fleet=inputs.fleet,
        blackouts=inputs.blackouts,
        left_out=tuple(
            (f.observer, f.observed)
            for f in problem.flights
            if f.index not in placement
        ),
        busiest=_busiest(problem, placement),
        preferences_met=_preferred(problem, placement),
        first_solution_s=first,
    )


def _spread_size(problem: Problem, present: Iterable[int]) -> int:
    """Return about how many literals the spreading model needs."""
    chosen = set(present)
    return sum(
        sum(i in chosen for i in members) ** 2
        for members in problem.by_observed().values()
    )


def _since(started: float, stage: StageResult) -> float | None:
    """Return the time from the start to the stage's first solution [s].

    ``started`` is the time from the start to the stage's solve [s].
    """
    if stage.first_solution_s is None:
        return None
    return started + stage.first_solution_s


def _bounds(problem: Problem, present: Iterable[int]) -> dict[str, int | None]:
    """Return the proven lower bound of each party's busiest window."""
    from openskies.calendar.greedy import spread_bound

    chosen = set(present)
    return {
        party: spread_bound(problem, [i for i in members if i in chosen])
        for party, members in problem.by_observed().items()
    }


def _caps(bounds: Mapping[str, int | None]) -> dict[str, int]:
    """Return the bounds with the largest window (8) where a party has none."""
    from openskies.calendar.greedy import MAX_IN_WINDOW

    return {p: MAX_IN_WINDOW if b is None else b for p, b in bounds.items()}


def failed(
    status: SolveStatus,
    reasons: Iterable[Violation],
    deadline: Deadline,
    inputs: Inputs,
    year: int,
) -> ScheduleResult:
    """Return the result of a call that placed no calendar, with its reasons."""
    return ScheduleResult(
        status=status,
        objective=None,
        bound=None,
        runtime_s=deadline.elapsed(),
        missions=(),
        year=year,
        granted=inputs.granted,
        fleet=inputs.fleet,
        blackouts=inputs.blackouts,
        reasons=tuple(reasons),
    )


def _out_of_time(problem: Problem, options: SolveOptions) -> Violation:
    """Explain a placement stage that ended without a calendar."""
    return Violation(
        "VI.I.3",
        f"no calendar of the {len(problem.flights)} flights in {problem.year} was "
        f"found within the time limit of {options.time_limit_s:g} s; raise "
        "time_limit_s, or pass allow_partial=True to place as many as possible",
    )


def _leftover_reasons(
    problem: Problem, options: SolveOptions, deadline: Deadline
) -> list[Violation]:
    """Explain an infeasible calendar by the flights a largest subset leaves out."""
    from openskies.calendar.greedy import greedy
    from openskies.calendar.model import CalendarModel

    model = CalendarModel(problem, optional=True)
    model.maximise_placed()
    model.hint(greedy(problem, {}))
    stage = model.solve(options, deadline)
    if not stage.status.has_solution:
        return [
            Violation(
                "VI.I.3",
                f"the {len(problem.flights)} flights do not fit together in "
                f"{problem.year} (one mission at a time per party and per aircraft, "
                "with positioning); rerun with allow_partial=True",
            )
        ]
    missing: dict[tuple[str, str], int] = {}
    for flight in problem.flights:
        if flight.index not in stage.placement:
            pair = (flight.observer, flight.observed)
            missing[pair] = missing.get(pair, 0) + 1
    reasons = []
    for (observer, observed), count in sorted(missing.items()):
        names = sorted(
            {
                str(o.aircraft)
                for f in problem.flights
                for o in f.options
                if (f.observer, f.observed) == (observer, observed) and o.aircraft
            }
        )
        reasons.append(
            Violation(
                "VI.I.1" if names else "VI.I.3",
                f"{count} flight(s) of {observer} over {observed} do not fit beside "
                f"the other missions in {problem.year}"
                + (f": aircraft {', '.join(names)} fully used" if names else ""),
                parties=(observer, observed),
                value=count,
            )
        )
    return reasons


def _missions(
    problem: Problem, placement: Mapping[int, tuple[int, int]]
) -> tuple[Mission, ...]:
    """Return the missions of ``placement`` sorted by arrival, with Annex B ids."""
    rows = sorted(
        (hour, problem.flights[i].observer, problem.flights[i].observed, i, choice)
        for i, (hour, choice) in placement.items()
    )
    width = max(3, len(str(len(rows))))
    missions = []
    for serial, (hour, observer, observed, i, choice) in enumerate(rows, start=1):
        option = problem.flights[i].options[choice]
        arrival = problem.at(hour)
        missions.append(
            Mission(
                id=f"OS{problem.year % 10}{serial:0{width}d}",
                observer=observer,
                observed=observed,
                poe=option.poe,
                notice=arrival - dt.timedelta(hours=NOTICE_H),
                arrival=arrival,
                end=arrival + dt.timedelta(hours=WINDOW_H),
                aircraft=option.aircraft,
                taxi=option.taxi,
            )
        )
    return tuple(missions)


def _busiest(
    problem: Problem, placement: Mapping[int, tuple[int, int]]
) -> dict[str, int]:
    from openskies.calendar.greedy import busiest_window

    arrivals: dict[str, list[int]] = {}
    for i, (hour, _) in placement.items():
        arrivals.setdefault(problem.flights[i].observed, []).append(hour)
    return {party: busiest_window(hours) for party, hours in sorted(arrivals.items())}


def _preferred(problem: Problem, placement: Mapping[int, tuple[int, int]]) -> int:
    return sum(
        any(lo <= hour <= hi for lo, hi in problem.flights[i].preferred)
        for i, (hour, _) in placement.items()
    )
