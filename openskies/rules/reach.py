"""The part of a territory that legal out-and-back missions from an airfield reach.

:func:`reachable_area` turns a maximum flight distance and the restrictions in
force into a map layer and a share of the territory, so that the effect of a
restriction is a number: compare ``reading="treaty"`` with
``reading="observed-party"``.

Model (documented choices)
--------------------------
* The territory is sampled by a grid of nodes about ``resolution_km`` apart
  (rows of constant latitude, longitudes spaced by the same distance).  Nodes in
  the 10 km zone of an adjacent non-party state, in a buffer corridor or in a
  no-fly area that binds under the reading are left out.
* Neighbouring nodes are joined by a leg when its geodesic stays in the
  territory and out of those zones (checked like a route's legs); its cost is
  its geodesic length.  The airfield is joined to the nodes within twice the
  resolution.
* A node is reachable when the shortest path from the airfield costs at most
  half the airfield's maximum flight distance (out and back), and, for every
  binding distance sub-limit, the part of that path inside its region is at
  most half the sub-limit.
* Parts of the territory that no observation leg reaches (exclaves, islands
  beyond the territorial sea) are entered by one transit leg (sensors off, not
  counted) from the nearest reachable node; the path cost carries over.
* The layer is the union of the grid cells of reachable nodes, clipped to the
  territory less the excluded zones; the share is its geodesic area over the
  territory's.
* **Limits**: the grid may hold at most :data:`MAX_GRID_NODES` nodes over the
  territory's bounding box (memory grows with the nodes: about 1.2 GB at
  400,000, Russia at 10 km); a finer resolution is refused before any work,
  with the finest resolution that fits.  The computation checks
  ``time_limit_s`` between blocks of legs, in the shortest-path search and
  before the layer is drawn, and raises when it has passed (a partial area
  would be wrong).

References
----------
Treaty on Open Skies, Art. VI.II.4 (maximum flight distance, 10 km from
non-party states), VI.II.5 (transit), Annex A III, Annex E 5 (OSAs placed within
35 % of the maximum distance of every mainland point).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from openskies.errors import OptionsError
from openskies.geo.geodesy import geodesic_km, length_km, wgs84
from openskies.rules.kernel import Zone, binding_zones, clear_of, crosses, leg_lines
from openskies.rules.reach_grid import MAX_GRID_NODES, Grid
from openskies.rules.registry import READINGS, RuleSet, rule_set
from openskies.rules.settle import area_cells, settled_inside

if TYPE_CHECKING:
    import geopandas
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

    from openskies.treaty.model import TreatyView

__all__ = ["MAX_GRID_NODES", "ReachableArea", "reachable_area"]

_KM_PER_DEG_LAT = 110.574
_LEG_BLOCK = 50_000  # legs checked at once (bounds memory; the clock is read after)
_POPS_PER_CHECK = 4096  # Dijkstra steps between two readings of the clock


@dataclass(frozen=True)
class ReachableArea:
    """What legal out-and-back missions from one airfield can reach.

    Attributes
    ----------
    geometry
        The reachable part of the territory (EPSG:4326).
    area_km2, territory_km2
        Geodesic areas of ``geometry`` and of the whole territory [km2].
    share
        ``area_km2 / territory_km2``.
    airfield
        Id of the starting airfield.
    max_distance_km
        Its maximum flight distance in force [km].
    observed, observer
        Observed party code; observer code (None: restrictions on every
        observer only).
    date, reading, resolution_km
        The inputs used.
    restrictions
        Ids of the restrictions applied (binding under the reading).
    """

    geometry: BaseGeometry
    area_km2: float
    territory_km2: float
    share: float
    airfield: str
    max_distance_km: float
    observed: str
    observer: str | None
    date: dt.date
    reading: str
    resolution_km: float
    restrictions: tuple[str, ...]

    def to_frame(self) -> geopandas.GeoDataFrame:
        """Return the layer as a one-row GeoDataFrame (EPSG:4326) with its figures."""
        import geopandas

        return geopandas.GeoDataFrame(
            {
                "airfield": [self.airfield],
                "observed": [self.observed],
                "observer": [self.observer],
                "date": [self.date],
                "reading": [self.reading],
                "max_distance_km": [self.max_distance_km],
                "area_km2": [self.area_km2],
                "share": [self.share],
                "restrictions": [" ".join(self.restrictions)],
            },
            geometry=[self.geometry],
            crs="EPSG:4326",
        )


def reachable_area(
    view: TreatyView,
    observed: str,
    airfield: str,
    *,
    date: dt.date | str | None = None,
    observer: str | None = None,
    reading: str = "treaty",
    resolution_km: float = 25.0,
    time_limit_s: float = 60.0,
) -> ReachableArea:
    """Return the part of a territory that out-and-back missions from an airfield reach.

    Parameters
    ----------
    view
        The treaty on a date.
    observed
        Observed state or party code.
    airfield
        Id of an Open Skies airfield of the observed party with a maximum flight
        distance in force.
    date
        Date; the view's date by default.
    observer
        Observer code; restrictions that apply only to other observers are
        left out (None: only restrictions on every observer apply).
    reading
        ``"treaty"`` (disputed restrictions do not bind) or ``"observed-party"``.
    resolution_km
        Grid spacing [km], 5 to 500; the grid over the territory's bounding
        box may hold at most :data:`MAX_GRID_NODES` nodes (for Russia, about
        9 km or coarser).
    time_limit_s
        Wall-clock limit [s]; the computation stops with an error soon after
        it (within one block of legs or one polygon union).

    Returns
    -------
    ReachableArea
        The layer, its area and its share of the territory.

    Raises
    ------
    OptionsError
        If ``reading``, ``resolution_km`` or ``time_limit_s`` is invalid, the
        grid would exceed :data:`MAX_GRID_NODES` nodes (before any work), the
        time limit passes, or the airfield is not a starting airfield of the
        observed party on the date.
    UnknownStateError, NotAPartyError
        If a code or the airfield is unknown or not a party on the date.

    References
    ----------
    Treaty on Open Skies, Art. VI.II.4, Annex A III, Annex E 5.
    """
    if reading not in READINGS:
        raise OptionsError(f"reading {reading!r} is not one of {', '.join(READINGS)}")
    if isinstance(resolution_km, bool) or not (
        isinstance(resolution_km, int | float) and 5 <= resolution_km <= 500
    ):
        raise OptionsError(
            f"resolution_km must be between 5 and 500 km; got {resolution_km!r:.40}"
        )
    if isinstance(time_limit_s, bool) or not (
        isinstance(time_limit_s, int | float) and 0 < time_limit_s < math.inf
    ):
        raise OptionsError(
            f"time_limit_s must be a positive number of seconds; got "
            f"{time_limit_s!r:.40}"
        )
    clock = _Clock(time.perf_counter() + time_limit_s, time_limit_s, resolution_km)
    if not isinstance(airfield, str):
        raise OptionsError(f"airfield must be an airfield id, got {airfield!r:.40}")
    if date is not None:
        view = view.treaty.as_of(date)
    rules = rule_set(view, observer, observed)
    ident = view.airfield(airfield).id
    start = next((a for a in rules.start_airfields if a.id == ident), None)
    if start is None or start.max_distance_km is None:
        raise OptionsError(
            f"{airfield} is not a starting airfield of {rules.observed} on "
            f"{rules.date.isoformat()}; use one of "
            f"{', '.join(a.id for a in rules.start_airfields) or '(none)'}"
        )
    zones, limits, applied = _binding(rules, reading)
    grid = Grid.of(rules.territory, zones, resolution_km, rules.observed)
    budget = start.max_distance_km / 2.0
    reached = np.zeros(grid.lon.size, dtype=bool)
    banned = any(
        c.restriction.kind == "mission_ban" and c.binding(reading) for c in rules.checks
    )
    if grid.lon.size and not banned:
        reached = _search(
            grid, rules, zones, limits, (start.lon, start.lat), budget, clock
        )
    clock.check()
    geometry = grid.layer(reached, rules.territory, zones)
    geod = wgs84()
    area = abs(geod.geometry_area_perimeter(geometry)[0]) / 1e6
    whole = abs(geod.geometry_area_perimeter(rules.territory)[0]) / 1e6
    return ReachableArea(
        geometry=geometry,
        area_km2=area,
        territory_km2=whole,
        share=area / whole,
        airfield=start.id,
        max_distance_km=start.max_distance_km,
        observed=rules.observed,
        observer=None if observer is None else rules.observer,
        date=rules.date,
        reading=reading,
        resolution_km=float(resolution_km),
        restrictions=applied,
    )


@dataclass(frozen=True)
class _Clock:
    """The deadline of one computation and what to say when it passes."""

    deadline: float
    limit_s: float
    resolution_km: float

    def check(self) -> None:
        """Raise if the deadline has passed."""
        if time.perf_counter() > self.deadline:
            raise OptionsError(
                f"reachable_area did not finish within time_limit_s="
                f"{self.limit_s:g} s at resolution_km={self.resolution_km:g}; use a "
                "coarser resolution_km or a larger time_limit_s"
            )


def _binding(
    rules: RuleSet, reading: str
) -> tuple[list[BaseGeometry], list[tuple[BaseGeometry, float]], tuple[str, ...]]:
    """Return excluded zones, (region, one-way sub-limit) pairs, restriction ids."""
    zones = [zone.area for zone in binding_zones(rules, reading)]
    binding = [c for c in rules.checks if c.binding(reading)]
    limits = [
        (c.area, c.restriction.value / 2.0)
        for c in binding
        if c.area is not None
        and c.restriction.kind == "distance_sublimit"
        and c.restriction.value is not None
    ]
    return zones, limits, tuple(c.restriction.id for c in binding)


def _legs(
    grid: Grid, a: NDArray[np.intp], b: NDArray[np.intp], start: tuple[float, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return start and end coordinates of legs between nodes (-1 = airfield)."""
    lon = np.append((grid.lon + 180.0) % 360.0 - 180.0, start[0])
    lat = np.append(grid.lat, start[1])
    return lon[a], lat[a], np.column_stack((lon[b], lat[b]))


