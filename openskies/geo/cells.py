"""A grid of cells classified once per area as inside, outside or boundary.

:class:`CellGrid` covers every longitude and a band of latitudes with square
cells of ``step`` degrees (0.1 by default: 11 km north-south, 5.5 km east-west
at 60 N).  Each cell is *inside* (its closed box lies in the area's interior),
*outside* (in its exterior) or *boundary* (anything else); a point's cell is a
vectorised look-up (tens of millions of points per second), so only points and
legs near the area's boundary need an exact GEOS test.

Exactness
---------
The classification never claims more than is true:

* A cell is *boundary* when the bounding box of some piece of the area's
  boundary (every ring of every polygon, holes and antimeridian cuts
  included), widened by twice ``PAD_DEG`` (1e-9 deg, far above rounding),
  overlaps the half-open cell ``[c, c + 1) * step`` (found by ``floor``): so
  every cell whose closed box lies within ``PAD_DEG`` of a boundary point is a
  boundary cell.  Long boundary segments are first split into pieces at
  most half a cell long (the pieces' boxes cover the segment).  So the closed
  box of any other cell, widened by ``PAD_DEG``, holds no boundary point: it is
  connected and lies wholly in the interior or wholly in the exterior, and
  the centre of the cell (tested with GEOS ``contains_xy``) says which.  Two
  neighbouring non-boundary cells of one row share an edge free of boundary,
  so they have the same class: one centre per run of such cells is tested.
* A point is looked up by ``floor``; rounding may place a point exactly on a
  cell edge (or within 1e-12 deg of it) in the neighbouring cell, which is
  harmless because classes hold on the widened boxes.
* The *block* of radius ``r`` around a cell is the rectangle of ``2r + 1``
  rows and ``2w + 1`` columns centred on it (``w`` per row, so that blocks are
  about as wide as tall in km; every row of the block is tested with at least
  that width); :attr:`CellGrid.inner` / :attr:`CellGrid.outer` give,
  per cell, a distance [km] such that every point of the cell's box lies in a
  block of inside / outside cells for all points within that geodesic distance
  on WGS84.  Proof: a path leaving the block crosses either a latitude edge,
  at least ``r * step`` degrees of latitude away (length >= ``r * step *
  110.57`` km, as ``ds >= M dphi`` and the meridian radius ``M`` is at least
  ``a (1 - e**2)``), or a longitude edge ``w * step`` degrees of longitude
  away while staying in the block's band of latitudes (length >= ``w * step``
  in radians times ``a cos(phi_max)``, as ``ds >= N cos(phi) dlambda`` and
  ``N >= a``).  Blocks are narrower than 180 deg, so a chart chord between two
  points of one block (the short way round) stays in it.
* Points beyond the latitude band are *unknown*: boundary class, distance 0.

References
----------
Treaty on Open Skies, Art. II.11 (territory), VI.II.4 (10 km border zone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from openskies.caching import cached

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "BOUNDARY",
    "INSIDE",
    "OUTSIDE",
    "PAD_DEG",
    "CellGrid",
    "band_of",
    "boundary_pieces",
    "cell_grid",
]

OUTSIDE, INSIDE, BOUNDARY = 0, 1, 2
#: Widening of boundary pieces' boxes, far above coordinate rounding [deg].
PAD_DEG = 1e-9
_RADII = (1, 2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 90, 128, 181, 256)  # [cells]
_KM_PER_DEG_MERIDIAN = 110.57  # a (1 - e**2) pi / 180, rounded down
_A_KM = 6378.137  # WGS84 equatorial radius
_ROUNDING_KM = 0.001
_MARGIN_DEG = 2.0  # band of latitudes beyond a territory's [deg]


@dataclass(frozen=True)
class CellGrid:
    """Cells of one area over a band of latitudes, every longitude.

    Attributes
    ----------
    south
        Latitude of the southern edge of the first row [deg].
    step
        Cell side [deg].
    state
        Class of each cell (rows of latitude, columns of longitude from
        -180): ``OUTSIDE``, ``INSIDE`` or ``BOUNDARY``.
    """

    south: float
    step: float
    state: NDArray[np.int8]

    @cached_property
    def inner(self) -> NDArray[np.float32]:
        """Geodesic distance [km] within which each cell's points stay inside.

        0 where the cell is not inside; computed on first use.
        """
        return _clearance(self.state == INSIDE, self.south, self.step)

    @cached_property
    def outer(self) -> NDArray[np.float32]:
        """Geodesic distance [km] within which each cell's points stay outside."""
        return _clearance(self.state == OUTSIDE, self.south, self.step)

    @classmethod
    def of(
        cls, area: BaseGeometry, south: float, north: float, step: float = 0.1
    ) -> CellGrid:
        """Classify the cells of ``area`` between latitudes ``south`` and ``north``."""
        rows = max(1, math.ceil((north - south) / step))
        columns = round(360.0 / step)
        marked = _boundary_cells(area, south, step, rows, columns)
        return cls(south, step, _classify(area, marked, south, step))

    def cells(
        self, lon: ArrayLike, lat: ArrayLike
    ) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.bool_]]:
        """Return the row, column and whether in the band of each point [deg]."""
        rows, columns = self.state.shape
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        finite = np.isfinite(lon) & np.isfinite(lat)
        row = np.floor(
            (np.where(finite, lat, self.south - 1.0) - self.south) / self.step
        )
        known = finite & (row >= 0) & (row < rows)
        # +180 and -180 share column 0 (both are boundary cells where an area
        # meets the antimeridian, see _boundary_cells)
        column = np.floor(((np.where(finite, lon, 0.0) + 180.0) % 360.0) / self.step)
        column = column.astype(np.intp) % columns
        return np.where(known, row, 0).astype(np.intp), column, known

    @cached_property
    def _counts(self) -> dict[int, NDArray[np.int32]]:
        """Summed-area tables of the cells not inside / not outside."""
        tables = {}
        for kind in (INSIDE, OUTSIDE):
            table = np.zeros(
                (self.state.shape[0] + 1, self.state.shape[1] + 1), np.int32
            )
            np.cumsum(np.cumsum(self.state != kind, axis=0), axis=1, out=table[1:, 1:])
            tables[kind] = table
        return tables

    def chords(
        self, coords: NDArray[np.float64], line: NDArray[np.intp], kind: int
    ) -> NDArray[np.bool_]:
        """Whether every chart chord of each line lies in cells of class ``kind``.

        Parameters
        ----------
        coords
            Vertices of the lines, (n, 2) of (lon, lat) [deg], line after line,
            none crossing the antimeridian between two vertices.
        line
            Line of each vertex (non-decreasing, from 0).
        kind
            ``INSIDE`` or ``OUTSIDE``.

        Returns
        -------
        numpy.ndarray
            Per line (``line.max() + 1``), True when every vertex is in a cell
            of class ``kind`` and so are the cells of the index rectangle
            spanned by each pair of consecutive vertices (whose closed boxes
            cover the chord).
        """
        columns = self.state.shape[1]
        row, _, known = self.cells(coords[:, 0], coords[:, 1])
        known &= np.abs(coords[:, 0]) <= 180.0
        # +180 is in the last column here: a chord's cells span its box
        lon = np.clip(np.nan_to_num(coords[:, 0]), -180.0, 180.0)
        column = np.floor((lon + 180.0) / self.step).astype(np.intp)
        column = np.clip(column, 0, columns - 1)
        same = line[1:] == line[:-1]
        r0, r1 = np.minimum(row[:-1], row[1:]), np.maximum(row[:-1], row[1:]) + 1
        c0 = np.minimum(column[:-1], column[1:])
        c1 = np.maximum(column[:-1], column[1:]) + 1
        table = self._counts[kind]
        bad = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
        lines = int(line[-1]) + 1 if line.size else 0
        vertex = ~known | (self.state[row, column] != kind)
        failed = np.bincount(line[vertex], minlength=lines) > 0
        failed |= np.bincount(line[:-1][same & (bad > 0)], minlength=lines) > 0
        return np.asarray(~failed, dtype=bool)

    def classify(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int8]:
        """Return the class of each point's cell (``BOUNDARY`` beyond the band)."""
        row, column, known = self.cells(lon, lat)
        return np.where(known, self.state[row, column], np.int8(BOUNDARY))

    def clearance(
        self, lon: ArrayLike, lat: ArrayLike, inside: bool
    ) -> NDArray[np.float32]:
        """Return :attr:`inner` (``inside``) or :attr:`outer` at each point [km]."""
        row, column, known = self.cells(lon, lat)
        table = self.inner if inside else self.outer
        return np.where(known, table[row, column], np.float32(0.0))


