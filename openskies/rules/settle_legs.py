"""Compiled settling of legs, chord by chord: the kernel of :mod:`.settle`.

For every observation leg of a chunk and every area of its rule set (the
territory first, then the border zone and every area of a restriction),
:func:`settle_legs` decides, without GEOS, whether the leg's densified track

* stays in the area's good class (inside the territory, outside a zone):
  by the clearances of its ends (the block argument of :mod:`.settle`, with
  the leg's own spacing of densified points) or, failing that, vertex by
  vertex (:func:`_follow`: jumps over the vertices within a vertex's
  clearance, exact tests of the other chords,
  :func:`~openskies.geo.cell_edges.chord_crosses`, on the very points
  :func:`~openskies.geo.geodesy.densify_legs` computes);
* certainly leaves it (a vertex in a cell of the other class, or a chord
  crossing a boundary segment properly): the route then breaks the area's
  rule whatever its other legs do, when the area is *final* (its rule is
  decided by any touch: the territory, the border zone, corridors; not a
  distance sub-limit, whose length inside counts, nor a no-fly area, which
  transit legs also reach);
* or neither (grazing, at the antimeridian or a pole, beyond the band).

A leg is left out of the densified tracks when, for every area, it stays in
the good class or its route is already known to break a final area's rule;
the routes known to break each final area are returned, so the verdicts equal
those on the whole tracks.

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-4; treaty.md R17.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from openskies.geo.cell_edges import (
    NEGATIVE,
    POSITIVE,
    UNDECIDED,
    chord_crosses,
    point_class,
)
from openskies.geo.cells import BOUNDARY, OUTSIDE
from openskies.geo.vincenty import (
    direct_point,
    direct_setup,
    leg_azimuths,
    leg_pieces,
)

__all__ = ["settle_legs"]

_POLAR_DEG = 89.99  # from here densification is GeographicLib's
_SLACK_KM = 1e-6  # rounding of lengths and distances [km]
_COVER_KM = 1e-5  # rounding of points along a leg [km]


@njit(cache=True)
def _cell(x: float, y: float, frame: np.ndarray) -> int:
    """Index of the cell of a point [deg] (rows one after the other).

    -1 beyond the band of latitudes, -2 at longitude +-180 or beyond.
    """
    south, step = float(frame[0]), float(frame[1])
    rows, columns = int(frame[2]), int(frame[3])
    if not -180.0 < x < 180.0:
        return -2
    if not south <= y < south + rows * step:
        return -1
    row = math.floor((y - south) / step)
    column = math.floor((x + 180.0) / step)
    if 0 <= row < rows and 0 <= column < columns:
        return row * columns + column
    return -1


@njit(cache=True)
def _ends(
    legs: tuple[np.ndarray, ...],
    routes: int,
    areas: tuple[np.ndarray, ...],
    frame: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Known breaches and the clearances of the ends of each leg of ``which``.

    ``legs`` and ``areas`` are those of :func:`settle_legs`.

    Returns, per route and area, whether an end of an observation leg is in a
    cell of the area's other class (beyond the band of latitudes, the cells of
    bounded areas are outside); and per leg, the sum of its ends' merged
    clearances (-1 unless both are in the grid) and, per area, the sum of its
    ends' clearances in the good class.  One look-up of a cell's row of
    ``clearance`` per end.
    """
    which, ends, _, route, transit = legs
    clearance, good, final, bounded = areas
    broken = np.zeros((routes, good.size), dtype=np.bool_)
    sums = np.full((which.size, good.size + 1), -1.0)
    for k in range(which.size):
        i = which[k]
        if transit[i]:
            continue
        p = _cell(ends[i, 0], ends[i, 1], frame)
        q = _cell(ends[i, 2], ends[i, 3], frame)
        if p >= 0 and q >= 0:
            sums[k, 0] = clearance[p, 0] + clearance[q, 0]
        for area in range(good.size):
            total = 0.0
            other = False
            for cell in (p, q):
                if cell >= 0:
                    room = clearance[cell, area + 1]
                    if room < 0.0:
                        other = True
                    else:
                        total += room
                elif cell == -1 and bounded[area]:
                    other = other or good[area] != OUTSIDE
            sums[k, area + 1] = total
            if other and final[area]:
                broken[route[i], area] = True
    return broken, sums


