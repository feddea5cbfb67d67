"""Shared solver vocabulary: options, status, and CP-SAT helpers."""

from __future__ import annotations

import enum
import numbers
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
        Wall-clock limit for one solve [s]; a finite number in (0, 604800]
        (one week).
    seed
        Random seed, an integer in [0, 2**31); the same input, seed and
        ``workers`` give the same answer.
    workers
        Number of search workers, 1..256.  ``1`` (the default) is
        reproducible; with more workers CP-SAT runs an interleaved
        (deterministic) portfolio.
    iteration_limit
        Most improvement rounds of the local-search engines (orienteering, route
        planning); None for no limit.  A search stopped by this limit gives the
        same answer on any machine, one stopped by ``time_limit_s`` may not, so
        set the time limit as a safety cap above what the rounds need.
        At most 2**31 - 1.

    Raises
    ------
    OptionsError
        If a value is of the wrong type (bools included) or out of range.
    """

    time_limit_s: float = 10.0
    seed: int = 0
    workers: int = 1
    iteration_limit: int | None = None

    def __post_init__(self) -> None:
        """Validate the options and normalise numpy numbers to Python ones.

        Raises
        ------
        OptionsError
            If ``time_limit_s`` is not a finite number in
            ``(0, MAX_TIME_LIMIT_S]``, ``seed`` not an integer in
            ``[0, 2**31)``, ``workers`` not an integer in ``[1, MAX_WORKERS]``
            or ``iteration_limit`` neither None nor an integer in ``[0, 2**31)``
            (bools are refused everywhere).
        """
        limit = self.time_limit_s
        if (
            not isinstance(limit, numbers.Real)
            or isinstance(limit, bool)
            or not 0 < float(limit) <= MAX_TIME_LIMIT_S
        ):
            raise OptionsError(
                "time_limit_s must be a positive number of seconds up to "
                f"{MAX_TIME_LIMIT_S:g} (one week), got {_shown(limit)}"
            )
        object.__setattr__(self, "time_limit_s", float(limit))
        object.__setattr__(self, "seed", _integer("seed", self.seed, 0, MAX_INT32))
        object.__setattr__(
            self, "workers", _integer("workers", self.workers, 1, MAX_WORKERS)
        )
        if self.iteration_limit is not None:
            object.__setattr__(
                self,
                "iteration_limit",
                _integer(
                    "iteration_limit", self.iteration_limit, 0, MAX_INT32, or_none=True
                ),
            )


#: Largest time limit accepted [s] (one week).
MAX_TIME_LIMIT_S = 7 * 86_400.0
#: Largest seed and iteration limit (CP-SAT takes 32-bit signed integers).
MAX_INT32 = 2**31 - 1
#: Most search workers accepted.
MAX_WORKERS = 256


def _shown(value: object) -> str:
    """Return ``repr(value)`` truncated to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _integer(
    name: str, value: object, low: int, high: int, *, or_none: bool = False
) -> int:
    """Return ``value`` as an int in ``[low, high]`` or raise OptionsError.

    ``or_none`` says in the message that None is also accepted.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or not low <= int(value) <= high
    ):
        raise OptionsError(
            f"{name} must be {'None or ' if or_none else ''}an integer >= {low} "
            f"and <= {high}, got {_shown(value)}"
        )
    return int(value)


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
