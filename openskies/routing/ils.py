"""The orienteering engines' shared path arithmetic and the iterated local search.

Private to :mod:`openskies.routing.orienteering`, which validates the input and chooses
the engine; see its docstring for the method and the measurements behind it.  The
moves of the dense search run compiled (:mod:`openskies.routing.ils_kernels`, numba,
cached on disk); :class:`Search` holds its paths in int arrays between batches of
rounds and checks the deadline between them.  Compiled, a round costs about a
twentieth of the numpy search it replaces (1,000 rounds of a 150-point instance:
0.14 s, was 2.5 s), so at 1,000 sites over Russia the planner's search settles
within its 10 s default (``benchmarks/bench_planner_scale.py``).  numba compiles
the kernels once per installation (about 7 s of CPU); later processes load them
from the disk cache in about 0.05 s after numba's own start.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable

    from numpy.typing import NDArray

    from openskies.options import Deadline

    Floats = NDArray[np.float64]
    Ints = NDArray[np.int64]

__all__ = ["Search", "knapsack_bound", "repair", "route_length", "route_score"]

_BATCH_S = (
    0.01  # aimed wall time of a batch of moves or rounds between deadline checks [s]
)
_MAX_BATCH = 64  # most moves or rounds in one batch


def route_length(dist: Floats, route: list[int]) -> float:
    """Sum the legs ``dist[a, b]`` of ``route`` in order: its float64 length."""
    if len(route) < 2:
        return 0.0
    arr = np.asarray(route, dtype=np.intp)
    total = 0.0
    for leg in dist[arr[:-1], arr[1:]].tolist():
        total += leg
    return total


def route_score(prize: Floats, route: list[int]) -> float:
    """Score of the distinct points of ``route`` (exactly rounded, any order)."""
    return math.fsum(prize[sorted(set(route))].tolist())


def knapsack_bound(p: Floats, w: Floats, cap: float) -> float:
    """Fractional knapsack: most score of items of weights ``w`` within ``cap``.

    Items of weight 0 count whole; none fits when ``cap < 0``.  At most the
    total score.
    """
    if cap < 0 or p.size == 0:
        return 0.0
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = np.divide(p, w, out=np.full_like(p, np.inf), where=w > 0)
    order = np.lexsort((w, -np.where(p > 0, ratio, 0.0)))
    p, w = p[order], w[order]
    full = np.cumsum(w) <= cap  # a prefix: the items that fit whole
    knap = math.fsum(p[full].tolist())
    if not full.all():
        x = int(np.argmin(full))
        knap += p[x] * (cap - w[full].sum()) / w[x]
    return min(math.fsum(p.tolist()), knap)


def repair(
    dist: Floats, prize: Floats, r: list[int], limit: float, keep: list[int]
) -> list[int]:
    """Drop the points of least score per saved length until within budget.

    Points in ``keep`` go last.
    """
    from openskies.routing.ils_kernels import repair as repair_kernel

    seq = np.asarray(r, dtype=np.int64)
    on = np.zeros(len(dist), dtype=np.bool_)
    on[seq] = True
    kept = np.zeros(len(dist), dtype=np.bool_)
    kept[np.asarray(keep, dtype=np.int64)] = True
    d = np.ascontiguousarray(dist, dtype=np.float64)
    p = np.ascontiguousarray(prize, dtype=np.float64)
    cand = np.zeros(0, dtype=np.int64)  # repair needs no candidates
    n_on = repair_kernel((d, p, cand, float(limit)), seq, seq.size, on, kept)
    return [int(v) for v in seq[:n_on]]


class Search:
    """Iterated local search over paths ``[start, ..., end]`` within the budget.

    The moves are compiled (:mod:`openskies.routing.ils_kernels`); this class
    holds the paths between batches of rounds and checks the deadline between
    them.  Every path it holds is within the budget; moves are checked on the
    exact float64 length.  The same input and seed give the same path unless
    the deadline cuts the search short.
    """

    # p_worse 0.2 (was 0.05) put all 68 OPLib instances <= 200 nodes within 1 % of EA4OP
    noise, p_worse, restart, p_force = 0.3, 0.2, 200, 0.3
    # the search stops after stall[0] + stall[1] * candidates rounds without a new best
    stall = (2000, 40)

    def __init__(
        self,
        dist: Floats,
        prize: Floats,
        ends: tuple[int, int],
        cand: Ints,
        limit: float,
        seed: int,
        deadline: Deadline,
    ) -> None:
        self.d = np.ascontiguousarray(dist, dtype=np.float64)
        self.prize = np.ascontiguousarray(prize, dtype=np.float64)
        self.ends, self.limit, self.deadline = ends, float(limit), deadline
        self.cand = np.ascontiguousarray(cand, dtype=np.int64)
        mixed = (seed * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) % 2**64
        self.state = np.array([mixed or 1], dtype=np.uint64)

    def run(self, bound: float, rounds: int | None = None) -> list[int]:
        """Perturb and re-optimise until a stop: deadline, bound, stagnation, rounds.

        First a greedy insertion and a local search, then rounds of
        perturbation and local search; the deadline is checked between
        batches of moves, then of rounds, sized to take about
        :data:`_BATCH_S` each (the batch sizes do not change the result).  A
        search out of time returns the best path it has (at worst start ->
        end).
        """
        from openskies.routing.ils_kernels import ils_step

        paths = np.zeros((3, len(self.d) + 1), dtype=np.int64)
        paths[:2, :2] = self.ends
        counts = np.array([2, 2, 0, 0], dtype=np.int64)  # see ils_step
        keys = np.zeros(4)
        base = math.fsum(self.prize[sorted(set(self.ends))].tolist())
        max_stall = self.stall[0] + self.stall[1] * self.cand.size
        params = np.array(
            [self.noise, self.p_worse, self.restart, self.p_force, max_stall,
             bound - base, 1]
        )  # fmt: skip
        args = ((self.d, self.prize, self.cand, self.limit), paths, counts, keys)
        while counts[3] < 2 and not self.deadline.expired:  # params[6]: moves
            params[6] = _timed(ils_step, (*args, self.state, 0, params), params[6])
        left = math.inf if rounds is None else rounds
        batch = 1
        while left > 0 and keys[2] < bound - base and counts[2] < max_stall:
            if self.deadline.expired:
                break
            k = int(min(batch, left))
            batch = int(_timed(ils_step, (*args, self.state, k, params), batch))
            left -= k
        return [int(v) for v in paths[1, : counts[1]]]


def _timed(step: Callable[..., None], args: tuple[Any, ...], size: float) -> float:
    """Call ``step(*args)``; return the next batch size after ``size``.

    Doubled (up to :data:`_MAX_BATCH`) when the call took less than half of
    :data:`_BATCH_S`, else halved (at least 1).
    """
    t0 = time.perf_counter()
    step(*args)
    if time.perf_counter() - t0 < _BATCH_S / 2:
        return min(2 * size, _MAX_BATCH)
    return max(size // 2, 1)
