"""Legs settled by cells, without GEOS: the kernel's fast path.

A rule set's territory and every area that binds or informs a route (the 10 km
border zone, corridors, no-fly areas, distance sub-limit regions) get a
:class:`~openskies.geo.cells.CellGrid` each and the boundary segments of each
boundary cell (:class:`~openskies.geo.cell_edges.CellEdges`), built once per
area and band of latitudes and cached by content (and found by identity of the
rule set, :func:`rule_cells`).  The compiled kernel
(:func:`~openskies.rules.settle_legs.settle_legs`) then decides, per
observation leg of geodesic length ``L`` from ``P`` to ``Q`` and per area,
whether its densified track stays in the area's good class (inside the
territory, outside a zone), certainly leaves it, or is undecided:

* ``c(P) + c(Q) > L + s``, with ``s`` the spacing of the leg's densified
  points (at most ``L / ceil(L / 100 km)``) and ``c`` the cell distance
  within which points stay in the good class (:attr:`CellGrid.inner` for the
  territory, :attr:`CellGrid.outer` for a zone; the smaller of all of them
  first, :attr:`RuleCells.inner`): the whole leg stays;
* else the leg is followed vertex by vertex: the vertices within a vertex's
  distance are jumped over, the chords of vertices with none are tested
  exactly against the boundary segments of their cells;
* an end of an observation leg in a cell of the other class breaks the rule of
  a *final* area (the territory, the border zone, corridors) for the whole
  route, so no other leg of it needs testing for that area.

Exactness: the densified points of the leg lie on its geodesic at arc lengths
``t_i`` from ``P``, ``s`` apart (:func:`~openskies.geo.geodesy.densify_legs`).
A point with ``t_i < c(P)`` is within ``c(P)`` of ``P``, so in the block of
inside / outside cells around ``P``; one with ``L - t_i < c(Q)`` in the block
around ``Q``.  A chord from ``t_i`` to ``t_{i+1}`` with neither end in a
common block would need ``t_{i+1} - t_i >= c(P) + c(Q) - L``, more than the
spacing.  A chart chord between two points of one block stays in it
(:mod:`openskies.geo.cells`); the exact chord tests are those of
:mod:`openskies.geo.cell_edges`.  A leg settled for every area, or whose route
is known to break each final area it does not settle, is left out of the
densified tracks; the verdicts of :func:`~openskies.rules.kernel.judge` on the
remaining legs, with the known breaches added, equal those on the whole
densified tracks.  Transit legs are always densified (no-fly areas judge
them), and so are the legs touching a distance sub-limit region (their length
inside counts).

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-4; treaty.md R17.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from openskies.caching import BoundedCache, cached
from openskies.geo.cells import BOUNDARY, INSIDE, OUTSIDE, CellGrid, band_of, cell_grid
from openskies.geo.geodesy import DENSIFY_TOLERANCE_KM, MAX_SPACING_KM

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

    from openskies.geo.cell_edges import EdgeStack
    from openskies.rules.registry import RuleSet

__all__ = [
    "CELLS_FROM_LINES",
    "Legs",
    "RuleCells",
    "Settled",
    "Settler",
    "area_cells",
    "final_areas",
    "rule_cells",
    "settle",
    "settled_inside",
    "unsettled_lines",
]

_SLACK_KM = 1e-6  # rounding of lengths and distances [km]


@dataclass(frozen=True)
class Legs:
    """The legs of a chunk of routes, before densification.

    Attributes
    ----------
    ends
        Ends of each leg, (n, 4) of lon1, lat1, lon2, lat2 [deg].
    km
        Geodesic length of each leg [km].
    route
        Chunk-local route of each leg.
    transit
        Whether each leg is a transit leg.
    routes
        Number of routes of the chunk.
    inverse
        Forward and back azimuths [deg] (NaN until needed), length [m] and
        auxiliary longitude difference [rad] of each leg, (n, 4)
        (:func:`~openskies.geo.geodesy.geodesic_table`; the settling fills in
        the azimuths it uses).
    """

    ends: NDArray[np.float64]
    km: NDArray[np.float64]
    route: NDArray[np.intp]
    transit: NDArray[np.bool_]
    routes: int
    inverse: NDArray[np.float64]


@dataclass(frozen=True)
class Settled:
    """What the cells settle of a chunk's legs.

    Attributes
    ----------
    skip
        Per leg: no densified test needed (see the module notes).
    leaves
        Per route: known to leave the territory.
    hits
        Per final area (keyed by ``id(area)``; :func:`final_areas`), per route:
        known to touch it.
    near_km
        Per area that is not final (keyed by ``id(area)``), per route: the
        length of its observation legs not proven outside the area [km], a
        bound on its length inside.
    """

    skip: NDArray[np.bool_]
    leaves: NDArray[np.bool_]
    hits: dict[int, NDArray[np.bool_]]
    near_km: dict[int, NDArray[np.float64]]


#: Given legs, the legs to leave out and the routes known to break rules.
Settler = Callable[[Legs], Settled]


#: Fewest lines for which :func:`clear_of` settles lines by cells.
CELLS_FROM_LINES = 256


def unsettled_lines(
    area: BaseGeometry,
    lines: NDArray[np.object_],
    band: tuple[float, float] | None,
    kind: int,
) -> NDArray[np.intp]:
    """Positions of the lines not settled in cells of class ``kind`` of ``area``."""
    import shapely

    if band is None or not len(lines):
        return np.arange(len(lines))
    coords, line = shapely.get_coordinates(lines, return_index=True)
    grid = cell_grid(area, *band)
    settled = np.zeros(len(lines), dtype=bool)
    settled[: int(line[-1]) + 1 if line.size else 0] = grid.chords(coords, line, kind)
    # lines without vertices (empty) are left to GEOS
    settled &= np.bincount(line, minlength=len(lines)) > 0
    return np.flatnonzero(~settled)


@dataclass(frozen=True)
class RuleCells:
    """The cells of a rule set, merged over its territory and every area.

    Attributes
    ----------
    grid
        The territory's cells (also the frame of the tables below).
    inner
        Per cell, a distance [km] within which points stay inside the territory
        and outside every area.
    clear
        Per cell, a distance [km] within which points stay outside every area.
    """

    grid: CellGrid
    inner: NDArray[np.float32]
    clear: NDArray[np.float32]
    wkb: tuple[bytes, ...] = ()

    @cached_property
    def edges(
        self,
    ) -> tuple[EdgeStack, NDArray[np.float32], NDArray[np.bool_]]:
        """The territory's and every area's cells and boundary segments, stacked.

        With, per cell (rows of the grid one after the other), :attr:`inner`
        and per area the distance [km] within which points stay in the area's
        good class (inside the territory, outside an area; -1 in a cell of the
        other class), side by side (one cache line for the kernel); and per
        area whether it lies in the band of latitudes at least a cell from its
        edges; built on first use.
        """
        import shapely

        from openskies.geo.cell_edges import cell_edges, stack_edges  # numba

        south, step = self.grid.south, self.grid.step
        north = south + self.grid.state.shape[0] * step
        areas = [shapely.from_wkb(w) for w in self.wkb]
        edges = [cell_edges(a, south, north, step) for a in areas]
        grids = [cell_grid(a, south, north, step) for a in areas]
        stack = stack_edges(edges, south, step)
        tables = [self.inner.ravel()]
        for area, grid in enumerate(grids):
            good = INSIDE if area == 0 else OUTSIDE
            room = grid.inner if area == 0 else grid.outer
            other = (stack.state[area] != good) & (stack.state[area] != BOUNDARY)
            tables.append(np.where(other, -1.0, room).ravel())
        clearance = np.stack(tables, axis=1).astype(np.float32)
        bounded = np.array(
            [south + step < a.bounds[1] and a.bounds[3] < north - step for a in areas]
        )
        return stack, clearance, bounded


def rule_areas(rules: RuleSet) -> list[BaseGeometry]:
    """Return every area a route's legs are tested against, binding or not."""
    areas = [] if rules.border is None else [rules.border]
    areas += [c.area for c in rules.checks if c.area is not None]
    return areas


