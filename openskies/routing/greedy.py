"""A quick first route for the planner: a greedy chain on the planner's distances.

Internal to :mod:`openskies.routing.search`.  The orienteering search needs
time to build its first path on thousands of points; when the time limit is
short (or mostly spent on the geometry), the planner still returns a legal
route: from the current point, fly to the unvisited group of most value per
kilometre whose leg and way on to the end fit the budget.  O(n) numpy work per
visited group, deterministic.  The planner keeps whichever of this chain and
the search's path collects more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["greedy_chain", "order_score"]

_TINY_KM = 1e-6  # a leg shorter than this counts as this long [km]


def greedy_chain(
    dist: NDArray[np.float64], score: NDArray[np.float64], end: int, budget: float
) -> list[int]:
    """Return a path from node 0 to ``end`` within ``budget`` (a greedy chain).

    Parameters
    ----------
    dist
        (n, n) leg lengths [km]; legs no route can afford are longer than the
        budget.
    score
        Value of each node (0: never visited on purpose).
    end
        The last node (0 for a closed tour).
    budget
        Largest path length [km].
    """
    left = score > 0
    left[[0, end]] = False
    order, used, here = [0], 0.0, 0
    home = dist[:, end]
    while left.any():
        step = dist[here]
        fits = left & (used + step + home <= budget)
        if not fits.any():
            break
        ratio = np.where(fits, score / np.maximum(step, _TINY_KM), -np.inf)
        here = int(np.argmax(ratio))
        order.append(here)
        used += float(step[here])
        left[here] = False
    order.append(end)
    return order


def order_score(score: NDArray[np.float64], order: list[int]) -> float:
    """Return the value of the distinct nodes of a path."""
    return float(score[list(dict.fromkeys(order))].sum())
