"""Compiled settling of legs, chord by chord: the kernel of :mod:`.settle`.

For every observation leg of a chunk and every area of its rule set (the
territory first, then the border zone and every area of a restriction),
:func:`settle_legs` decides, without GEOS, whether the leg's densified track

* stays in the area's good class (inside the territory, outside a zone):
  by the clearances of its ends (the block argument of :mod:`.settle`, with
  the leg's own spacing of densified points) or, failing that, chord by chord
  (:func:`~openskies.geo.cell_edges.line_class` on the very points
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

from openskies.geo.cell_edges import NEGATIVE, POSITIVE, line_class
from openskies.geo.cells import BOUNDARY, OUTSIDE
from openskies.geo.vincenty import leg_pieces, walk

__all__ = ["settle_legs"]

_POLAR_DEG = 89.99  # from here densification is GeographicLib's
_SLACK_KM = 1e-6  # rounding of lengths and distances [km]
_COVER_KM = 1e-5  # rounding of points along a leg [km]
_SAMPLES = 4  # most pieces a leg is cut into to settle it by clearances


@njit(cache=True)
def _cell(x: float, y: float, frame: np.ndarray) -> tuple[int, int, bool]:
    """Row, column and whether a point [deg] is in the grid of ``frame``."""
    south, step = frame[0], frame[1]
    rows, columns = int(frame[2]), int(frame[3])
    if not (-180.0 < x < 180.0 and south <= y < south + rows * step):
        return 0, 0, False
    row = int(math.floor((y - south) / step))
    column = int(math.floor((x + 180.0) / step))
    inside = 0 <= row < rows and 0 <= column < columns
    return row, column, inside


@njit(cache=True)
def _broken(
    which: np.ndarray, ends: np.ndarray, route: np.ndarray, transit: np.ndarray, routes: int,
    state: np.ndarray, good: np.ndarray, final: np.ndarray, bounded: np.ndarray,
    frame: np.ndarray,
) -> np.ndarray:
    """Per route and area: an end of an observation leg in a cell of the other class.

    Beyond the band of latitudes, the cells of bounded areas are outside.
    """
    broken = np.zeros((routes, good.size), dtype=np.bool_)
    for i in which:
        if transit[i]:
            continue
        for side in range(2):
            x, y = ends[i, 2 * side], ends[i, 2 * side + 1]
            row, column, inside = _cell(x, y, frame)
            beyond = -180.0 < x < 180.0 and not inside
            for area in range(good.size):
                if inside:
                    kind = state[area, row, column]
                elif beyond and bounded[area]:
                    kind = OUTSIDE
                else:
                    continue
                if final[area] and kind != BOUNDARY and kind != good[area]:
                    broken[route[i], area] = True
    return broken


@njit(cache=True)
def _clear(
    x: float, y: float, area: int, clearance: np.ndarray, frame: np.ndarray
) -> float:
    """The clearance [km] of the cell of a point for one area (0 beyond the grid)."""
    row, column, inside = _cell(x, y, frame)
    return float(clearance[area, row, column]) if inside else 0.0


@njit(cache=True)
def _covered(
    leg: np.ndarray,
    inverse: np.ndarray,
    spacing: float,
    need: np.ndarray,
    clearance: np.ndarray,
    frame: np.ndarray,
    near: np.ndarray,
) -> bool:
    """Settle areas of ``need`` by the clearances of points along the leg.

    Points at arc lengths ``j L / m`` (m = 2, then ``_SAMPLES``) with
    clearances ``c_j``: a densified point within ``c_j`` of one lies in its
    block, so every chord (arc ``spacing``) lies in one block when
    ``c_j + c_(j+1) > L / m + spacing`` for every ``j`` (the proof of
    :mod:`.settle`, with ``_COVER_KM`` for the points' rounding).  Clears the
    areas so settled in ``need``; returns whether any is left.  ``near``:
    scratch, (areas + 2, ``_SAMPLES + 1``).
    """
    metres = inverse[2]
    km = metres / 1000.0
    areas = need.size
    lon, lat = near[areas], near[areas + 1]
    parts = 1
    while parts < _SAMPLES:
        parts *= 2
        walk(leg[0], leg[1], inverse[0], metres, parts, lon, lat, 1)
        lon[0], lat[0], lon[parts], lat[parts] = leg[0], leg[1], leg[2], leg[3]
        left = False
        for area in range(areas):
            if not need[area]:
                continue
            for j in range(parts + 1):
                near[area, j] = _clear(lon[j], lat[j], area, clearance, frame)
            settled = True
            for j in range(parts):
                if near[area, j] + near[area, j + 1] <= km / parts + spacing + _COVER_KM:
                    settled = False
                    break
            need[area] = not settled
            left = left or not settled
        if not left:
            return False
    return True


@njit(cache=True)
def settle_legs(
    which: np.ndarray,
    ends: np.ndarray,
    inverse: np.ndarray,
    route: np.ndarray,
    transit: np.ndarray,
    routes: int,
    merged: np.ndarray,
    clearance: np.ndarray,
    good: np.ndarray,
    final: np.ndarray,
    bounded: np.ndarray,
    state: np.ndarray,
    boundary: np.ndarray,
    start: np.ndarray,
    edge: np.ndarray,
    segments: np.ndarray,
    frame: np.ndarray,
    limits: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return which legs to leave out and, per route and area, known breaches.

    Parameters
    ----------
    which
        The legs to settle (those of one rule set).
    ends
        Legs, (n, 4) of lon1, lat1, lon2, lat2 [deg].
    inverse
        Forward and back azimuths [deg] and length [m] of each leg, (n, 3).
    route, transit, routes
        Chunk-local route of each leg, whether it is a transit leg, and the
        number of routes.
    merged
        Per cell, a distance [km] within which points stay inside the
        territory and outside every area (:attr:`.settle.RuleCells.inner`).
    clearance
        Per area and cell, a distance [km] within which points stay in the
        cell's class (float32; 0 for boundary cells and cells of the other
        class).
    good, final
        Per area: the class legs may lie in, and whether a route touching its
        other class breaks the area's rule whatever its other legs do.
    bounded
        Per area: whether it lies in the band of latitudes, a cell from its
        edges (points beyond the band are outside it).
    state, boundary, start, edge, segments
        The stacked cells and boundary segments
        (:class:`~openskies.geo.cell_edges.EdgeStack`).
    frame
        South [deg], cell side [deg], rows and columns of the grid.
    limits
        Tolerance and largest spacing of densified points [km]
        (:func:`~openskies.geo.vincenty.leg_pieces`).
    """
    areas = good.size
    broken = _broken(which, ends, route, transit, routes, state, good, final, bounded, frame)
    skip = np.zeros(which.size, dtype=np.bool_)
    need = np.zeros(areas, dtype=np.bool_)
    near = np.zeros((areas + 2, _SAMPLES + 1))
    lon = np.empty(16)
    lat = np.empty(16)
    stamp = np.zeros(segments.shape[0] + 1, dtype=np.int64)
    for k in range(which.size):
        i = which[k]
        if transit[i]:
            continue
        owner = route[i]
        km = inverse[i, 2] / 1000.0
        # the spacing of densified points is at most min(L, 100 km): try that
        # bound first, the leg's own spacing (its pieces) only if it fails
        enough = km + min(km, limits[1]) + _SLACK_KM
        p = _cell(ends[i, 0], ends[i, 1], frame)
        q = _cell(ends[i, 2], ends[i, 3], frame)
        if p[2] and q[2] and merged[p[0], p[1]] + merged[q[0], q[1]] > enough:
            skip[k] = True  # inside the territory, clear of every area
            continue
        wanted = False
        count = 0
        spacing = 0.0
        for area in range(areas):
            need[area] = False
            if final[area] and broken[owner, area]:
                continue
            total = 0.0
            if p[2]:
                total += clearance[area, p[0], p[1]]
            if q[2]:
                total += clearance[area, q[0], q[1]]
            if total > enough:
                continue
            if count == 0:
                count = leg_pieces(
                    ends[i, 1], ends[i, 3], inverse[i, 0], inverse[i, 1], inverse[i, 2], limits
                )
                spacing = km / count
            if total > km + spacing + _SLACK_KM:
                continue
            need[area] = wanted = True
        if wanted and abs(ends[i, 1]) > _POLAR_DEG:
            continue  # densified by GeographicLib
        if wanted and count > 1:
            wanted = _covered(ends[i], inverse[i], spacing, need, clearance, frame, near)
        if not wanted:
            skip[k] = True
            continue
        if count + 1 > lon.size:
            lon = np.empty(2 * (count + 1))
            lat = np.empty_like(lon)
        lon[0], lat[0] = ends[i, 0], ends[i, 1]
        walk(ends[i, 0], ends[i, 1], inverse[i, 0], inverse[i, 2], count, lon, lat, 1)
        lon[count], lat[count] = ends[i, 2], ends[i, 3]
        keep = False
        for area in range(areas):
            if not need[area] or (final[area] and broken[owner, area]):
                continue
            verdict = line_class(
                lon, lat, count + 1, area, good[area], bounded[area], state, boundary, start, edge,
                segments, frame, stamp,
            )
            if verdict == POSITIVE and final[area]:
                broken[owner, area] = True
            elif verdict != NEGATIVE:
                keep = True
        skip[k] = not keep
    return skip, broken
