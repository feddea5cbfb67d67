"""Shared solver vocabulary: options, status, and CP-SAT helpers."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openskies.errors import OptionsError

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

__all__ = ["SolveOptions", "SolveStatus"]


class SolveStatus(enum.Enum):
    """Outcome of a solve.

    Attributes
    ----------
    OPTIMAL
        The returned plan is proven optimal.
    FEASIBLE
        A plan was found but not proven optimal within the time limit.
    INFEASIBLE
        No plan satisfies the constraints (proven).
    UNKNOWN
        The time limit ended before any plan was found or infeasibility proven.
    """

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"

    @property
    def has_solution(self) -> bool:
        """Whether a plan comes with this status."""
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """Options common to every solver in openskies.

    Parameters
    ----------
    time_limit_s
        Wall-clock limit for one solve [s]; must be positive.
    seed
        Random seed; the same input, seed and ``workers`` give the same answer.
    workers
        Number of search workers.  ``1`` (the default) is reproducible; with more
        workers CP-SAT runs an interleaved (deterministic) portfolio.
    iteration_limit
        Most improvement rounds of the local-search engines (orienteering, route
        planning); None for no limit.  A search stopped by this limit gives the
        same answer on any machine, one stopped by ``time_limit_s`` may not, so
        set the time limit as a safety cap above what the rounds need.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 1
    iteration_limit: int | None = None

    def __post_init__(self) -> None:
        """Validate the options."""
        if not self.time_limit_s > 0:
            raise OptionsError(
                f"time_limit_s must be a positive number of seconds, "
                f"got {self.time_limit_s!r}"
            )
        if not isinstance(self.seed, int) or self.seed < 0:
            raise OptionsError(
                f"seed must be a non-negative integer, got {self.seed!r}"
            )
        if not isinstance(self.workers, int) or self.workers < 1:
            raise OptionsError(f"workers must be an integer >= 1, got {self.workers!r}")
        if self.iteration_limit is not None and (
            not isinstance(self.iteration_limit, int) or self.iteration_limit < 0
        ):
            raise OptionsError(
                "iteration_limit must be None or an integer >= 0, "
                f"got {self.iteration_limit!r}"
            )


def make_cp_solver(options: SolveOptions, time_limit_s: float | None = None) -> Any:
    """Return a CP-SAT solver configured deterministically from ``options``."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = (
        options.time_limit_s if time_limit_s is None else max(time_limit_s, 1e-3)
    )
    params.random_seed = options.seed
    params.num_workers = options.workers
    if options.workers > 1:
        params.interleave_search = True
    return solver


def map_cp_status(code: int) -> SolveStatus:
    """Translate a CP-SAT status code into a :class:`SolveStatus`."""
    from ortools.sat.python import cp_model

    if code == cp_model.OPTIMAL:
        return SolveStatus.OPTIMAL
    if code == cp_model.FEASIBLE:
        return SolveStatus.FEASIBLE
    if code == cp_model.INFEASIBLE:
        return SolveStatus.INFEASIBLE
    return SolveStatus.UNKNOWN


def cp_solve(model: cp_model.CpModel, solver: Any) -> SolveStatus:
    """Solve ``model`` with ``solver`` and return the mapped status."""
    return map_cp_status(solver.solve(model))