def final_areas(rules: RuleSet) -> list[bool]:
    """Per area of :func:`rule_areas`: whether any touch decides its rule.

    True for the border zone and corridors; False for a distance sub-limit
    (the length inside counts) and a no-fly area (transit legs count too).
    """
    final = [] if rules.border is None else [True]
    final += [
        c.restriction.kind not in ("no_fly", "distance_sublimit")
        for c in rules.checks
        if c.area is not None
    ]
    return final


#: The cells of the rule sets met lately, by identity (rule sets are cached
#: objects, :func:`~openskies.rules.registry.rule_set`): spares serialising
#: their areas to find the cells by content on every call.
_BY_IDENTITY: BoundedCache[int, tuple[RuleSet, RuleCells]] = BoundedCache(64)


def rule_cells(rules: RuleSet) -> RuleCells:
    """Return the cells of ``rules``, built once per content of its areas."""
    held, cells = _BY_IDENTITY.get(
        id(rules), lambda: (rules, area_cells(rules.territory, rule_areas(rules)))
    )
    if held is not rules:  # an id reused after its rule set was freed
        cells = area_cells(rules.territory, rule_areas(rules))
    return cells


def area_cells(territory: BaseGeometry, areas: list[BaseGeometry]) -> RuleCells:
    """Return the cells of a territory merged with those of ``areas`` (cached)."""
    import shapely

    return _rule_cells(
        shapely.to_wkb(territory),
        tuple(shapely.to_wkb(a) for a in areas),
        band_of(territory),
    )


