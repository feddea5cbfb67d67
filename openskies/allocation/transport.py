"""The allocation without reciprocity: a transportation problem solved by flows.

Without reciprocity (and with the per-pair cap read from entitlements) a year's
distribution is a transportation problem: each observer ``i`` ships at most its
active quota, each target ``j`` receives at most its receive limit, each pair
``k`` carries between its lower bound and its cap.  Network flows solve it
exactly and fast:

- the largest smallest share granted/requested by a parametric search over the
  candidate fractions ``g / r_i``, each step a maximum flow;
- the best weighted sum (then the smallest change from last year) for a given
  share by one minimum-cost flow with lexicographic costs.

:mod:`openskies.allocation.allocate` uses the answers as the optimum when they satisfy
every rule, and otherwise as bounds and a starting plan for CP-SAT.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from openskies.errors import SolverError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    IntArray = NDArray[np.int64]

__all__ = ["Network", "best_flow", "max_min_share", "needs"]


@dataclass(frozen=True, eq=False)
class Network:
    """Arrays of the transportation problem (index ``i`` party, ``k`` pair).

    Attributes
    ----------
    rowcap, colcap
        Per party: the active limit (passive quota) and the receive limit.
    obs, tgt
        Per pair: observer and target index.
    lo, cap
        Per pair: lower and upper bound on the flights.
    shared
        Per pair: whether it counts in shares and objectives (False for pairs
        whose flights are fixed, over disputed targets).
    weight, prev
        Per pair: weight of a flight and last year's flights.
    requested
        Per party: flights it requested over pairs that count (``r_i``).
    """

    rowcap: IntArray
    colcap: IntArray
    obs: IntArray
    tgt: IntArray
    lo: IntArray
    cap: IntArray
    shared: NDArray[np.bool_]
    weight: IntArray
    prev: IntArray
    requested: IntArray

    @property
    def n(self) -> int:
        """Number of parties."""
        return len(self.rowcap)

    def residual(self) -> tuple[IntArray, IntArray, IntArray] | None:
        """Return the capacities left once lower bounds are routed; None if none."""
        import numpy as np

        if np.any(self.lo > self.cap):
            return None
        rows = self.rowcap - np.bincount(self.obs, self.lo, self.n).astype(np.int64)
        cols = self.colcap - np.bincount(self.tgt, self.lo, self.n).astype(np.int64)
        if np.any(rows < 0) or np.any(cols < 0):
            return None
        return rows, cols, self.cap - self.lo


def needs(net: Network, share: Fraction) -> IntArray:
    """Return ``ceil(share * r_i)``: flights each observer needs for ``share``."""
    import numpy as np

    num, den = share.numerator, share.denominator
    return np.asarray(-((-num * net.requested) // den), dtype=np.int64)


def _granted_lo(net: Network) -> IntArray:
    import numpy as np

    lo = np.where(net.shared, net.lo, 0)
    return np.asarray(np.bincount(net.obs, lo, net.n), dtype=np.int64)


def max_min_share(net: Network) -> Fraction | None:
    """Return the largest smallest share granted/requested, exactly.

    Shares are compared as fractions ``g / r_i``.  The search keeps a feasible
    share ``lo`` and an infeasible one ``hi`` and tests one candidate fraction
    between them per step (a maximum flow), halving the interval, until no
    candidate with a denominator ``r_i`` lies strictly between them.

    Returns None if the lower bounds alone cannot be met.
    """
    import numpy as np
    from ortools.graph.python import max_flow

    residual = net.residual()
    if residual is None:
        return None
    rows, cols, arcs = residual
    r = net.requested
    observers = np.flatnonzero(r > 0)
    if len(observers) == 0:
        return Fraction(1)
    n = net.n
    keep = np.flatnonzero(arcs > 0)
    flow = max_flow.SimpleMaxFlow()
    source, sink = 2 * n, 2 * n + 1
    parties = np.arange(n, dtype=np.int64)
    tails = np.concatenate(
        [np.full(len(observers), source), net.obs[keep], n + parties]
    )
    heads = np.concatenate([observers, n + net.tgt[keep], np.full(n, sink)])
    caps = np.concatenate([np.zeros(len(observers)), arcs[keep], cols])
    flow.add_arcs_with_capacity(
        tails.astype(np.int64), heads.astype(np.int64), caps.astype(np.int64)
    )
    supply_arcs = np.arange(len(observers), dtype=np.int64)
    base = _granted_lo(net)[observers]

    def feasible(share: Fraction) -> bool:
        need = np.maximum(needs(net, share)[observers] - base, 0)
        if np.any(need > rows[observers]):
            return False
        flow.set_arcs_capacity(supply_arcs, need)
        if flow.solve(source, sink) != flow.OPTIMAL:  # pragma: no cover
            raise SolverError(
                "the max-flow solver failed on a network with finite capacities; "
                "please report this with the requests that caused it"
            )
        return bool(flow.optimal_flow() == int(need.sum()))

    if not feasible(Fraction(0)):
        return None
    if feasible(Fraction(1)):
        return Fraction(1)
    lo, hi = Fraction(0), Fraction(1)
    denominators = [int(d) for d in r[observers]]
    while True:
        mid = (lo + hi) / 2
        below = max(
            Fraction((mid.numerator * d) // mid.denominator, d) for d in denominators
        )
        if below > lo:
            candidate = below
        else:
            candidate = min(
                Fraction((mid.numerator * d) // mid.denominator + 1, d)
                for d in denominators
            )
            if candidate >= hi:
                return lo
        if feasible(candidate):
            lo = candidate
        else:
            hi = candidate


def best_flow(net: Network, need: IntArray, *, change: bool) -> IntArray | None:
    """Return flights per pair maximising the weighted sum, then least change.

    Parameters
    ----------
    net
        The transportation problem.
    need
        Flights each observer must be granted over counted pairs.
    change
        Whether to break ties by the smallest total change ``|x - prev|``.

    Returns
    -------
    numpy.ndarray or None
        Flights per pair, or None if the bounds and needs cannot all be met.
    """
    import numpy as np
    from ortools.graph.python import min_cost_flow

    residual = net.residual()
    if residual is None:
        return None
    rows, cols, arcs = residual
    n = net.n
    extra = np.maximum(need - _granted_lo(net), 0)
    if np.any(extra > rows):
        return None
    total = int(rows.sum())
    source, sink = 2 * n, 2 * n + 1
    counted = net.shared & (arcs > 0)
    keep = np.flatnonzero(counted)
    weight = net.weight[keep]
    if change:
        scale = 2 * int(arcs[keep].sum()) + 1
        first = np.clip(net.prev[keep] - net.lo[keep], 0, arcs[keep])
        seg_obs = np.concatenate([net.obs[keep], net.obs[keep]])
        seg_tgt = np.concatenate([net.tgt[keep], net.tgt[keep]])
        seg_cap = np.concatenate([first, arcs[keep] - first])
        seg_cost = np.concatenate([-weight * scale - 1, -weight * scale + 1])
        seg_pair = np.concatenate([keep, keep])
    else:
        seg_obs, seg_tgt, seg_cap = net.obs[keep], net.tgt[keep], arcs[keep]
        seg_cost, seg_pair = -weight, keep
    live = seg_cap > 0
    seg_obs, seg_tgt, seg_cap = seg_obs[live], seg_tgt[live], seg_cap[live]
    seg_cost, seg_pair = seg_cost[live], seg_pair[live]
    parties = np.arange(n, dtype=np.int64)
    tails = np.concatenate([np.full(n, source), seg_obs, n + parties, [source]])
    heads = np.concatenate([parties, n + seg_tgt, np.full(n, sink), [sink]])
    caps = np.concatenate([rows - extra, seg_cap, cols, [total]])
    costs = np.concatenate([np.zeros(n), seg_cost, np.zeros(n), [0]])
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int64),
        heads.astype(np.int64),
        caps.astype(np.int64),
        costs.astype(np.int64),
    )
    supplies = np.zeros(2 * n + 2, dtype=np.int64)
    supplies[:n] = extra
    supplies[source] = total - int(extra.sum())
    supplies[sink] = -total
    flow.set_nodes_supplies(np.arange(2 * n + 2, dtype=np.int64), supplies)
    if flow.solve() != flow.OPTIMAL:
        return None
    flows = flow.flows(np.arange(n, n + len(seg_pair), dtype=np.int64))
    x = net.lo.copy()
    np.add.at(x, seg_pair, flows)
    return x