def _search(
    grid: Grid,
    rules: RuleSet,
    zones: list[BaseGeometry],
    limits: list[tuple[BaseGeometry, float]],
    start: tuple[float, float],
    budget: float,
    clock: _Clock,
) -> NDArray[np.bool_]:
    """Shortest paths from the airfield; return the reachable nodes."""
    a, b = grid.neighbours()
    count = grid.lon.size
    wrapped = (grid.lon + 180.0) % 360.0 - 180.0
    near = np.flatnonzero(
        geodesic_km(start[0], start[1], wrapped, grid.lat)
        <= 2.0 * grid.lat_step * _KM_PER_DEG_LAT
    )
    a = np.concatenate((a, np.full(near.size, count)))
    b = np.concatenate((b, near))
    ok = np.zeros(a.size, dtype=bool)
    cost = np.zeros(a.size)
    inside = np.zeros((len(limits), a.size))
    for first in range(0, a.size, _LEG_BLOCK):
        block = slice(first, first + _LEG_BLOCK)
        ok[block], cost[block], inside[:, block] = _check_legs(
            _legs(grid, a[block], b[block], start), rules, zones, limits
        )
        clock.check()
    a, b, cost, inside = a[ok], b[ok], cost[ok], inside[:, ok]
    caps = np.array([cap for _, cap in limits])
    adjacency = _adjacency(count + 1, a, b, cost, inside)
    best = np.full(count + 1, math.inf)
    spent = np.zeros((count + 1, len(limits)))
    best[count] = 0.0
    _dijkstra(adjacency, best, spent, [(0.0, count)], budget, caps, clock)
    reached = (best <= budget) & (spent <= caps).all(axis=1)
    unreached = np.flatnonzero(~np.isfinite(best[:count]))
    sources = np.flatnonzero(reached[:count])
    if unreached.size and sources.size:
        entries = _transit_entries(grid, a, b, sources, unreached)
        heap = []
        for node, via in entries:
            best[node], spent[node] = best[via], spent[via]
            heap.append((best[node], node))
        _dijkstra(adjacency, best, spent, heap, budget, caps, clock)
        reached = (best <= budget) & (spent <= caps).all(axis=1)
    return reached[:count]


