"""Solving the allocation: exact flows first, CP-SAT for what flows cannot say.

The flow relaxation (:mod:`openskies.allocation.transport`) drops reciprocity and the
``distributed`` reading of the per-pair cap.  Its lexicographic optimum bounds
every stage; when its plan satisfies the dropped rules it is optimal outright.
Otherwise the CP-SAT model below solves the stages in turn, with the flow plan
made reciprocal as a hint and the flow optima as bounds.  Guarantees and the
flights fixed over disputed targets are assumptions: an infeasible set is
reported as a minimal conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from openskies.allocation.plans import (
    best_hint,
    complies,
    plan_values,
    stage_names,
    valid,
)
from openskies.allocation.transport import best_flow, max_min_share, needs
from openskies.options import (
    Deadline,
    Objective,
    PairCap,
    SolveOptions,
    SolveStatus,
    make_cp_solver,
    map_cp_status,
)

if TYPE_CHECKING:
    from openskies.allocation.allocate import Value
    from openskies.allocation.data import Instance
    from openskies.allocation.transport import IntArray

__all__ = ["Solved", "solve"]


#: One stage: name, sense, value, bound, status, method.
StageRow = tuple[str, str, "Value | None", "Value | None", SolveStatus, str]


@dataclass(frozen=True)
class Solved:
    """What the solver found: status, plan, stages, conflicting assumptions."""

    status: SolveStatus
    x: IntArray | None
    stages: tuple[StageRow, ...]
    conflicts: tuple[int, ...] = ()


def solve(
    data: Instance,
    objective: Objective,
    has_previous: bool,
    options: SolveOptions,
    deadline: Deadline,
) -> Solved:
    """Solve every stage of ``objective``; see :func:`openskies.allocate`."""
    import numpy as np

    names = stage_names(objective, has_previous)
    net = data.net
    fair = names[0][0] == "min_share"
    share = max_min_share(net) if fair else Fraction(0)
    plan = None
    if share is not None:
        plan = best_flow(
            net,
            needs(net, share) if fair else np.zeros(net.n, np.int64),
            change=has_previous,
        )
    if plan is None:
        hint = None
    elif complies(data, plan):
        hint = plan
    else:
        need = (
            needs(net, share) if fair and share is not None else needs(net, Fraction(0))
        )
        hint = best_hint(data, plan, need, has_previous, names)
    if plan is not None and hint is not None and valid(data, hint):
        # a plan keeping every rule that meets every flow optimum is optimal
        values, best = plan_values(data, hint), plan_values(data, plan)
        if all(values[name] == best[name] for name, _ in names):
            return Solved(
                SolveStatus.OPTIMAL,
                hint,
                tuple(
                    (
                        name,
                        sense,
                        values[name],
                        values[name],
                        SolveStatus.OPTIMAL,
                        "flow",
                    )
                    for name, sense in names
                ),
            )
    return _CpAllocation(data, options, deadline).run(
        names, hint, plan, share, has_previous
    )


class _CpAllocation:
    """The full model in CP-SAT, solved stage by stage."""

    def __init__(
        self, data: Instance, options: SolveOptions, deadline: Deadline
    ) -> None:
        import numpy as np
        from ortools.sat.python import cp_model

        self.data, self.options, self.deadline = data, options, deadline
        net = data.net
        self.need: IntArray = needs(net, Fraction(0))
        self.relaxed: IntArray | None = None
        self.counted: list[int] = np.flatnonzero(net.shared).tolist()
        self.gain: Any = 0
        self.gain_name, self.best_gain = "weighted", 0
        self.scale, self.offset = 1, 0
        self.full: list[tuple[int, int, Any]] = []
        self.level: Any = None
        self.gaps: list[tuple[int, Any]] = []
        model: Any = cp_model.CpModel()
        fixed = data.fixed
        upper = np.where(
            fixed >= 0, np.minimum(data.rule_cap, np.maximum(fixed, 0)), data.rule_cap
        )
        x = [model.new_int_var(0, int(u), f"x{k}") for k, u in enumerate(upper)]
        self.model, self.x = model, x
        rows: list[list[int]] = [[] for _ in range(net.n)]
        cols: list[list[int]] = [[] for _ in range(net.n)]
        for k, (o, t) in enumerate(
            zip(net.obs.tolist(), net.tgt.tolist(), strict=True)
        ):
            rows[o].append(k)
            cols[t].append(k)
        self.rows = rows
        for i in range(net.n):
            if rows[i]:
                model.add(sum(x[k] for k in rows[i]) <= int(net.rowcap[i]))
            if cols[i]:
                model.add(sum(x[k] for k in cols[i]) <= int(net.colcap[i]))
        if data.reading is PairCap.DISTRIBUTED:
            for i in range(net.n):
                if rows[i]:
                    active = model.new_int_var(0, int(net.rowcap[i]), f"a{i}")
                    model.add(active == sum(x[k] for k in rows[i]))
                    for k in rows[i]:
                        model.add(2 * x[k] <= active + 1)
        if data.reciprocity:
            self._reciprocity(upper)
        self.assumptions: list[tuple[int, Any]] = []
        for k in np.flatnonzero((data.guarantee > 0) | (fixed >= 0)).tolist():
            lit = model.new_bool_var(f"g{k}")
            if fixed[k] >= 0:
                model.add(x[k] == int(fixed[k])).only_enforce_if(lit)
            if data.guarantee[k] > 0:
                model.add(x[k] >= int(data.guarantee[k])).only_enforce_if(lit)
            self.assumptions.append((k, lit))

    def _reciprocity(self, upper: IntArray) -> None:
        """Add ``x[k] >= min(request[k], x[reverse[k]])`` for every pair."""
        data, model, x = self.data, self.model, self.x
        for k, back in enumerate(data.reverse.tolist()):
            wanted = int(data.request[k])
            if (
                back < 0
                or wanted == 0
                or (data.fixed[k] >= 0 and data.fixed[back] >= 0)
            ):
                continue
            if upper[back] <= wanted or upper[k] < wanted:
                model.add(x[k] >= x[back])
            else:
                full = model.new_bool_var(f"r{k}")
                self.full.append((k, wanted, full))
                model.add(x[k] >= wanted).only_enforce_if(full)
                model.add(x[k] >= x[back]).only_enforce_if(~full)
                # convex hull of the pair's feasible set: the triangle with corners
                # (0, 0), (wanted, wanted) and (wanted, upper[back])
                model.add(wanted * x[back] <= int(upper[back]) * x[k])

    def _solve(
        self, hint: IntArray | None, deadline: Deadline | None = None
    ) -> tuple[SolveStatus, Any]:
        model = self.model
        model.clear_hints()
        if hint is not None:
            values = hint.tolist()
            for var, value in zip(self.x, values, strict=True):
                model.add_hint(var, value)
            for k, wanted, var in self.full:
                model.add_hint(var, values[k] >= wanted)
            for k, var in self.gaps:
                model.add_hint(var, abs(values[k] - int(self.data.net.prev[k])))
            if self.level is not None:
                share = plan_values(self.data, hint)["min_share"]
                model.add_hint(self.level, int(share * self.scale))
        solver = make_cp_solver(self.options, deadline or self.deadline)
        return map_cp_status(solver.solve(model)), solver

    def _neighbourhood(self, hint: IntArray) -> IntArray | None:
        """Re-optimise where the repair changed the flow plan, the rest fixed.

        The pairs whose flights the repair changed, and every pair between the
        parties they touch, stay free; the others keep the hint's flights.  A
        short CP-SAT run on this small problem often finds the plan that meets
        the flow bound, which the whole model would take long to find.
        """
        import numpy as np

        if self.plan is None:
            return None
        net = self.data.net
        changed = hint != self.plan
        touched = np.zeros(net.n, dtype=bool)
        touched[net.obs[changed]] = True
        touched[net.tgt[changed]] = True
        free = changed | (touched[net.obs] & touched[net.tgt])
        if free.sum() > 4000:  # too large to be quick: the changed pairs alone
            free = changed.copy()
            free[self.data.reverse[changed & (self.data.reverse >= 0)]] = True
        if not free.any() or free.all():
            return None
        domains = [self.model.proto.variables[v.index].domain for v in self.x]
        saved = [(d[0], d[1]) for d in domains]
        for k in np.flatnonzero(~free).tolist():
            domains[k][0] = domains[k][1] = int(hint[k])
        try:
            status, solver = self._solve(hint, self.deadline.share(0.25))
        finally:
            for domain, (low, high) in zip(domains, saved, strict=True):
                domain[0], domain[1] = low, high
        return self._values(solver) if status.has_solution else None

    def _values(self, solver: Any) -> IntArray:
        import numpy as np

        return np.array([solver.value(v) for v in self.x], dtype=np.int64)

    def run(
        self,
        names: list[tuple[str, str]],
        hint: IntArray | None,
        plan: IntArray | None,
        share: Fraction | None,
        has_previous: bool,
    ) -> Solved:
        """Check the assumptions, then optimise each stage in turn."""
        import numpy as np

        self.plan = plan
        if self.assumptions:
            lits = [lit for _, lit in self.assumptions]
            self.model.add_assumptions(lits)
            status, solver = self._solve(hint)
            if status is SolveStatus.INFEASIBLE:
                conflict = self._minimal_conflict(solver)
                return Solved(SolveStatus.INFEASIBLE, None, (), conflict)
            if not status.has_solution:
                return Solved(SolveStatus.UNKNOWN, None, ())
            self.model.clear_assumptions()
            self.model.add_bool_and(lits)
            incumbent = self._values(solver)
        elif hint is not None and valid(self.data, hint):
            incumbent = hint
        else:
            incumbent = np.zeros(len(self.x), np.int64)
        return self._stages(
            names, incumbent if hint is None else hint, incumbent, share, has_previous
        )

    def _stages(
        self,
        names: list[tuple[str, str]],
        hint: IntArray,
        incumbent: IntArray,
        share: Fraction | None,
        has_previous: bool,
    ) -> Solved:
        """Optimise each stage, fixing its optimum before the next.

        A stage whose flow bound is already met by a valid plan at hand (the
        reciprocal flow plan or the last stage's optimum) is proven optimal
        without calling CP-SAT.
        """
        data = self.data
        done: list[StageRow] = []
        plans = [incumbent] + ([hint] if valid(self.data, hint) else [])
        kept: dict[str, Value] = {}
        proven = True
        for name, sense in names:
            if not proven or self.deadline.expired:
                value = plan_values(data, incumbent)[name]
                done.append((name, sense, value, None, SolveStatus.FEASIBLE, "cp-sat"))
                proven = False
                continue
            bound = self._set_objective(name, share, has_previous)
            keeping = [
                p
                for p in plans
                if all(plan_values(data, p)[n] == v for n, v in kept.items())
            ]
            reached = [p for p in keeping if plan_values(data, p)[name] == bound]
            if reached:
                incumbent = reached[0]
                done.append((name, sense, bound, bound, SolveStatus.OPTIMAL, "flow"))
            else:
                start = keeping[0] if keeping else hint
                local = self._neighbourhood(start)
                if local is not None:
                    plans.insert(0, local)
                    start = local
                if local is not None and plan_values(data, local)[name] == bound:
                    incumbent = local
                    done.append(
                        (name, sense, bound, bound, SolveStatus.OPTIMAL, "cp-sat")
                    )
                    kept[name] = bound
                    self._keep(name, bound)
                    continue
                status, solver = self._solve(start)
                if status.has_solution:
                    incumbent = self._values(solver)
                value = plan_values(data, incumbent)[name]
                if status is not SolveStatus.OPTIMAL:
                    proven = False
                    bound = self._solver_bound(name, solver, status, bound)
                    row = (name, sense, value, bound, SolveStatus.FEASIBLE, "cp-sat")
                    done.append(row)
                    continue
                done.append((name, sense, value, value, status, "cp-sat"))
            kept[name] = done[-1][2]  # type: ignore[assignment]
            self._keep(name, kept[name])
            plans = [incumbent] + [p for p in plans if p is not incumbent]
        status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
        return Solved(status, incumbent, tuple(done))

    def _granted(self, i: int) -> Any:
        return sum(self.x[k] for k in self.rows[i] if self.data.net.shared[k])

    def _set_objective(
        self, name: str, share: Fraction | None, has_previous: bool
    ) -> Value | None:
        """Set the stage's objective; return the flow bound on it (if any)."""
        import numpy as np
        from ortools.sat.python import cp_model

        data, net, model, x = self.data, self.data.net, self.model, self.x
        if name == "min_share":
            observers = np.flatnonzero(net.requested > 0).tolist()
            self.scale = int(net.requested.max()) ** 2 if observers else 1
            top = self.scale if share is None else int(share * self.scale)
            level = self.level = model.new_int_var(0, top, "share")
            for i in observers:
                model.add(
                    int(net.requested[i]) * level <= self.scale * self._granted(i)
                )
            model.maximize(level)
            return share
        if name in ("weighted", "total"):
            self.gain = cp_model.LinearExpr.weighted_sum(
                [x[k] for k in self.counted], [int(net.weight[k]) for k in self.counted]
            )
            self.relaxed = best_flow(net, self.need, change=has_previous)
            model.maximize(self.gain)
            if self.relaxed is None:  # pragma: no cover - the flows relax the model
                return None
            limit = plan_values(data, self.relaxed)[name]
            model.add(self.gain <= int(limit))
            return limit
        change = []
        for k in self.counted:
            prev = int(net.prev[k])
            gap = model.new_int_var(0, max(int(data.rule_cap[k]), prev), f"d{k}")
            model.add(gap >= x[k] - prev)
            model.add(gap >= prev - x[k])
            change.append(gap)
            self.gaps.append((k, gap))
        # pairs outside the model (fixed or not requested) change by a constant
        self.offset = data.unrequested_previous
        model.minimize(sum(change))
        if self.relaxed is None or plan_values(data, self.relaxed)[self.gain_name] != (
            self.best_gain
        ):
            return None
        floor = plan_values(data, self.relaxed)["change"]
        model.add(sum(change) >= int(floor) - self.offset)
        return floor

    def _keep(self, name: str, value: Value) -> None:
        """Constrain later stages to keep this stage's optimum."""
        net = self.data.net
        if name == "min_share":
            assert isinstance(value, Fraction)
            self.need = needs(net, value)
            for i in range(net.n):
                if net.requested[i] > 0:
                    self.model.add(self._granted(i) >= int(self.need[i]))
        elif name in ("weighted", "total"):
            assert isinstance(value, int)
            self.gain_name, self.best_gain = name, value
            self.model.add(self.gain >= value)

    def _solver_bound(
        self, name: str, solver: Any, status: SolveStatus, flow: Value | None
    ) -> Value | None:
        """Return CP-SAT's proven bound on a stage it did not finish, in its units."""
        import math

        found = solver.best_objective_bound
        if not math.isfinite(found) or status is SolveStatus.UNKNOWN:
            return flow
        bound: Value
        if name == "min_share":
            # the level is floor(scale * share), so share < (level + 1) / scale
            bound = Fraction(math.floor(found) + 1, self.scale)
        elif name == "change":
            bound = math.ceil(found - 1e-6) + self.offset
            return bound if flow is None else max(bound, flow)
        else:
            bound = math.floor(found + 1e-6)
        return bound if flow is None else min(bound, flow)

    def _minimal_conflict(self, solver: Any) -> tuple[int, ...]:
        """Shrink CP-SAT's infeasible set of assumptions to a minimal one."""
        model = self.model
        by_index = {lit.index: (k, lit) for k, lit in self.assumptions}
        core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()]
        model.clear_objective()
        for item in list(core):
            if self.deadline.expired:
                break
            trial = [c for c in core if c is not item]
            model.clear_assumptions()
            model.add_assumptions([lit for _, lit in trial])
            if self._solve(None)[0] is SolveStatus.INFEASIBLE:
                core = trial
        return tuple(sorted(k for k, _ in core))
