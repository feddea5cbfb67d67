"""Boundary segments per cell, and exact tests of chart lines against them.

The cells of :mod:`openskies.geo.cells` settle every point and chord that
lies in cells wholly inside or outside an area; :class:`CellEdges` adds, per
boundary cell, the area's boundary segments that may touch it (CSR arrays:
cell -> segments), so that a chart chord through boundary cells is tested in
compiled code against those segments alone (:func:`chord_crosses`), the
planar chords GEOS would test.

Exactness
---------
* Every boundary segment through a point of a cell is listed in that cell:
  the segments are cut into the pieces whose widened boxes mark the boundary
  cells (:func:`~openskies.geo.cells.boundary_pieces`), and each piece lists
  its segment in every cell its box touches.  A chord is cut likewise into
  pieces at most a cell long, whose boxes, widened by twice ``PAD_DEG``
  (far above the rounding of the cut), cover it; the segments of every cell
  those boxes touch hold every segment meeting the chord.
* Orientations are signs of ``(b - a) x (c - a)`` computed in doubles and
  trusted only beyond ``1e-12`` of the products' magnitude (Shewchuk's bound
  for this formula is ``3.3e-16``): a chord and a segment are *disjoint* when
  their boxes are, or one lies strictly on one side of the other's line, and
  *cross* when each separates the other's ends strictly; anything else
  (touching, collinear, grazing within the bound) is *undecided*, and so is
  the whole line, which is left to GEOS.
* A line crossing no segment lies in one region of the plane cut by the
  boundary; a vertex in a cell that is not a boundary cell tells which
  (:func:`point_class`).  A proper crossing puts points of the chord on both
  sides of a boundary segment of a valid area: in its interior and in its
  exterior.

References
----------
J. R. Shewchuk, "Adaptive precision floating-point arithmetic and fast robust
geometric predicates", Discrete Comput. Geom. 18 (1997) 305-363.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from openskies.caching import cached
from openskies.geo.cells import BOUNDARY, OUTSIDE, PAD_DEG, boundary_pieces, cell_grid

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "NEGATIVE",
    "POSITIVE",
    "UNDECIDED",
    "CellEdges",
    "EdgeStack",
    "cell_edges",
    "chord_crosses",
    "point_class",
    "stack_edges",
]

#: Whether a chord crosses an area's boundary (:func:`chord_crosses`).
NEGATIVE, POSITIVE, UNDECIDED = 0, 1, 2
_RELATIVE = 1e-12  # orientations closer to 0 than this share are undecided


@dataclass(frozen=True)
class CellEdges:
    """The cells of one area with the boundary segments of each boundary cell.

    Attributes
    ----------
    state
        Class of each cell (:class:`~openskies.geo.cells.CellGrid`).
    boundary
        Summed-area table of the boundary cells, (rows + 1, columns + 1).
    start
        CSR offsets: the segments of cell ``row * columns + column`` are
        ``edge[start[cell]:start[cell + 1]]``.
    edge
        Segment of each entry.
    segments
        Boundary segments, (k, 4) of lon1, lat1, lon2, lat2 [deg].
    """

    state: NDArray[np.int8]
    boundary: NDArray[np.int32]
    start: NDArray[np.int32]
    edge: NDArray[np.int32]
    segments: NDArray[np.float64]


@cached(maxsize=64)
def _edges(wkb: bytes, south: float, north: float, step: float) -> CellEdges:
    import shapely

    area = shapely.from_wkb(wkb)
    state = cell_grid(area, south, north, step).state
    rows, columns = state.shape
    row, column, segment, segments = boundary_pieces(area, south, step, rows, columns)
    cell = row * columns + column
    pairs = np.unique(cell * max(1, segments.shape[0]) + segment)
    owner = pairs // max(1, segments.shape[0])
    start = np.searchsorted(owner, np.arange(rows * columns + 1)).astype(np.int32)
    boundary = np.zeros((rows + 1, columns + 1), dtype=np.int32)
    np.cumsum(np.cumsum(state == BOUNDARY, axis=0), axis=1, out=boundary[1:, 1:])
    edge = (pairs % max(1, segments.shape[0])).astype(np.int32)
    return CellEdges(state, boundary, start, edge, segments)


def cell_edges(
    area: BaseGeometry, south: float, north: float, step: float = 0.1
) -> CellEdges:
    """Return the :class:`CellEdges` of ``area`` (cached by content and band).

    Parameters
    ----------
    area
        (Multi)polygon in EPSG:4326, cut at the antimeridian [deg].
    south, north
        Band of latitudes, as for :func:`~openskies.geo.cells.cell_grid` [deg].
    step
        Cell side [deg].
    """
    import shapely

    return _edges(shapely.to_wkb(area), float(south), float(north), float(step))


@dataclass(frozen=True)
class EdgeStack:
    """The :class:`CellEdges` of several areas of one band, stacked for kernels.

    Attributes
    ----------
    state, boundary, start
        Those of each area, stacked on a first axis; ``start`` indexes the
        concatenated ``edge``.
    edge
        Concatenated entries, indexing the concatenated ``segments``.
    segments
        Concatenated boundary segments, (k, 4) [deg].
    south, step
        The band's southern edge and the cell side [deg].
    """

    state: NDArray[np.int8]
    boundary: NDArray[np.int32]
    start: NDArray[np.int32]
    edge: NDArray[np.int32]
    segments: NDArray[np.float64]
    south: float
    step: float


def stack_edges(edges: list[CellEdges], south: float, step: float) -> EdgeStack:
    """Stack the :class:`CellEdges` of areas sharing one band and cell side."""
    entries = np.cumsum([0] + [e.edge.size for e in edges])
    first = np.cumsum([0] + [e.segments.shape[0] for e in edges])
    return EdgeStack(
        np.stack([e.state for e in edges]),
        np.stack([e.boundary for e in edges]),
        np.stack([e.start + np.int32(entries[i]) for i, e in enumerate(edges)]),
        np.concatenate([e.edge + np.int32(first[i]) for i, e in enumerate(edges)]),
        np.concatenate([e.segments for e in edges]).reshape(-1, 4),
        float(south),
        float(step),
    )


@njit(cache=True)
def _orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> int:
    """Side of ``c`` from the line ``a -> b``: 1 left, -1 right, 0 undecided."""
    left = (bx - ax) * (cy - ay)
    right = (by - ay) * (cx - ax)
    bound = _RELATIVE * (abs(left) + abs(right))
    if left - right > bound:
        return 1
    if right - left > bound:
        return -1
    return 0


@njit(cache=True)
def _meet(chord: np.ndarray, segments: np.ndarray, s: int) -> int:
    """0: chord and segment ``s`` disjoint, 1: they cross properly, 2: undecided."""
    px, py, qx, qy = chord[0], chord[1], chord[2], chord[3]
    ax, ay, bx, by = segments[s, 0], segments[s, 1], segments[s, 2], segments[s, 3]
    if max(px, qx) < min(ax, bx) or max(ax, bx) < min(px, qx):
        return 0
    if max(py, qy) < min(ay, by) or max(ay, by) < min(py, qy):
        return 0
    one = _orient(px, py, qx, qy, ax, ay)
    two = _orient(px, py, qx, qy, bx, by)
    if one * two > 0:
        return 0
    three = _orient(ax, ay, bx, by, px, py)
    four = _orient(ax, ay, bx, by, qx, qy)
    if three * four > 0:
        return 0
    if one == 0 or two == 0 or three == 0 or four == 0:
        return 2
    return 1


@njit(cache=True)
def _columns(
    chord: np.ndarray, low: float, high: float, frame: np.ndarray
) -> tuple[int, int]:
    """First and last column of the cells the chord may touch between two latitudes.

    The latitudes are those of a row's edges widened by twice ``PAD_DEG``; so
    is the chord's stretch of longitudes between them (far above rounding).
    """
    x0, y0, x1, y1 = chord[0], chord[1], chord[2], chord[3]
    t0, t1 = 0.0, 1.0
    if y1 != y0:
        a, b = (low - y0) / (y1 - y0), (high - y0) / (y1 - y0)
        t0, t1 = max(0.0, min(a, b)), min(1.0, max(a, b))
    if t0 > t1:
        return 0, -1
    xa, xb = x0 + t0 * (x1 - x0), x0 + t1 * (x1 - x0)
    step, columns = frame[1], int(frame[3])
    first = math.floor((min(xa, xb) - 2.0 * PAD_DEG + 180.0) / step)
    last = math.floor((max(xa, xb) + 2.0 * PAD_DEG + 180.0) / step)
    return max(0, first), min(columns - 1, last)


@njit(cache=True)
def chord_crosses(
    chord: np.ndarray,
    area: int,
    boundary: np.ndarray,
    start: np.ndarray,
    edge: np.ndarray,
    segments: np.ndarray,
    frame: np.ndarray,
    stamp: np.ndarray,
) -> int:
    """Whether a chart chord crosses an area's boundary: 0 no, 1 yes, 2 undecided.

    Parameters
    ----------
    chord
        lon1, lat1, lon2, lat2 [deg], longitudes in (-180, 180) and less than
        180 degrees apart.
    area
        Index of the area in the stacked arrays (:class:`EdgeStack`).
    frame
        South [deg], cell side [deg], rows and columns of the grid.
    stamp
        Scratch space, one int64 per segment and one more (the chord count),
        marking the segments tested.

    Notes
    -----
    The cells tested are, row by row, those the chord's stretch in the row's
    band of latitudes touches (both widened by twice ``PAD_DEG``); rows
    beyond the grid hold no boundary of a bounded area.
    """
    south, step = frame[0], frame[1]
    rows, columns = int(frame[2]), int(frame[3])
    x0, y0, x1, y1 = chord[0], chord[1], chord[2], chord[3]
    # rows beyond the grid hold no boundary of a bounded area (see point_class)
    r0 = min(rows, max(0, math.floor((min(y0, y1) - south) / step)))
    r1 = min(rows, max(0, math.floor((max(y0, y1) - south) / step) + 1))
    c0 = math.floor((min(x0, x1) + 180.0) / step)
    c1 = math.floor((max(x0, x1) + 180.0) / step) + 1
    table = boundary[area]
    if table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0] == 0:
        return 0
    stamp[-1] += 1
    token = stamp[-1]
    low_row = max(0, math.floor((min(y0, y1) - 2.0 * PAD_DEG - south) / step))
    high_row = math.floor((max(y0, y1) + 2.0 * PAD_DEG - south) / step)
    for row in range(low_row, min(rows - 1, high_row) + 1):
        low = south + row * step - 2.0 * PAD_DEG
        first, last = _columns(chord, low, low + step + 4.0 * PAD_DEG, frame)
        for cell in range(row * columns + first, row * columns + last + 1):
            for entry in range(start[area, cell], start[area, cell + 1]):
                s = edge[entry]
                if stamp[s] == token:
                    continue
                stamp[s] = token
                meet = _meet(chord, segments, s)
                if meet != 0:
                    return meet
    return 0


@njit(cache=True)
def point_class(
    x: float, y: float, area: int, bounded: bool, state: np.ndarray, frame: np.ndarray
) -> int:
    """Class of the cell of a point [deg] for one area; -1 if unknown.

    Beyond the band of latitudes, ``OUTSIDE`` when the area is ``bounded`` (it
    lies in the band, a cell from its edges); unknown at longitude +-180.
    """
    south, step = frame[0], frame[1]
    rows, columns = int(frame[2]), int(frame[3])
    if not (-180.0 < x < 180.0 and abs(y) <= 90.0):
        return -1
    row = math.floor((y - south) / step)
    if 0 <= row < rows:
        return int(state[area, row, min(columns - 1, math.floor((x + 180.0) / step))])
    return OUTSIDE if bounded else -1