def _check_legs(
    legs: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    rules: RuleSet,
    zones: list[BaseGeometry],
    limits: list[tuple[BaseGeometry, float]],
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """Return which legs are legal, their lengths [km] and km inside each region.

    Legs are judged by the kernel's leg test (:func:`~.kernel.clear_of`), as the
    planner's free space judges them; legs proven by cells to lie inside the
    territory and clear of every zone and region
    (:func:`~.settle.settled_inside`) are legal without densified lines.
    """
    import shapely

    lon1, lat1, end = legs
    cost = geodesic_km(lon1, lat1, end[:, 0], end[:, 1])
    # legs proven by cells inside and clear of zones and regions need no lines
    cells = area_cells(rules.territory, [*zones, *(r for r, _ in limits)])
    start = np.column_stack((lon1, lat1))
    rest = np.flatnonzero(~settled_inside(cells, start, end, cost))
    lines, _ = leg_lines(lon1[rest], lat1[rest], end[rest, 0], end[rest, 1])
    ok = np.ones(lon1.size, dtype=bool)
    ok[rest] = clear_of(rules.territory, tuple(Zone("", zone) for zone in zones), lines)
    inside = np.zeros((len(limits), lon1.size))
    for k, (region, _) in enumerate(limits):
        hit = np.flatnonzero(ok[rest] & crosses(region, lines))
        inside[k, rest[hit]] = length_km(shapely.intersection(lines[hit], region))
    return ok, cost, inside


def _adjacency(
    size: int,
    a: NDArray[np.intp],
    b: NDArray[np.intp],
    cost: NDArray[np.float64],
    inside: NDArray[np.float64],
) -> list[list[tuple[int, float, NDArray[np.float64]]]]:
    adjacency: list[list[tuple[int, float, NDArray[np.float64]]]] = [
        [] for _ in range(size)
    ]
    for i, j, c, extra in zip(
        a.tolist(), b.tolist(), cost.tolist(), inside.T, strict=True
    ):
        adjacency[i].append((j, c, extra))
        adjacency[j].append((i, c, extra))
    return adjacency


def _dijkstra(
    adjacency: list[list[tuple[int, float, NDArray[np.float64]]]],
    best: NDArray[np.float64],
    spent: NDArray[np.float64],
    heap: list[tuple[float, int]],
    budget: float,
    caps: NDArray[np.float64],
    clock: _Clock,
) -> None:
    """Relax shortest paths in place from the nodes on ``heap`` within ``budget``."""
    heapq.heapify(heap)
    pops = 0
    while heap:
        pops += 1
        if pops % _POPS_PER_CHECK == 0:
            clock.check()
        cost, node = heapq.heappop(heap)
        if cost > best[node]:
            continue
        for other, length, extra in adjacency[node]:
            total = cost + length
            if total < best[other] and total <= budget:
                inside = spent[node] + extra
                if (inside <= caps).all():
                    best[other] = total
                    spent[other] = inside
                    heapq.heappush(heap, (total, other))


def _transit_entries(
    grid: Grid,
    a: NDArray[np.intp],
    b: NDArray[np.intp],
    sources: NDArray[np.intp],
    unreached: NDArray[np.intp],
) -> list[tuple[int, int]]:
    """For each unreached component, its node nearest to a reached node."""
    import shapely

    count = grid.lon.size
    keep = (a < count) & (b < count)
    label = _components(count, a[keep], b[keep])
    unreached = unreached[~np.isin(label[unreached], label[sources])]
    if not unreached.size:
        return []
    wrapped = (grid.lon + 180.0) % 360.0 - 180.0
    points = np.asarray(shapely.points(wrapped, grid.lat), dtype=object)
    tree = shapely.STRtree(points[sources])
    found, gap = tree.query_nearest(
        points[unreached], return_distance=True, all_matches=False
    )
    entries: dict[int, tuple[float, int, int]] = {}
    for k, j, d in zip(found[0].tolist(), found[1].tolist(), gap.tolist(), strict=True):
        node = int(unreached[k])
        component = int(label[node])
        if component not in entries or d < entries[component][0]:
            entries[component] = (d, node, int(sources[j]))
    return [(node, via) for _, node, via in entries.values()]


def _components(
    count: int, a: NDArray[np.intp], b: NDArray[np.intp]
) -> NDArray[np.intp]:
    """Label connected components by repeated minimum-label propagation."""
    label = np.arange(count)
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = label[label]
        if np.array_equal(label, before):
            return label
