"""Annual distribution of active quotas: the best plan the treaty allows.

:func:`allocate` turns the states' requests for a year into a distribution of
active quotas that satisfies Article III and is best by a stated objective,
proven optimal stage by stage, with every unmet request explained.

How it is solved: without reciprocity the problem is a transportation problem,
solved exactly by network flows (:mod:`openskies.allocation.transport`).  When that plan
also honours reciprocity (and the per-pair cap under the chosen reading) it is
optimal for the full problem too.  Otherwise CP-SAT solves the full model, stage
by stage, starting from the flow plan made reciprocal and bounded by the flow
optima (a relaxation).  Guarantees and disputed targets enter CP-SAT as
assumptions, so that a set of them that cannot all hold is reported as a
minimal conflict, never raised.

References
----------
Treaty on Open Skies, Art. III Section I paras 3-5, 7 and 10; Art. XVIII
Section II; Annex A Section II; Annex L Section II.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from openskies.allocation.problem import (
    QuotaProblem,
    as_problem,
    requested_flights,
)
from openskies.errors import OptionsError
from openskies.options import (
    Deadline,
    Objective,
    PairCap,
    SolveOptions,
    SolveStatus,
    choose,
)
from openskies.treaty.distribution import Distribution

if TYPE_CHECKING:
    from openskies.allocation.data import Instance
    from openskies.allocation.model import Solved
    from openskies.allocation.problem import Requests
    from openskies.allocation.transport import IntArray
    from openskies.treaty.model import TreatyView

__all__ = [
    "OBJECTIVES",
    "AllocationResult",
    "Guarantee",
    "Stage",
    "Unmet",
    "UnmetReason",
    "allocate",
]

#: Objectives of :func:`allocate`.
OBJECTIVES = tuple(Objective)
Value = int | Fraction


class UnmetReason(enum.StrEnum):
    """Why a request was not granted in full (each names a binding rule)."""

    TARGET_SATURATED = "target saturated"
    OBSERVER_QUOTA = "observer's own quota"
    PAIR_CAP = "pair cap"
    RECIPROCITY = "reciprocity"
    DISPUTED_TARGET = "disputed target"
    QUOTA_FREEZE = "quota freeze"
    NOT_PROVEN = "not proven optimal"


@dataclass(frozen=True, slots=True)
class Unmet:
    """A request not granted in full, with the rules that stop one more flight.

    Attributes
    ----------
    observer, observed
        Party codes.
    requested, granted
        Flights asked for and given.
    reasons
        Every rule that one more flight would break; ``NOT_PROVEN`` when none
        does and the plan is not proven optimal.
    """

    observer: str
    observed: str
    requested: int
    granted: int
    reasons: tuple[UnmetReason, ...]


@dataclass(frozen=True, slots=True)
class Guarantee:
    """A pair's flights that must hold: a guaranteed minimum or a disputed target.

    ``source`` is ``"guaranteed"`` (at least ``flights``) or ``"disputed"`` (exactly
    last year's ``flights``, Art. III.I.7).
    """

    observer: str
    observed: str
    flights: int
    source: str

    def __str__(self) -> str:
        """Describe the guarantee."""
        relation = "at least" if self.source == "guaranteed" else "exactly"
        return (
            f"{self.observer} over {self.observed}: {relation} {self.flights} "
            f"({self.source})"
        )


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of a lexicographic objective and how it was solved.

    Attributes
    ----------
    name
        ``min_share``, ``total``, ``weighted`` or ``change``.
    sense
        ``max`` or ``min``.
    value, bound
        The plan's value and the proven bound (equal when optimal); None if the
        stage was not reached.
    status
        ``OPTIMAL`` when proven, ``FEASIBLE`` otherwise.
    method
        ``flow`` (exact network flow) or ``cp-sat``.
    """

    name: str
    sense: str
    value: Value | None
    bound: Value | None
    status: SolveStatus
    method: str


@dataclass(frozen=True)
class AllocationResult:
    """The outcome of :func:`allocate`.

    Attributes
    ----------
    status
        ``OPTIMAL`` if every stage is proven optimal, ``FEASIBLE`` if a plan was
        found but not proven, ``INFEASIBLE`` if guarantees conflict (see
        ``conflicts``), ``UNKNOWN`` if time ran out before any plan.
    objective, bound
        Value and proven bound per stage name (``min_share`` as an exact
        :class:`~fractions.Fraction`, the others as integers).
    runtime_s
        Wall-clock time [s].
    distribution
        The plan (empty unless ``status.has_solution``).
    unmet
        Every request not granted in full, with its binding reasons.
    stages
        Per stage: value, bound, status and method.
    conflicts
        When infeasible: a minimal set of guarantees that cannot all hold.
    year
        The year distributed.
    """

    status: SolveStatus
    objective: Mapping[str, Value]
    bound: Mapping[str, Value]
    runtime_s: float
    distribution: Distribution
    unmet: tuple[Unmet, ...] = ()
    stages: tuple[Stage, ...] = ()
    conflicts: tuple[Guarantee, ...] = ()
    year: int = 0

    def __repr__(self) -> str:
        """Summarise the result in one line."""
        return (
            f"AllocationResult({self.year} {self.status}: {len(self.distribution)} "
            f"pairs, {self.distribution.total} flights, {len(self.unmet)} unmet "
            "requests)"
        )

    def _repr_html_(self) -> str:
        """Return a compact HTML summary: status, objective, totals."""
        from openskies.files.display import html_summary

        return html_summary(
            repr(self),
            [
                ("status", str(self.status)),
                *((f"objective {k}", str(v)) for k, v in self.objective.items()),
                ("flights granted", self.distribution.total),
                ("unmet requests", len(self.unmet)),
                ("time [s]", self.runtime_s),
            ],
        )


def allocate(
    view: TreatyView | QuotaProblem,
    requests: Requests,
    year: int,
    *,
    previous: Distribution | None = None,
    disputed: Iterable[str] = (),
    objective: Objective | str = Objective.FAIR,
    pair_cap: PairCap | str = PairCap.ENTITLEMENT,
    reciprocity: bool = True,
    guaranteed: Distribution | Mapping[tuple[str, str], int] | None = None,
    options: SolveOptions | None = None,
) -> AllocationResult:
    """Distribute the active quotas of ``year`` from the states' requests.

    Hard rules: every rule that
    :func:`~openskies.rules.distribution_check.check_distribution` checks
    (an observer's total at most its passive quota; flights over a target at
    most its passive quota, or 75 % of it rounded down in 2002-2005; the
    per-pair cap of III.I.10 under ``pair_cap``; any quota freeze in force);
    never more than requested; reciprocity as a right,
    ``a(o, t) >= min(requested(o, t), a(t, o))``; targets in ``disputed`` keep
    exactly last year's flights over them; ``guaranteed`` minimum flights.

    Objectives, solved lexicographically and each proven optimal in turn:

    - ``"total"``: the most flights granted;
    - ``"weighted"``: the largest sum of priority x flights;
    - ``"fair"`` (default): first the largest smallest share granted/requested
      over observers (an exact fraction; a share counts the requests over
      targets that are not disputed), then the largest weighted sum.

    With ``previous`` a last stage minimises the change from last year, the sum
    over pairs of ``|flights - previous flights|``.  ``min_share``, ``weighted``
    and ``total`` count the pairs whose targets are not disputed.

    A ``quota_freeze`` restriction in force during the year (``Y2018-NONE``: no
    distribution was adopted for 2018) caps the pairs it covers at its value (0),
    so every request over them is unmet with the reason "quota freeze"; this is
    read from the restriction's kind, never from its id.  The allocator never
    creates shared flights (only the 1992 distribution has them).

    Parameters
    ----------
    view
        The treaty on 1 January of ``year`` (``treaty.as_of(f"{year}-01-01")``),
        or a :class:`~openskies.allocation.problem.QuotaProblem`.
    requests
        DataFrame with ``observer, observed, flights`` and optional ``priority``,
        or an iterable of :class:`~openskies.allocation.problem.Request`.
    year
        The year distributed, >= 2002.
    previous
        Last year's distribution (flights of parties no longer in force are
        ignored).
    disputed
        Targets on which no agreement was reached (Art. III.I.7); needs
        ``previous``.  Reciprocity is not imposed between two fixed pairs.
    objective
        An :class:`~openskies.options.Objective` or its value: ``"fair"``,
        ``"weighted"`` or ``"total"``.
    pair_cap
        Reading of III.I.10, a :class:`~openskies.options.PairCap` or its
        value: ``"entitlement"`` or ``"distributed"``.
    reciprocity
        Whether to impose reciprocity (Art. III.I.3).
    guaranteed
        Minimum flights per (observer, observed) pair.
    options
        Time limit, seed and workers; the time limit covers all stages.

    Returns
    -------
    AllocationResult
        Frozen; ``INFEASIBLE`` with ``conflicts`` when guarantees cannot all
        hold; ``FEASIBLE`` with its bound when the time limit ends the search.
        The same input and options give the same result whenever the search
        ends before the time limit (a run cut by the limit depends on speed).

    Raises
    ------
    OptionsError
        If an option is out of range or of the wrong type (``reciprocity`` not
        a bool), the year is before 2002 or does not match
        the view, or ``disputed`` is given without ``previous``.
    DataError
        If a request is malformed (the message names the row).
    UnknownStateError, NotAPartyError
        If ``disputed``, ``previous`` or ``guaranteed`` name an unknown code, or
        ``disputed``/``guaranteed`` a party not in force.

    References
    ----------
    Treaty on Open Skies, Art. III Section I paras 3-5, 7 and 10; Art. XVIII
    Section II; Annex A Section II; Annex L Section II.
    """
    from openskies.allocation.data import MAX_FLIGHTS, build, by_party, codes
    from openskies.allocation.model import solve

    options = SolveOptions() if options is None else options
    if not isinstance(options, SolveOptions):
        raise OptionsError(f"options must be a SolveOptions, got {options!r}")
    deadline = Deadline.of(options)
    if not isinstance(reciprocity, bool):
        raise OptionsError(f"reciprocity must be True or False, got {reciprocity!r}")
    objective = choose(Objective, "objective", objective)
    pair_cap = choose(PairCap, "pair_cap", pair_cap)
    problem = as_problem(view, year)
    asked = requested_flights(problem, requests)
    for (observer, observed), (flights, _) in asked.items():
        if flights > MAX_FLIGHTS:
            raise OptionsError(
                f"the request of {observer} over {observed} is {str(flights)[:30]} "
                f"flights; at most {MAX_FLIGHTS} can be requested (no quota is larger)"
            )
    targets = frozenset(problem.resolve(code) for code in codes(disputed))
    if targets and previous is None:
        raise OptionsError(
            "disputed targets keep last year's flights (Art. III.I.7): pass "
            "previous=<last year's Distribution>"
        )
    data = build(
        problem,
        asked,
        objective=objective,
        previous=by_party(problem, previous, strict=False, name="previous"),
        disputed=targets,
        guaranteed=by_party(problem, guaranteed, strict=True, name="guaranteed"),
        reading=pair_cap,
        reciprocity=reciprocity,
    )
    solved = solve(data, objective, previous is not None, options, deadline)
    return _result(data, solved, problem.year, deadline)


def _result(
    data: Instance, solved: Solved, year: int, deadline: Deadline
) -> AllocationResult:
    """Assemble the frozen result: plan, stages, unmet requests, conflicts."""
    stages = tuple(Stage(*row) for row in solved.stages)
    conflicts = tuple(
        Guarantee(
            *data.pairs[k],
            int(data.fixed[k]) if data.fixed[k] >= 0 else int(data.guarantee[k]),
            "disputed" if data.fixed[k] >= 0 else "guaranteed",
        )
        for k in solved.conflicts
    )
    x = solved.x
    plan = Distribution(
        {} if x is None else {data.pairs[k]: int(n) for k, n in enumerate(x) if n}
    )
    return AllocationResult(
        status=solved.status,
        objective={s.name: s.value for s in stages if s.value is not None},
        bound={s.name: s.bound for s in stages if s.bound is not None},
        runtime_s=deadline.elapsed(),
        distribution=plan,
        unmet=() if x is None else _unmet(data, x),
        stages=stages,
        conflicts=conflicts,
        year=year,
    )


def _unmet(data: Instance, x: IntArray) -> tuple[Unmet, ...]:
    """Every request not granted in full, with each rule one more flight breaks."""
    import numpy as np

    net = data.net
    active = np.bincount(net.obs, x, net.n)
    received = np.bincount(net.tgt, x, net.n)
    back = np.maximum(data.reverse, 0)
    free = data.fixed < 0
    pair_cap = x + 1 > data.pair_cap
    if data.reading == "distributed":
        pair_cap |= 2 * x > active[net.obs]
    checks = [
        (UnmetReason.DISPUTED_TARGET, ~free),
        (UnmetReason.QUOTA_FREEZE, free & (x + 1 > data.freeze)),
        (UnmetReason.PAIR_CAP, free & pair_cap),
        (
            UnmetReason.TARGET_SATURATED,
            free & (received[net.tgt] + 1 > net.colcap[net.tgt]),
        ),
        (
            UnmetReason.OBSERVER_QUOTA,
            free & (active[net.obs] + 1 > net.rowcap[net.obs]),
        ),
        (
            UnmetReason.RECIPROCITY,
            free
            & data.reciprocity
            & (data.reverse >= 0)
            & (x[back] < data.request[back])
            & (x[back] <= x),
        ),
    ]
    out = []
    for k in np.flatnonzero(x < data.request).tolist():
        reasons = tuple(reason for reason, mask in checks if mask[k])
        out.append(
            Unmet(
                *data.pairs[k],
                int(data.request[k]),
                int(x[k]),
                reasons or (UnmetReason.NOT_PROVEN,),
            )
        )
    return tuple(out)