@njit(cache=True)
def _follow(
    leg: np.ndarray,
    inverse: np.ndarray,
    count: int,
    areas: np.ndarray,
    tables: tuple[np.ndarray, ...],
    frame: np.ndarray,
    stamp: np.ndarray,
    scratch: np.ndarray,
) -> np.ndarray:
    """Follow one leg's densified chords for the areas where ``areas`` is 1.

    Parameters
    ----------
    leg
        lon1, lat1, lon2, lat2 [deg].
    inverse
        Forward and back azimuths [deg] and length [m].
    count
        Pieces of the leg's densification (:func:`leg_pieces`).
    areas
        Per area, 1 to follow it, else 0 (int8).
    tables
        Per area good class and bounded flag, then the clearance, state,
        boundary, start, edge and segment tables (:func:`settle_legs`).
    frame, stamp
        As for :func:`~openskies.geo.cell_edges.chord_crosses`.
    scratch
        Work space, (7, max(areas, 11)) float64.

    Returns
    -------
    numpy.ndarray
        Per area followed: ``NEGATIVE`` (every chord stays in the good class),
        ``POSITIVE`` (some point does not) or ``UNDECIDED``.

    Notes
    -----
    From a vertex with clearance ``c`` for an area, the next ``m`` vertices
    (``m s < c``, ``s`` the arc between vertices) lie in its block, and so do
    the chords between them; only the vertex ``m`` on is computed
    (:func:`~openskies.geo.vincenty.direct_point`, the same bits as
    :func:`~openskies.geo.geodesy.densify_legs`).  A vertex with no clearance
    gets its next chord tested exactly (:func:`chord_crosses`).  The leg is one
    chain of chords: with no crossing, all its points are on the side of any
    vertex in a cell that is not a boundary cell.
    """
    good, bounded, clearance, state, boundary, start, edge, segments = tables
    setup, chord = scratch[0], scratch[1]
    direct_setup(leg[1], inverse[0], setup)
    spacing = inverse[2] / 1000.0 / count
    result = scratch[2, : areas.size]  # NEGATIVE, POSITIVE or UNDECIDED
    known = scratch[3, : areas.size]  # 1: a vertex in a cell of the good class
    reach = scratch[4, : areas.size]  # vertex up to which chords are settled
    exact = scratch[5, : areas.size]  # 1: test the chord into this vertex
    result[:] = NEGATIVE
    known[:] = exact[:] = reach[:] = 0.0
    followed = scratch[6, : areas.size]
    followed[:] = areas
    at, x, y = 0, leg[0], leg[1]
    while True:
        ahead = float(count)
        for area in range(areas.size):
            if areas[area] == 0:
                continue
            if reach[area] > at:
                ahead = min(ahead, reach[area])
                continue
            if exact[area]:
                exact[area] = 0.0
                chord[2], chord[3] = x, y
                meet = UNDECIDED
                if abs(x - chord[0]) <= 180.0:
                    meet = chord_crosses(
                        chord, area, boundary, start, edge, segments, frame, stamp
                    )
                if meet != NEGATIVE:
                    result[area], areas[area] = meet, 0
                    continue
            kind = point_class(x, y, area, bounded[area], state, frame)
            if kind < 0 or (kind != BOUNDARY and kind != good[area]):
                result[area] = UNDECIDED if kind < 0 else POSITIVE
                areas[area] = 0
                continue
            if kind == good[area]:
                known[area] = 1.0
            if at == count:
                continue
            cell = _cell(x, y, frame)
            room = float(clearance[cell, area + 1]) if cell >= 0 else 0.0
            jump = int((room - _COVER_KM) / spacing) if room > spacing else 0
            reach[area] = min(count, at + max(jump, 1))
            exact[area] = 1.0 if jump < 1 else 0.0
            ahead = min(ahead, reach[area])
        if at == count or not areas.any():
            break
        chord[0], chord[1] = x, y
        at = int(ahead)
        if at == count:
            x, y = leg[2], leg[3]
        else:
            x, y = direct_point(leg[0], setup, inverse[2], at, count)
    for area in range(areas.size):
        if followed[area] and result[area] == NEGATIVE and not known[area]:
            result[area] = UNDECIDED
    return result


