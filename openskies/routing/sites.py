"""The sites of a route plan: input validation, grouping and sensor coverage.

Internal to :mod:`openskies.routing.planner`.  Sites come as a GeoDataFrame of points
with a ``value`` column; sites at the same position (to 1e-6 degree, the
precision at which ``check_route`` compares waypoints) are flown over once and
form one *group*.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from openskies.errors import GeometryError, OptionsError
from openskies.geo.geodesy import densify_legs, geodesic_km
from openskies.geo.sites import MAX_VALUE
from openskies.rules.registry import REPEAT_DECIMALS

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.geo.route import Route

__all__ = ["MAX_SITES", "SiteTable", "covered_by_track"]

#: Most sites a plan takes.  Only the sites a route can reach by straight legs,
#: at most 2,000 groups of them (:mod:`openskies.routing.candidates`), enter the
#: detour network and the dense distance matrix, so set-up and memory stay
#: bounded (about 3 s and 0.4 GB at 10,000 sites over Russia; see
#: ``benchmarks/bench_planner_scale.py``).
MAX_SITES = 20_000

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON = 111.320
#: Spacing of track points for the swath test [km]; a site is counted covered
#: when a track point lies within the swath, so the test never over-claims.
_TRACK_SPACING_KM = 1.0


@dataclass(frozen=True, eq=False)
class SiteTable:
    """Validated sites: labels, positions [deg] and values, in input order.

    Attributes
    ----------
    index
        The input's pandas index (labels of the sites).
    lon, lat, value
        Position and value of each site.
    """

    index: Any
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    value: NDArray[np.float64]

    @property
    def labels(self) -> tuple[Hashable, ...]:
        """Site labels (the index values)."""
        return tuple(_plain(v) for v in self.index)

    @classmethod
    def of(cls, sites: object) -> SiteTable:
        """Validate a GeoDataFrame of sites.

        Raises
        ------
        OptionsError
            If ``sites`` is not a GeoDataFrame, has more than :data:`MAX_SITES`
            rows, has no numeric ``value`` column, a value is negative, not
            finite or above ``openskies.geo.sites.MAX_VALUE``, or index labels
            repeat.
        GeometryError
            If a geometry is missing, not a point, or out of range.
        """
        import geopandas

        frame: Any = sites
        if not isinstance(frame, geopandas.GeoDataFrame):
            raise OptionsError(
                f"sites must be a GeoDataFrame of points with a 'value' column; got "
                f"{type(frame).__name__} (use geopandas.read_file or "
                "geopandas.GeoDataFrame(..., geometry=geopandas.points_from_xy(lon, "
                "lat), crs='EPSG:4326'))"
            )
        if len(frame) > MAX_SITES:
            raise OptionsError(
                f"sites has {len(frame):,} rows; a route plan takes at most "
                f"{MAX_SITES:,} sites; keep the sites of most value or merge nearby "
                "ones"
            )
        if "value" not in frame.columns:
            raise OptionsError(
                "sites has no 'value' column; add one with the value of observing "
                f"each site (columns: {', '.join(map(str, frame.columns))})"
            )
        if not frame.index.is_unique:
            twice = frame.index[frame.index.duplicated()][0]
            raise OptionsError(
                f"site labels must be unique; {twice!r} appears more than once "
                "(reset_index() gives every site its own label)"
            )
        if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
            frame = frame.to_crs("EPSG:4326")
        flags = [v for v in frame["value"] if isinstance(v, bool | np.bool_)]
        if flags:
            raise OptionsError(
                f"sites 'value' must be numbers from 0 to {MAX_VALUE:g}; got "
                f"{flags[0]!r} (a yes/no flag is not a value)"
            )
        try:
            value = np.asarray(frame["value"], dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise OptionsError(
                "sites 'value' must be numbers from 0 to "
                f"{MAX_VALUE:g}; got values such as {frame['value'].iloc[0]!r:.60}"
            ) from None
        bad = np.flatnonzero(~((value >= 0) & (value <= MAX_VALUE)))
        if bad.size:
            raise OptionsError(
                f"site {_plain(frame.index[bad[0]])!r} has value {value[bad[0]]}; "
                f"values must be finite and >= 0 (at most {MAX_VALUE:g})"
            )
        geometry = frame.geometry
        for label, point in zip(frame.index, geometry, strict=True):
            if point is None or point.is_empty or point.geom_type != "Point":
                kind = "no geometry" if point is None else point.geom_type
                raise GeometryError(
                    f"site {_plain(label)!r} has {kind}; every site must be a Point "
                    "(lon, lat)"
                )
        lon = np.asarray(geometry.x, dtype=np.float64)
        lat = np.asarray(geometry.y, dtype=np.float64)
        wrong = np.flatnonzero(
            ~np.isfinite(lon)
            | ~np.isfinite(lat)
            | (np.abs(lat) > 90)
            | (np.abs(lon) > 180)
        )
        if wrong.size:
            k = int(wrong[0])
            raise GeometryError(
                f"site {_plain(frame.index[k])!r} is at lon {lon[k]}, lat {lat[k]}; "
                "give (lon, lat) in degrees with |lat| <= 90 and |lon| <= 180"
            )
        return cls(frame.index, lon, lat, value)

    def groups(self, rows: NDArray[np.intp]) -> list[list[int]]:
        """Group ``rows`` by position (1e-6 degree), in order of first appearance."""
        found: dict[tuple[float, float], list[int]] = {}
        for k in rows.tolist():
            found.setdefault(position_key(self.lon[k], self.lat[k]), []).append(k)
        return list(found.values())


def position_key(lon: float, lat: float) -> tuple[float, float]:
    """Return a position as ``check_route`` compares waypoints."""
    return (round(float(lon), REPEAT_DECIMALS), round(float(lat), REPEAT_DECIMALS))


def _plain(value: object) -> Hashable:
    """Return numpy scalars as Python scalars (labels that print and serialise)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def covered_by_track(
    route: Route,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    swath_km: float,
) -> NDArray[np.bool_]:
    """Return which points lie within ``swath_km`` of the route's observation legs.

    The observation legs are densified every kilometre along their geodesics
    and a point counts as covered when a track point lies within the swath
    (geodesic distance), which can miss a point up to about 0.1 km inside the
    swath's edge but never counts one outside.  Transit legs (sensors off) do
    not cover anything.
    """
    import shapely

    covered = np.zeros(lon.size, dtype=bool)
    legs = np.flatnonzero(~np.asarray(route.transit, dtype=bool))
    if swath_km <= 0 or legs.size == 0 or lon.size == 0:
        return covered
    way = np.asarray(route.waypoints, dtype=np.float64)
    track_lon, track_lat, _, _ = densify_legs(
        way[legs, 0],
        way[legs, 1],
        way[legs + 1, 0],
        way[legs + 1, 1],
        max_spacing_km=_TRACK_SPACING_KM,
    )
    track = np.atleast_1d(np.asarray(shapely.points(track_lon, track_lat), object))
    tree = shapely.STRtree(track)
    half_lat = swath_km / _KM_PER_DEG_LAT
    pole = np.radians(np.minimum(np.abs(lat) + half_lat, 89.9))
    half_lon = np.minimum(swath_km / (_KM_PER_DEG_LON * np.cos(pole)), 180.0)
    boxes = shapely.box(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)
    site, point = tree.query(boxes)
    if site.size:
        km = geodesic_km(lon[site], lat[site], track_lon[point], track_lat[point])
        nearest = np.full(lon.size, math.inf)
        np.minimum.at(nearest, site, km)
        covered = nearest <= swath_km
    return covered
