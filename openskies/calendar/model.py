"""The CP-SAT model of the mission calendar (private: never leaks OR-Tools).

Variables per flight ``i``: the arrival hour ``a_i`` (its domain is the flight's
allowed hours), a presence literal, one literal per option (aircraft).

* R15 (VI.I.3): per observed party, a no-overlap over the intervals
  ``[a_i, a_i + 96)``.
* R14 (Annex H): per party with more than 16 flights, one literal per flight and
  quarter, at most 16 per quarter.
* Aircraft (VI.I.1): per aircraft a no-overlap over optional intervals
  ``[a_i, a_i + 96)``, and for two missions over different parties an order
  literal with ``a_j >= a_i + 96 + hop(poe_i, poe_j)`` (or the reverse), which is
  exact for positioning between points of entry.  Positioning from the home base
  is in each option's window; by the triangle inequality it then holds for every
  mission, not only the first.
* Symmetry: the flights of one pair are interchangeable and arrive in rank order.

Spreading (added by :meth:`CalendarModel.add_spreading`): per party, sorted day
slots ``s_1 < ... < s_n`` (4 days apart at least), an assignment of flights to
slots, and literals ``u_l`` = "busiest window <= l" with
``u_l => s_{k+l} - s_k >= 30`` for every ``k``; the party's term is
``UB - sum(u)`` and its proven lower bound (``_schedule_greedy.spread_bound``)
is the smallest ``l`` that gets a literal.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openskies.calendar.greedy import MAX_IN_WINDOW, Placement, busiest_window
from openskies.calendar.problem import (
    QUARTER_CAP,
    SPREAD_DAYS,
    WINDOW_H,
    Problem,
    intersect,
    union,
)
from openskies.options import (
    Deadline,
    SolveOptions,
    SolveStatus,
    make_cp_solver,
    map_cp_status,
)

MIN_GAP_DAYS = WINDOW_H // 24


@dataclass(frozen=True)
class StageResult:
    """What one solve returned."""

    status: SolveStatus
    placement: Placement
    objective: float | None
    bound: float | None
    runtime_s: float
    first_solution_s: float | None


@dataclass
class _Spread:
    """Spreading variables of one party."""

    members: list[int]
    slots: list[Any]
    assign: dict[tuple[int, int], Any]
    caps: dict[int, Any]
    upper: int


class CalendarModel:
    """CP-SAT model of one year's calendar."""

    def __init__(self, problem: Problem, *, optional: bool) -> None:
        from ortools.sat.python import cp_model

        self.problem = problem
        self.model: Any = cp_model.CpModel()
        model = self.model
        self.arrival: list[Any] = []
        self.present: list[Any] = []
        self.use: list[list[Any]] = []
        for flight in problem.flights:
            allowed = flight.domain
            # a flight with no possible arrival (its party leaves or joins
            # within the first or last 96 h) keeps a dummy hour and is absent
            arrival = model.new_int_var_from_domain(
                cp_model.Domain.from_intervals(
                    [list(iv) for iv in allowed or ((0, 0),)]
                ),
                f"a{flight.index}",
            )
            present = model.new_bool_var(f"p{flight.index}")
            if not allowed:
                model.add(present == 0)
            if not optional:
                model.add(present == 1)
            uses = [model.new_bool_var(f"x{flight.index}_{k}") for k in flight.options]
            model.add(sum(uses) == present)
            for use, option in zip(uses, flight.options, strict=True):
                window = intersect(allowed, option.window)
                if window != allowed:
                    model.add_linear_expression_in_domain(
                        arrival,
                        cp_model.Domain.from_intervals([list(iv) for iv in window]),
                    ).only_enforce_if(use)
            self.arrival.append(arrival)
            self.present.append(present)
            self.use.append(uses)
        self.quarter_lits: dict[int, list[tuple[int, Any]]] = {}
        self.order: dict[tuple[int, int], Any] = {}
        self._parties()
        self._pairs()
        self._aircraft()
        self.spread: dict[str, _Spread] = {}
        self.spread_constant = 0
        self.spread_terms: list[Any] = []
        self.preferred: dict[int, Any] = {}

    def _interval(self, i: int, literal: Any) -> Any:
        return self.model.new_optional_fixed_size_interval_var(
            self.arrival[i], WINDOW_H, literal, f"w{i}"
        )

    def _parties(self) -> None:
        """R15 no-overlap and the R14 quarter caps."""
        model, problem = self.model, self.problem
        starts = problem.quarter_starts
        for members in problem.by_observed().values():
            model.add_no_overlap([self._interval(i, self.present[i]) for i in members])
            if len(members) <= QUARTER_CAP:
                continue
            per_quarter: list[list[Any]] = [[], [], [], []]
            for i in members:
                lits = []
                for q in range(4):
                    if not intersect(
                        problem.flights[i].domain, ((starts[q], starts[q + 1] - 1),)
                    ):
                        continue
                    lit = model.new_bool_var(f"q{i}_{q}")
                    model.add(self.arrival[i] >= starts[q]).only_enforce_if(lit)
                    model.add(self.arrival[i] < starts[q + 1]).only_enforce_if(lit)
                    per_quarter[q].append(lit)
                    lits.append((q, lit))
                model.add(sum(lit for _, lit in lits) == self.present[i])
                self.quarter_lits[i] = lits
            for lits_q in per_quarter:
                if len(lits_q) > QUARTER_CAP:
                    model.add(sum(lits_q) <= QUARTER_CAP)

    def _pairs(self) -> None:
        """Flights of one pair arrive in rank order (symmetry breaking)."""
        previous: dict[tuple[str, str], int] = {}
        for flight in self.problem.flights:
            key = (flight.observer, flight.observed)
            if key in previous:
                j = previous[key]
                self.model.add_implication(self.present[flight.index], self.present[j])
                self.model.add(
                    self.arrival[flight.index] >= self.arrival[j] + WINDOW_H
                ).only_enforce_if(self.present[flight.index])
            previous[key] = flight.index

    def _aircraft(self) -> None:
        """One mission at a time per aircraft, with positioning between POEs."""
        model, problem = self.model, self.problem
        fleets: dict[str, list[tuple[int, Any, str]]] = {}
        for flight in problem.flights:
            for use, option in zip(self.use[flight.index], flight.options, strict=True):
                if option.aircraft is not None:
                    fleets.setdefault(option.aircraft, []).append(
                        (flight.index, use, option.poe)
                    )
        flights = problem.flights
        for name, members in fleets.items():
            model.add_no_overlap([self._interval(i, use) for i, use, _ in members])
            for k, (i, use_i, poe_i) in enumerate(members):
                for j, use_j, poe_j in members[k + 1 :]:
                    if flights[i].observed == flights[j].observed:
                        continue  # same POE: the party's no-overlap suffices
                    if (i, j) not in self.order:
                        self.order[(i, j)] = model.new_bool_var(f"o{i}_{j}")
                    first = self.order[(i, j)]
                    gap_ij = WINDOW_H + problem.hop(name, poe_i, poe_j)
                    gap_ji = WINDOW_H + problem.hop(name, poe_j, poe_i)
                    model.add(
                        self.arrival[j] >= self.arrival[i] + gap_ij
                    ).only_enforce_if([first, use_i, use_j])
                    model.add(
                        self.arrival[i] >= self.arrival[j] + gap_ji
                    ).only_enforce_if([~first, use_i, use_j])

    def add_spreading(self, present: Sequence[int], bounds: Mapping[str, int]) -> None:
        """Fix the flights to ``present`` and minimise the busiest 30-day windows."""
        model, problem = self.model, self.problem
        self.fix_present(present)
        chosen = set(present)
        objective: list[Any] = []
        for party, all_members in problem.by_observed().items():
            members = [i for i in all_members if i in chosen]
            n, low = len(members), bounds[party]
            upper = min(n, MAX_IN_WINDOW)
            if low >= upper:
                self.spread_constant += upper
                continue
            spread = self._party_spread(members, low, upper)
            self.spread[party] = spread
            self.spread_constant += upper
            objective.extend(spread.caps.values())
        self.spread_terms = objective
        model.minimize(self.spread_constant - sum(objective))

    def _party_spread(self, members: list[int], low: int, upper: int) -> _Spread:
        model, problem = self.model, self.problem
        n = len(members)
        days = union(problem.flights[i].domain for i in members)
        first_day, last_day = days[0][0] // 24, days[-1][1] // 24
        slots = [model.new_int_var(first_day, last_day, "s") for _ in range(n)]
        for a, b in itertools.pairwise(slots):
            model.add(b >= a + MIN_GAP_DAYS)
        counts: dict[tuple[str, str], int] = {}
        for i in members:
            pair = (problem.flights[i].observer, problem.flights[i].observed)
            counts[pair] = counts.get(pair, 0) + 1
        seen: dict[tuple[str, str], int] = {}
        assign: dict[tuple[int, int], Any] = {}
        by_slot: list[list[Any]] = [[] for _ in range(n)]
        for i in members:
            pair = (problem.flights[i].observer, problem.flights[i].observed)
            rank = seen.get(pair, 0)
            seen[pair] = rank + 1
            # rank-th of its pair: at least `rank` slots before, the rest after
            for k in range(rank, n - counts[pair] + rank + 1):
                lit = model.new_bool_var("y")
                model.add(self.arrival[i] >= 24 * slots[k]).only_enforce_if(lit)
                model.add(self.arrival[i] <= 24 * slots[k] + 23).only_enforce_if(lit)
                assign[(i, k)] = lit
                by_slot[k].append(lit)
            model.add_exactly_one(
                assign[(i, k)] for k in range(rank, n - counts[pair] + rank + 1)
            )
        for lits in by_slot:
            model.add_exactly_one(lits)
        caps: dict[int, Any] = {}
        for cap in range(low, upper):
            lit = model.new_bool_var(f"u{cap}")
            for k in range(n - cap):
                model.add(slots[k + cap] >= slots[k] + SPREAD_DAYS).only_enforce_if(lit)
            if caps:
                model.add_implication(caps[cap - 1], lit)
            caps[cap] = lit
        return _Spread(members, slots, assign, caps, upper)

    def add_preferences(self, spreading_limit: float) -> None:
        """Keep the spreading objective and maximise flights in preferred months."""
        from ortools.sat.python import cp_model

        model = self.model
        model.add(self.spread_constant - sum(self.spread_terms) <= int(spreading_limit))
        for flight in self.problem.flights:
            if flight.preferred:
                lit = model.new_bool_var(f"m{flight.index}")
                window = intersect(flight.domain, flight.preferred)
                if not window:
                    model.add(lit == 0)
                else:
                    model.add_linear_expression_in_domain(
                        self.arrival[flight.index],
                        cp_model.Domain.from_intervals([list(iv) for iv in window]),
                    ).only_enforce_if(lit)
                self.preferred[flight.index] = lit
        model.maximize(sum(self.preferred.values()))

    def maximise_placed(self) -> None:
        """Objective of the partial stage: as many flights as possible."""
        self.model.maximize(sum(self.present))

    def hint(self, placement: Placement) -> None:
        """Hint every variable from ``placement`` (flights missing are absent)."""
        model, problem = self.model, self.problem
        model.clear_hints()
        for flight in problem.flights:
            i = flight.index
            first = flight.domain[0][0] if flight.domain else 0
            hour, choice = placement.get(i, (first, -1))
            model.add_hint(self.arrival[i], hour)
            model.add_hint(self.present[i], i in placement)
            for k, use in enumerate(self.use[i]):
                model.add_hint(use, k == choice)
            for q, lit in self.quarter_lits.get(i, []):
                model.add_hint(lit, problem.quarter(hour) == q and i in placement)
        for (i, j), lit in self.order.items():
            model.add_hint(
                lit, placement.get(i, (0, 0))[0] <= placement.get(j, (0, 0))[0]
            )
        for spread in self.spread.values():
            ranked = sorted(spread.members, key=lambda i: placement[i][0])
            rank = {i: k for k, i in enumerate(ranked)}
            for slot, i in zip(spread.slots, ranked, strict=True):
                model.add_hint(slot, placement[i][0] // 24)
            for (i, k), lit in spread.assign.items():
                model.add_hint(lit, rank[i] == k)
            busiest = busiest_window([placement[i][0] for i in spread.members])
            for cap, lit in spread.caps.items():
                model.add_hint(lit, busiest <= cap)
        for i, lit in self.preferred.items():
            hour = placement.get(i, (-1, 0))[0]
            inside = any(lo <= hour <= hi for lo, hi in problem.flights[i].preferred)
            model.add_hint(lit, inside)

    def fix_present(self, present: Sequence[int]) -> None:
        """Require exactly the flights ``present`` (no spreading objective)."""
        chosen = set(present)
        for i, literal in enumerate(self.present):
            self.model.add(literal == int(i in chosen))

    def solve(
        self,
        options: SolveOptions,
        deadline: Deadline,
        *,
        presolve: bool = True,
        fixed: bool = False,
        work: float | None = None,
    ) -> StageResult:
        """Solve the model as it stands.

        ``presolve=False`` skips CP-SAT's presolve (it costs more than it saves
        when a good complete hint is given); ``fixed=True`` only checks the hint;
        ``work`` caps CP-SAT's deterministic time, so that the result does not
        depend on the machine's speed.
        """
        from ortools.sat.python import cp_model

        solver = make_cp_solver(options, deadline)
        solver.parameters.cp_model_presolve = presolve
        solver.parameters.fix_variables_to_their_hinted_value = fixed
        if work is not None:
            solver.parameters.max_deterministic_time = work
        first: list[float] = []

        class _First(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                if not first:
                    first.append(self.wall_time)

        status = map_cp_status(solver.solve(self.model, _First()))
        placement: Placement = {}
        objective = bound = None
        if status.has_solution:
            for flight in self.problem.flights:
                i = flight.index
                if solver.boolean_value(self.present[i]):
                    choice = next(
                        k
                        for k, use in enumerate(self.use[i])
                        if solver.boolean_value(use)
                    )
                    placement[i] = (int(solver.value(self.arrival[i])), choice)
            if self.model.has_objective():
                objective = float(solver.objective_value)
                bound = float(solver.best_objective_bound)
        return StageResult(
            status,
            placement,
            objective,
            bound,
            float(solver.wall_time),
            first[0] if first else None,
        )