@njit(cache=True)
def settle_legs(
    legs: tuple[np.ndarray, ...],
    routes: int,
    areas: tuple[np.ndarray, ...],
    edges: tuple[np.ndarray, ...],
    limits: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the legs to leave out and, per route and area, breaches and length near.

    Parameters
    ----------
    legs
        ``(which, ends, inverse, route, transit)``: the legs to settle (those
        of one rule set), then per leg of the chunk:
    ends
        Legs, (n, 4) of lon1, lat1, lon2, lat2 [deg].
    inverse
        Forward and back azimuths [deg] (NaN until needed: filled in here for
        the legs whose pieces or points are computed), length [m] and
        auxiliary longitude difference [rad] of each leg, (n, 4).
    route, transit
        Chunk-local route of each leg and whether it is a transit leg.
    routes
        The number of routes of the chunk.
    areas
        ``(clearance, good, final, bounded)``:
    clearance
        Per cell (rows of the grid one after the other), a distance [km]
        within which points stay inside the territory and outside every area
        (:attr:`.settle.RuleCells.inner`), then per area one within which
        points stay in the area's good class (float32; 0 for boundary cells,
        -1 for cells of the other class).
    good, final
        Per area: the class legs may lie in, and whether a route touching its
        other class breaks the area's rule whatever its other legs do.
    bounded
        Per area: whether it lies in the band of latitudes, a cell from its
        edges (points beyond the band are outside it).
    edges
        ``(state, boundary, start, edge, segments, frame)``: the stacked cells
        and boundary segments (:class:`~openskies.geo.cell_edges.EdgeStack`),
        then the south [deg], cell side [deg], rows and columns of the grid.
    limits
        Tolerance and largest spacing of densified points [km]
        (:func:`~openskies.geo.vincenty.leg_pieces`).

    Returns
    -------
    skip
        Per leg of ``which``: left out of the densified tracks.
    broken
        Per route of the chunk and area: known to leave the territory or to
        touch a final area.
    near
        Per route and area that is not final: the length [km] of its
        observation legs not proven to stay outside the area (0 for final
        areas), a bound on the length inside.
    """
    which, ends, inverse, route, transit = legs
    clearance, good, final, bounded = areas
    state, boundary, start, edge, segments, frame = edges
    broken, sums = _ends(legs, routes, areas, frame)
    skip = np.zeros(which.size, dtype=np.bool_)
    n_areas = good.size
    near = np.zeros((routes, n_areas))
    need = np.zeros(n_areas, dtype=np.int8)
    stamp = np.zeros(segments.shape[0] + 1, dtype=np.int64)
    tables = (good, bounded, clearance, state, boundary, start, edge, segments)
    scratch = np.empty((7, max(n_areas, 11)))
    for k in range(which.size):
        i = which[k]
        if transit[i]:
            continue
        owner = route[i]
        km = inverse[i, 2] / 1000.0
        # the leg has at least ceil(L / 100 km) pieces: try that bound on the
        # spacing of its densified points first, its own pieces only if it fails
        enough = km + km / max(1.0, math.ceil(km / limits[1])) + _SLACK_KM
        if sums[k, 0] > enough:
            skip[k] = True  # inside the territory, clear of every area
            continue
        count = 0
        for area in range(n_areas):
            need[area] = 0
            if final[area] and broken[owner, area]:
                continue
            total = sums[k, area + 1]
            if total > enough:
                continue
            if count == 0:
                if math.isnan(inverse[i, 0]):
                    inverse[i, 0], inverse[i, 1] = leg_azimuths(
                        ends[i, 1], ends[i, 3], inverse[i, 3]
                    )
                count = leg_pieces(
                    ends[i, 1],
                    ends[i, 3],
                    inverse[i, 0],
                    inverse[i, 1],
                    inverse[i, 2],
                    limits,
                )
            if total > km + km / count + _SLACK_KM:
                continue
            need[area] = 1
        keep = False
        if need.any():
            verdicts = scratch[2, :n_areas]
            if abs(ends[i, 1]) > _POLAR_DEG:  # densified by GeographicLib
                for area in range(n_areas):
                    verdicts[area] = UNDECIDED if need[area] else NEGATIVE
            else:
                verdicts = _follow(
                    ends[i], inverse[i], count, need, tables, frame, stamp, scratch
                )
            for area in range(n_areas):
                if verdicts[area] == POSITIVE and final[area]:
                    broken[owner, area] = True
                elif verdicts[area] != NEGATIVE:
                    keep = True
                    if not final[area]:
                        near[owner, area] += km
        skip[k] = not keep
    return skip, broken, near
