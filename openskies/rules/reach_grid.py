"""The grid of nodes the reachable area is searched on (:mod:`.reach`).

Nodes lie at the centres of cells about ``resolution_km`` wide inside the
legal part of a territory (territory less excluded zones), row by row of
latitude, on unwrapped longitudes so that territories across the antimeridian
form one grid.

References
----------
Treaty on Open Skies, Art. II.11, VI.II.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from openskies.errors import OptionsError
from openskies.geo.geodesy import fold_antimeridian

if TYPE_CHECKING:
    from numpy.typing import NDArray
    from shapely.geometry.base import BaseGeometry

__all__ = ["MAX_GRID_NODES", "Grid", "longitude_window"]

#: Most grid nodes a reachable area is computed on (memory bound).
MAX_GRID_NODES = 600_000
_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320


@dataclass(frozen=True)
class Grid:
    """Nodes inside the legal part of a territory, with their cell sizes."""

    lon: NDArray[np.float64]  # unwrapped longitude [deg]
    lat: NDArray[np.float64]
    row: NDArray[np.intp]
    column: NDArray[np.intp]
    row_lat: NDArray[np.float64]
    row_step: NDArray[np.float64]  # longitude step of each row [deg]
    lat_step: float
    west: float  # unwrapped western edge of the grid [deg]

    @classmethod
    def of(
        cls,
        territory: BaseGeometry,
        zones: list[BaseGeometry],
        resolution_km: float,
        name: str,
    ) -> Grid:
        """Build the grid; refuse more than MAX_GRID_NODES nodes before building."""
        import shapely

        west, span = longitude_window(territory)
        _, south, _, north = territory.bounds
        lat_step = resolution_km / _KM_PER_DEG_LAT
        row_lat = np.arange(south + lat_step / 2.0, north, lat_step)
        cos = np.maximum(np.cos(np.radians(row_lat)), 1e-3)
        row_step = np.minimum(resolution_km / (_KM_PER_DEG_LON * cos), 360.0)
        columns = np.ceil(span / row_step).astype(np.intp)
        if (total := int(columns.sum())) > MAX_GRID_NODES:
            finest = math.ceil(resolution_km * math.sqrt(total / MAX_GRID_NODES))
            raise OptionsError(
                f"resolution_km={resolution_km:g} gives {total:,} grid nodes over "
                f"the territory of {name}, more than the {MAX_GRID_NODES:,} allowed "
                f"(memory); use resolution_km={finest} or coarser"
            )
        row = np.repeat(np.arange(row_lat.size), columns)
        column = np.arange(row.size) - np.repeat(np.cumsum(columns) - columns, columns)
        lon = west + (column + 0.5) * row_step[row]
        lat = row_lat[row]
        wrapped = (lon + 180.0) % 360.0 - 180.0
        keep = shapely.contains_xy(territory, wrapped, lat)
        for zone in zones:
            keep &= ~shapely.contains_xy(zone, wrapped, lat)
        return cls(
            lon[keep],
            lat[keep],
            row[keep],
            column[keep],
            row_lat,
            row_step,
            lat_step,
            west,
        )

    def neighbours(self) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Return node pairs joined on the grid: east, and three in the row above."""
        rows = self.row_lat.size
        columns = np.ceil(360.0 / self.row_step).astype(np.int64) + 2
        key = self.row.astype(np.int64) * int(columns.max()) + self.column
        order = np.argsort(key)
        sorted_key = key[order]

        def find(row: NDArray[np.intp], column: NDArray[np.intp]) -> NDArray[np.intp]:
            wanted = row.astype(np.int64) * int(columns.max()) + column
            at = np.clip(np.searchsorted(sorted_key, wanted), 0, key.size - 1)
            return np.where(sorted_key[at] == wanted, order[at], -1)

        index = np.arange(self.lon.size)
        pairs = [(index, find(self.row, self.column + 1))]
        above = self.row + 1
        valid = above < rows
        up = np.where(valid, above, 0)
        centre = np.floor((self.lon - self.west) / self.row_step[up] - 0.5).astype(
            np.intp
        )
        for shift in (0, 1, -1, 2):
            other = find(up, centre + shift)
            pairs.append((index, np.where(valid, other, -1)))
        a = np.concatenate([p[0] for p in pairs])
        b = np.concatenate([p[1] for p in pairs])
        return a[b >= 0], b[b >= 0]

    def legs(
        self, a: NDArray[np.intp], b: NDArray[np.intp], start: tuple[float, float]
    ) -> NDArray[np.float64]:
        """Return legs between nodes (index -1: the airfield at ``start``).

        Returns
        -------
        numpy.ndarray
            (n, 4) rows of ``lon1, lat1, lon2, lat2`` [deg], longitudes in
            [-180, 180).
        """
        lon = np.append((self.lon + 180.0) % 360.0 - 180.0, start[0])
        lat = np.append(self.lat, start[1])
        return np.column_stack((lon[a], lat[a], lon[b], lat[b]))

    def layer(
        self,
        reached: NDArray[np.bool_],
        territory: BaseGeometry,
        zones: list[BaseGeometry],
    ) -> BaseGeometry:
        """Return the cells of the reached nodes, in the territory, out of zones."""
        import shapely

        if not reached.any():
            return shapely.Polygon()
        # runs of reached nodes side by side in a row make one strip each, so
        # that the union joins a few thousand strips rather than every cell
        row, column = self.row[reached], self.column[reached]
        lon, lat = self.lon[reached], self.lat[reached]
        cut = np.flatnonzero((np.diff(row) != 0) | (np.diff(column) != 1)) + 1
        first, last = np.append(0, cut), np.append(cut, row.size) - 1
        half = self.row_step[row[first]] / 2.0
        cells = shapely.box(
            lon[first] - half,
            lat[first] - self.lat_step / 2.0,
            lon[last] + half,
            lat[first] + self.lat_step / 2.0,
        )
        layer = shapely.intersection(
            fold_antimeridian(shapely.union_all(cells)), territory
        )
        for zone in zones:
            layer = shapely.difference(layer, zone)
        return layer


def longitude_window(territory: BaseGeometry) -> tuple[float, float]:
    """Return (west, span): the territory's longitudes lie in [west, west + span]."""
    import shapely

    lons = np.unique(shapely.get_coordinates(territory)[:, 0])
    gaps = np.diff(np.append(lons, lons[0] + 360.0))
    widest = int(np.argmax(gaps))
    west = lons[(widest + 1) % lons.size]
    return float(west), float(360.0 - gaps[widest])