def settled_inside(
    cells: RuleCells,
    start: NDArray[np.float64],
    end: NDArray[np.float64],
    km: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """Whether each leg is proven inside the territory and clear of every area.

    Parameters
    ----------
    cells
        The merged cells.
    start, end
        Ends of each leg, (n, 2) of (lon, lat) [deg].
    km
        Geodesic length of each leg [km].
    """
    inner, _, _ = _look_up(cells, np.concatenate((start, end)))
    return _enough(inner, km)


def _look_up(
    cells: RuleCells, ends: NDArray[np.float64]
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.int8]]:
    """Inner and clear distances [km] and territory class of points (lon, lat)."""
    row, column, known = cells.grid.cells(ends[:, 0], ends[:, 1])
    inner = np.where(known, cells.inner[row, column], np.float32(0.0))
    clear = np.where(known, cells.clear[row, column], np.float32(0.0))
    state = np.where(known, cells.grid.state[row, column], np.int8(BOUNDARY))
    return inner, clear, state


def _enough(
    distance: NDArray[np.float32], km: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Whether the distances of both ends (stacked) cover legs of ``km``."""
    n = km.size
    need = km + np.minimum(km, MAX_SPACING_KM) + _SLACK_KM
    return np.asarray(distance[:n].astype(np.float64) + distance[n:] > need)


@cached(maxsize=64)
def _rule_cells(
    territory: bytes, areas: tuple[bytes, ...], band: tuple[float, float]
) -> RuleCells:
    import shapely

    grid = cell_grid(shapely.from_wkb(territory), *band)
    clear = np.full(grid.state.shape, np.inf, dtype=np.float32)
    for area in areas:
        np.minimum(clear, cell_grid(shapely.from_wkb(area), *band).outer, out=clear)
    return RuleCells(grid, np.minimum(grid.inner, clear), clear, (territory, *areas))


def settle(
    cells: RuleCells, legs: Legs, which: NDArray[np.intp], final: list[bool]
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.float64]]:
    """Return which of the legs ``which`` are settled, known breaches, length near.

    Parameters
    ----------
    cells
        The cells of the legs' rule set.
    legs
        The legs of a chunk of routes.
    which
        Positions of the legs of one rule set in ``legs``.
    final
        Per area (:func:`rule_areas`): whether a touch decides its rule
        (:func:`final_areas`).

    Returns
    -------
    settled
        Per leg of ``which``: no densified test needed (see the module notes
        and :mod:`openskies.rules.settle_legs`).
    broken
        Per route of the chunk (rows) and area (columns: the territory, then
        :func:`rule_areas`): the route is known to leave the territory, or to
        touch a final area.
    near
        Per route of the chunk and area (columns as ``broken``; 0 for final
        areas): the length of its observation legs of ``which`` not proven
        outside the area [km].
    """
    from openskies.rules.settle_legs import settle_legs

    stack, clearance, bounded = cells.edges
    frame = np.array([stack.south, stack.step, *stack.state.shape[1:]], dtype=float)
    good = np.array([INSIDE] + [OUTSIDE] * len(final), dtype=np.int8)
    return settle_legs(
        (
            which.astype(np.int64),
            legs.ends,
            legs.inverse,
            legs.route.astype(np.int64),
            legs.transit,
        ),
        legs.routes,
        (clearance, good, np.array([True, *final]), bounded),
        (stack.state, stack.boundary, stack.start, stack.edge, stack.segments, frame),
        np.array([DENSIFY_TOLERANCE_KM, MAX_SPACING_KM]),
    )
