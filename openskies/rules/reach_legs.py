"""The legs of a reachable-area grid, judged here or spread over a Dask client.

Judging the legs between neighbouring grid nodes is most of the work of
:func:`~openskies.rules.reach.reachable_area`.  The legs are cut into blocks of
at most :data:`LEG_BLOCK` (on a client, at least :data:`TASKS_PER_WORKER`
blocks per worker); each block is judged by the kernel's leg test
(:func:`~openskies.rules.kernel.clear_of`), in this process or as one task of a
``distributed`` client.  The territory, zones and sub-limit regions are sent to
every worker once (``scatter(broadcast=True)``), the blocks as plain arrays;
the verdicts are the same wherever they are computed.

References
----------
Treaty on Open Skies, Art. II.11, VI.II.4.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from openskies.geo.geodesy import geodesic_km, length_km
from openskies.rules.kernel import Zone, clear_of, crosses, leg_lines
from openskies.rules.settle import area_cells, settled_inside

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

__all__ = ["LEG_BLOCK", "TASKS_PER_WORKER", "Space", "check_grid_legs", "judge_legs"]

#: Legs judged at once, and per Dask task (bounds memory; the clock is read after).
LEG_BLOCK = 50_000
#: Fewest blocks per worker on a client (balances the load).
TASKS_PER_WORKER = 4

#: Territory, excluded zones, and (region, one-way sub-limit [km]) pairs.
Space = tuple["BaseGeometry", list["BaseGeometry"], list[tuple["BaseGeometry", float]]]
Verdicts = tuple["NDArray[np.bool_]", "NDArray[np.float64]", "NDArray[np.float64]"]


def check_grid_legs(
    legs: NDArray[np.float64], space: Space, client: Any, deadline: float
) -> Verdicts:
    """Return which legs are legal, their lengths [km] and km inside each region.

    Parameters
    ----------
    legs
        (n, 4) rows of ``lon1, lat1, lon2, lat2`` [deg].
    space
        Territory, excluded zones and sub-limit regions.
    client
        None (in this process) or a ``distributed.Client``.
    deadline
        ``time.perf_counter()`` value after which no further block is judged
        (the caller raises; blocks not judged stay illegal).
    """
    count = len(space[2])
    ok = np.zeros(len(legs), dtype=bool)
    cost = np.zeros(len(legs))
    inside = np.zeros((count, len(legs)))
    size = LEG_BLOCK
    if client is not None:  # at least TASKS_PER_WORKER blocks for each worker
        workers = max(len(client.scheduler_info()["workers"]), 1)
        size = min(size, max(-(-len(legs) // (TASKS_PER_WORKER * workers)), 1))
    blocks = [slice(i, i + size) for i in range(0, len(legs), size)]
    if client is None:
        for block in blocks:
            ok[block], cost[block], inside[:, block] = judge_legs(legs[block], space)
            if time.perf_counter() > deadline:
                break
        return ok, cost, inside
    shared = client.scatter(space, broadcast=True, hash=False)
    futures = [
        client.submit(judge_legs, legs[block], shared, pure=False) for block in blocks
    ]
    try:
        for block, future in zip(blocks, futures, strict=True):
            wait = max(deadline - time.perf_counter(), 0.0)
            ok[block], cost[block], inside[:, block] = future.result(timeout=wait)
    except TimeoutError:
        pass  # the caller's clock reports the time limit
    finally:
        client.cancel(futures)
    return ok, cost, inside


def judge_legs(legs: NDArray[np.float64], space: Space) -> Verdicts:
    """Judge one block of legs (see :func:`check_grid_legs`).

    Legs are judged by the kernel's leg test (:func:`~.kernel.clear_of`), as the
    planner's free space judges them.
    """
    import shapely

    territory, zones, limits = space
    # prepared state does not travel with a pickle: prepare once per process
    # (in place, so the worker's scattered copy stays prepared for its next tasks)
    shapely.prepare([territory, *zones, *(region for region, _ in limits)])
    lon1, lat1 = legs[:, 0], legs[:, 1]
    end = legs[:, 2:4]
    cost = geodesic_km(lon1, lat1, end[:, 0], end[:, 1])
    # legs proven by cells inside and clear of zones and regions need no lines
    cells = area_cells(territory, [*zones, *(r for r, _ in limits)])
    rest = np.flatnonzero(~settled_inside(cells, legs[:, 0:2], end, cost))
    lines, _ = leg_lines(lon1[rest], lat1[rest], end[rest, 0], end[rest, 1])
    ok = np.ones(len(legs), dtype=bool)
    ok[rest] = clear_of(territory, tuple(Zone("", zone) for zone in zones), lines)
    inside = np.zeros((len(limits), len(legs)))
    for k, (region, _) in enumerate(limits):
        hit = np.flatnonzero(ok[rest] & crosses(region, lines))
        inside[k, rest[hit]] = length_km(shapely.intersection(lines[hit], region))
    return ok, cost, inside
