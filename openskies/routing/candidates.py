"""Which site groups enter the planner's detour network: reach and candidate cap.

Internal to :mod:`openskies.routing.search`.  Before any leg is tested, two cheap
filters keep the network and the dense orienteering matrix small:

* **Reach** (an exact bound): observation legs are geodesics and transit only
  enters and leaves a component through one gateway, so the observation length
  of any route through a point of the starting airfield's component is at least
  the straight geodesic from the start to it plus, when the route ends in that
  component too, from it to the end (the "budget ellipse").  A group whose
  bound exceeds the maximum flight distance is unreachable; the reason gives
  the bound.  Points of other components (reached by transit) are bounded by
  the detour network itself.
* **Cap** (a documented heuristic): of the reachable groups, at most
  :data:`MAX_CANDIDATES` (ends included) enter the network, those of most
  value first, ties to the smaller bound.  The others are not unreachable;
  they are not visited (they may still be covered).  At 10,000 sites over
  Russia, about 3,700 groups are within reach of Kubinka and the 2,000 of most
  value are kept.

References
----------
Treaty on Open Skies, Art. VI.II.5, VIII.II.7, Annex A III.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from openskies.geo.geodesy import geodesic_km

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["MAX_CANDIDATES", "keep_candidates", "straight_bound"]

#: Most nodes (ends and site groups) of the detour network and of the dense
#: orienteering matrix (the dense engine's limit).
MAX_CANDIDATES = 2000


def straight_bound(
    xy: NDArray[np.float64],
    comp: NDArray[np.intp],
    first: tuple[float, float, int],
    last: tuple[float, float, int],
) -> NDArray[np.float64]:
    """Return a lower bound of the observation length of a route through each point.

    Parameters
    ----------
    xy
        Points (lon, lat) [deg].
    comp
        Component of each point in the free space.
    first, last
        ``(lon, lat, component)`` of the starting and ending airfields
        (component -1 when outside the free space).

    Returns
    -------
    numpy.ndarray
        The bound [km]: geodesic start -> point (points in the start's
        component) plus point -> end (points in the end's component); 0 for
        points of other components.
    """
    bound = np.zeros(len(xy))
    for lon, lat, own in (first, last):
        if own >= 0:
            at = np.flatnonzero(comp == own)
            bound[at] += geodesic_km(lon, lat, xy[at, 0], xy[at, 1])
    return bound


def keep_candidates(
    score: NDArray[np.float64], bound: NDArray[np.float64], cap: int
) -> NDArray[np.intp]:
    """Return the indices of at most ``cap`` groups, most value first.

    Ties go to the smaller ``bound`` [km], then to the input order; the indices
    come back sorted.
    """
    if score.size <= cap:
        return np.arange(score.size, dtype=np.intp)
    order = np.lexsort((np.arange(score.size), bound, -score))
    return np.sort(order[:cap]).astype(np.intp)
