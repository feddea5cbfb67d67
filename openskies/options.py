"""Shared solver vocabulary: options, status, choices, deadlines and CP-SAT helpers.

The named choices of the public functions (readings of disputed restrictions,
allocation objectives, pair-cap readings) are :class:`enum.StrEnum` members
defined here once; entry points accept them or their plain string values and
convert once with :func:`choose`.
"""

from __future__ import annotations

import enum
import math
import numbers
import time
from dataclasses import dataclass
from typing import Any, TypeVar

from openskies.errors import OptionsError

__all__ = [
    "MAX_SWATH_KM",
    "Deadline",
    "Objective",
    "PairCap",
    "Reading",
    "SolveOptions",
    "SolveStatus",
    "choose",
]

#: Widest swath each side of a route [km]: optical coverage (R23).
MAX_SWATH_KM = 50.0


class Reading(enum.StrEnum):
    """Reading of disputed restrictions (treaty.md R25).

    Attributes
    ----------
    TREATY
        The treaty text: disputed restrictions are reported, never binding.
    OBSERVED_PARTY
        The observed party's reading: disputed restrictions bind.
    """

    TREATY = "treaty"
    OBSERVED_PARTY = "observed-party"


class Objective(enum.StrEnum):
    """Objective of the quota allocation (Art. III Section I).

    Attributes
    ----------
    FAIR
        Lexicographic: largest smallest share of each observer's request first.
    WEIGHTED
        Largest weighted number of granted flights.
    TOTAL
        Largest number of granted flights.
    """

    FAIR = "fair"
    WEIGHTED = "weighted"
    TOTAL = "total"


class PairCap(enum.StrEnum):
    """Reading of the per-pair cap of Art. III Section I para 10.

    Attributes
    ----------
    ENTITLEMENT
        At most half of the observer's active quota entitlement per pair.
    DISTRIBUTED
        At most half of the observer's distributed active quota per pair.
    """

    ENTITLEMENT = "entitlement"
    DISTRIBUTED = "distributed"


_Choice = TypeVar("_Choice", bound=enum.StrEnum)


def choose(kind: type[_Choice], name: str, value: object) -> _Choice:
    """Return ``value`` as a member of ``kind``; plain strings are accepted.

    Parameters
    ----------
    kind
        The :class:`enum.StrEnum` of the choice, e.g. :class:`Reading`.
    name
        Name of the argument or key, for the message.
    value
        A member of ``kind`` or its string value.

    Raises
    ------
    OptionsError
        If ``value`` is neither; the message names ``name`` and every allowed
        value.
    """
    if isinstance(value, kind):
        return value
    if isinstance(value, str) and value in kind.__members__.values():
        return kind(value)
    raise OptionsError(f"{name} must be one of {', '.join(kind)}, got {_shown(value)}")


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


class Deadline:
    """A time budget: a fixed end on the monotonic clock.

    Create one at the entry point from the time limit and pass it down; every
    stage asks it what is left instead of keeping its own clock.

    Parameters
    ----------
    seconds
        Time from now to the end [s]; ``math.inf`` for no end, 0 (or less)
        for an end already passed.

    Raises
    ------
    OptionsError
        If ``seconds`` is not a number or is NaN.
    """

    __slots__ = ("_end", "_start")
    _end: float
    _start: float

    def __init__(self, seconds: float) -> None:
        if (
            not isinstance(seconds, numbers.Real)
            or isinstance(seconds, bool)
            or math.isnan(seconds)
        ):
            raise OptionsError(
                f"a deadline needs a number of seconds, got {_shown(seconds)}"
            )
        self._start = time.monotonic()
        self._end = self._start + max(0.0, float(seconds))

    @classmethod
    def of(cls, options: SolveOptions) -> Deadline:
        """Return the deadline of ``options.time_limit_s`` from now."""
        return cls(options.time_limit_s)

    def elapsed(self) -> float:
        """Return the time since this deadline was created [s]."""
        return time.monotonic() - self._start

    def remaining(self) -> float:
        """Return the time left [s], 0 once expired (``inf`` for no end)."""
        return max(0.0, self._end - time.monotonic())

    @property
    def expired(self) -> bool:
        """Whether the end has passed."""
        return time.monotonic() >= self._end

    def share(self, fraction: float) -> Deadline:
        """Return a sub-budget: ``fraction`` of the time left, ending no later.

        Parameters
        ----------
        fraction
            Part of the remaining time, in [0, 1].

        Raises
        ------
        OptionsError
            If ``fraction`` is outside [0, 1].
        """
        if not 0.0 <= fraction <= 1.0:
            raise OptionsError(f"a deadline share must be in [0, 1], got {fraction!r}")
        now = time.monotonic()
        part = 0.0 if fraction == 0.0 else fraction * max(0.0, self._end - now)
        return self._until(min(self._end, now + part))

    def at_most(self, seconds: float) -> Deadline:
        """Return a sub-budget of at most ``seconds`` [s], ending no later."""
        return self._until(min(self._end, time.monotonic() + max(0.0, seconds)))

    @classmethod
    def _until(cls, end: float) -> Deadline:
        deadline = cls.__new__(cls)
        deadline._start, deadline._end = time.monotonic(), end
        return deadline

    def __repr__(self) -> str:
        """Show the time left."""
        return f"Deadline(remaining={self.remaining():.3f} s)"


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


def make_cp_solver(options: SolveOptions, deadline: Deadline | None = None) -> Any:
    """Return a CP-SAT solver configured deterministically from ``options``.

    With a ``deadline`` the solver gets the time it has left (at least 1 ms)
    instead of ``options.time_limit_s``.
    """
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = (
        options.time_limit_s
        if deadline is None
        else max(min(deadline.remaining(), MAX_TIME_LIMIT_S), 1e-3)
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