def boundary_pieces(
    area: BaseGeometry, south: float, step: float, rows: int, columns: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
    """Return the cells each boundary segment of ``area`` may touch (see the notes).

    Returns
    -------
    row, column, segment
        One entry per (cell, segment) pair found (repeats possible): the
        cell's row and column and the segment's index.
    segments
        Every boundary segment, (k, 4) of lon1, lat1, lon2, lat2 [deg].
    """
    import shapely

    rings = shapely.get_rings(shapely.get_parts(area))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    segments = np.ascontiguousarray(np.hstack((a, b)))
    nothing = np.zeros(0, dtype=np.intp)
    if not a.size:
        return nothing, nothing, nothing, segments
    # split segments into pieces at most half a cell long in both directions
    pieces = np.maximum(np.ceil(np.abs(b - a).max(axis=1) / (step / 2.0)), 1)
    which = np.repeat(np.arange(a.shape[0]), pieces.astype(np.intp))
    first = np.repeat(np.cumsum(pieces) - pieces, pieces.astype(np.intp))
    k = np.arange(which.size) - first
    t0 = (k / pieces[which])[:, np.newaxis]
    t1 = ((k + 1) / pieces[which])[:, np.newaxis]
    p, q = a[which] + t0 * (b - a)[which], a[which] + t1 * (b - a)[which]
    # widened by twice the pad: a cell box within PAD_DEG of a boundary point
    # overlaps the half-open cells [c, c + 1) * step the floors below assign
    low = np.minimum(p, q) - 2.0 * PAD_DEG
    high = np.maximum(p, q) + 2.0 * PAD_DEG
    # a box spans at most two cells per axis (half a cell long, padded)
    c0 = np.floor((low[:, 0] + 180.0) / step).astype(np.intp)
    c1 = np.floor((high[:, 0] + 180.0) / step).astype(np.intp)
    r0 = np.floor((low[:, 1] - south) / step).astype(np.intp)
    r1 = np.floor((high[:, 1] - south) / step).astype(np.intp)
    row = np.concatenate((r0, r0, r1, r1))
    column = np.concatenate((c0, c1, c0, c1)) % columns
    segment = np.tile(which, 4)
    ok = (row >= 0) & (row < rows)
    return row[ok], column[ok], segment[ok], segments


def _boundary_cells(
    area: BaseGeometry, south: float, step: float, rows: int, columns: int
) -> NDArray[np.bool_]:
    """Mark the cells that the widened boxes of the boundary's pieces touch."""
    marked = np.zeros((rows, columns), dtype=bool)
    row, column, _, _ = boundary_pieces(area, south, step, rows, columns)
    marked[row, column] = True
    return marked


def _classify(
    area: BaseGeometry, marked: NDArray[np.bool_], south: float, step: float
) -> NDArray[np.int8]:
    """Class of every cell: one GEOS test per run of unmarked cells in a row."""
    import shapely

    rows, columns = marked.shape
    flat = marked.ravel()
    index = np.arange(flat.size)
    starts = ~flat & ((index % columns == 0) | np.concatenate(([True], flat[:-1])))
    run = np.cumsum(starts) - 1
    heads = np.flatnonzero(starts)
    lon = -180.0 + (heads % columns + 0.5) * step
    lat = south + (heads // columns + 0.5) * step
    shapely.prepare(area)
    inside = shapely.contains_xy(area, lon, lat)
    state = np.where(inside, np.int8(INSIDE), np.int8(OUTSIDE))[run]
    state[flat] = BOUNDARY
    return np.asarray(state.reshape(rows, columns), dtype=np.int8)


def _lon_eroded(
    mask: NDArray[np.bool_], half: NDArray[np.intp], cap: int
) -> NDArray[np.bool_]:
    """Cells whose ``2 half[row] + 1`` cells of their row lie in ``mask`` (wrap)."""
    columns = mask.shape[1]
    bad = (~mask).astype(np.int32)
    wrapped = np.concatenate((bad[:, columns - cap :], bad, bad[:, :cap]), axis=1)
    total = np.cumsum(np.pad(wrapped, ((0, 0), (1, 0))), axis=1)
    column = np.arange(columns)[np.newaxis, :] + cap
    width = half[:, np.newaxis]
    count = np.take_along_axis(total, column + width + 1, axis=1)
    count -= np.take_along_axis(total, column - width, axis=1)
    return np.asarray(count == 0, dtype=bool)


def _lat_eroded(mask: NDArray[np.bool_], radius: int) -> NDArray[np.bool_]:
    """Cells whose ``2 radius + 1`` cells of their column lie in ``mask``."""
    rows = mask.shape[0]
    bad = np.pad(
        (~mask).astype(np.int32), ((radius + 1, radius), (0, 0)), constant_values=1
    )
    total = np.cumsum(bad, axis=0)
    width = 2 * radius + 1
    return np.asarray((total[width:] - total[:-width])[:rows] == 0, dtype=bool)


def _clearance(
    mask: NDArray[np.bool_], south: float, step: float
) -> NDArray[np.float32]:
    """Per cell, a geodesic distance [km] staying in a block of cells of ``mask``.

    Blocks of ``2 r + 1`` rows and ``2 w + 1`` columns, ``w`` chosen per row so
    that the block is about as wide as it is tall [km]; the best of the radii
    ``r`` tried is kept.
    """
    rows, columns = mask.shape
    best = np.zeros(mask.shape)
    edges = np.abs(south + np.arange(rows + 1) * step)
    cap = (columns // 2 - 2) // 2  # blocks narrower than 180 deg
    row = np.arange(rows)
    per_degree = math.radians(1.0) * _A_KM
    for r in _RADII:
        if 2 * r + 1 > rows:
            break
        # poleward latitude of any block of radius r holding the row
        far = np.maximum(
            edges[np.clip(row - 2 * r, 0, rows)],
            edges[np.clip(row + 2 * r + 1, 0, rows)],
        )
        cos = np.cos(np.radians(np.minimum(far, 90.0)))
        wide = r * _KM_PER_DEG_MERIDIAN / np.maximum(per_degree * cos, 1e-9)
        half = np.minimum(np.ceil(wide), cap).astype(np.intp)
        eroded = _lat_eroded(_lon_eroded(mask, half, cap), r)
        if not eroded.any():
            break
        # narrowest row of each block, and the block's poleward latitude
        padded = np.pad(half, r, constant_values=cap)
        narrow = np.lib.stride_tricks.sliding_window_view(padded, 2 * r + 1).min(axis=1)
        pole = np.maximum(
            edges[np.clip(row - r, 0, rows)], edges[np.clip(row + r + 1, 0, rows)]
        )
        across = (
            narrow
            * math.radians(step)
            * _A_KM
            * np.cos(np.radians(np.minimum(pole, 90.0)))
        )
        km = np.minimum(across, r * step * _KM_PER_DEG_MERIDIAN)[:, np.newaxis]
        best = np.where(eroded, np.maximum(best, km), best)
    # less a metre: float32 rounding stays a lower bound
    return np.asarray(np.maximum(best - _ROUNDING_KM, 0.0), dtype=np.float32)


@cached(maxsize=64)
def _grid(wkb: bytes, south: float, north: float, step: float) -> CellGrid:
    import shapely

    return CellGrid.of(shapely.from_wkb(wkb), south, north, step)


def cell_grid(
    area: BaseGeometry, south: float, north: float, step: float = 0.1
) -> CellGrid:
    """Return the :class:`CellGrid` of ``area``, built once per content and band.

    Parameters
    ----------
    area
        (Multi)polygon in EPSG:4326, cut at the antimeridian [deg].
    south, north
        Band of latitudes covered [deg]; points beyond are unknown.
    step
        Cell side [deg].
    """
    import shapely

    return _grid(shapely.to_wkb(area), float(south), float(north), float(step))


def band_of(territory: BaseGeometry) -> tuple[float, float]:
    """Return the band of latitudes the cells of a territory's rules cover [deg].

    The territory's, widened by 2 degrees (legs that leave it stay known).
    """
    _, south, _, north = territory.bounds
    return max(-90.0, south - _MARGIN_DEG), min(90.0, north + _MARGIN_DEG)
