"""Geodesic lengths, densified geodesic tracks and geodesic buffers on WGS84.

Shapely is planar: a straight segment between two (lon, lat) vertices is a
rhumb-like line on a longitude/latitude chart, not the geodesic an aircraft
flies.  This module turns legs into densified polylines that follow the WGS84
geodesic closely enough for planar predicates in EPSG:4326, cut at the
antimeridian, and measures lengths and buffers geodesically.

Densification
-------------
A leg of length ``s`` is cut into ``n`` equal geodesic pieces so that every
chart chord stays within ``DENSIFY_TOLERANCE_KM`` (100 m) of the geodesic: a
chord of length ``s / n`` on a curve of curvature ``k`` strays at most
``k (s / n)**2 / 8``, and ``k`` is bounded from the leg's largest latitude and
heading (see ``_pieces``); pieces are also at most ``MAX_SPACING_KM`` (100 km)
long.  An east-west leg of 300 km at 55 deg N gets 5 pieces, a meridian leg 3
(meridians are straight on the chart).  100 m is the accuracy of the shipped
territories (their 12 nmi band is good to 70-110 m); an undensified 1,000 km
east-west leg at 68 N strays 70 km from its geodesic.  The tests check the
100 m against GeographicLib.

All functions are vectorised over legs: one ``Geod.inv`` call for every leg of
every route and one ``Geod.fwd`` call for every densified point.

References
----------
C. F. F. Karney, "Algorithms for geodesics", J. Geodesy 87 (2013) 43-55.
Treaty on Open Skies, Art. VI.II.2-4 (legs are straight between declared
points, i.e. geodesics).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from openskies.caching import cached
from openskies.geo.antimeridian import leg_parts, wrap_longitude

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray
    from pyproj import Geod, Transformer
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "DENSIFY_TOLERANCE_KM",
    "LENGTH_ERROR_KM",
    "MAX_SPACING_KM",
    "area_km2",
    "densify_legs",
    "fold_antimeridian",
    "geodesic_buffer",
    "geodesic_inverse",
    "geodesic_km",
    "geodesic_table",
    "leg_parts",
    "leg_pieces",
    "length_km",
    "local_distance_km",
]

#: Largest distance between a densified chord and the geodesic it stands for [km].
DENSIFY_TOLERANCE_KM = 0.1
#: Largest spacing of densified points along any leg [km].
MAX_SPACING_KM = 100.0
#: Bound on the error of the compiled lengths of :func:`geodesic_inverse`
#: against GeographicLib's, per leg [km] (1 mm; 0.1 mm measured).
LENGTH_ERROR_KM = 1e-6
_KM_PER_DEG_LAT = 110.574  # metres per degree of latitude at mid-latitudes, in km
_KM_PER_DEG_LON = 111.320  # km per degree of longitude on the equator
_EARTH_KM = 6371.0  # mean radius


@cached(maxsize=1)
def wgs84() -> Geod:
    """Return the WGS84 ``pyproj.Geod`` shared by the library."""
    from pyproj import Geod

    return Geod(ellps="WGS84")


def geodesic_km(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> NDArray[np.float64]:
    """Return WGS84 geodesic distances between point pairs [km].

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Coordinates [degrees]; arrays broadcast against each other.

    Returns
    -------
    numpy.ndarray
        Distances [km], float64, one per pair.
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (lon1, lat1, lon2, lat2))
    )
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    if flat[0].size == 0:
        return np.zeros(shape)
    _, _, metres = wgs84().inv(flat[0], flat[1], flat[2], flat[3])
    return np.asarray(metres, dtype=np.float64).reshape(shape) / 1000.0


def leg_pieces(
    lat1: NDArray[np.float64],
    lat2: NDArray[np.float64],
    inverse: tuple[NDArray[np.float64], ...],
    tolerance_km: float = DENSIFY_TOLERANCE_KM,
    max_spacing_km: float = MAX_SPACING_KM,
) -> NDArray[np.intp]:
    """Return in how many equal pieces :func:`densify_legs` cuts each leg.

    Compiled (:func:`openskies.geo.vincenty.pieces`), so that the legality
    kernel's densified chords are these bit for bit.

    Parameters
    ----------
    lat1, lat2
        Latitudes of the ends of each leg [deg].
    inverse
        Forward and back azimuths [deg] and lengths [m] of the legs
        (:func:`geodesic_inverse`).
    tolerance_km, max_spacing_km
        As for :func:`densify_legs` [km].
    """
    from openskies.geo.vincenty import pieces

    azimuth, back, metres = (np.ascontiguousarray(x, dtype=np.float64) for x in inverse)
    south, north = (np.ascontiguousarray(x, dtype=np.float64) for x in (lat1, lat2))
    limits = np.array([tolerance_km, max_spacing_km])
    count = pieces(south, north, azimuth, back, metres, limits)
    return np.asarray(count, dtype=np.intp)


def densify_legs(
    lon1: ArrayLike,
    lat1: ArrayLike,
    lon2: ArrayLike,
    lat2: ArrayLike,
    *,
    tolerance_km: float = DENSIFY_TOLERANCE_KM,
    max_spacing_km: float = MAX_SPACING_KM,
    inverse: tuple[NDArray[np.float64], ...] | None = None,
) -> tuple[
    NDArray[np.float64], NDArray[np.float64], NDArray[np.intp], NDArray[np.float64]
]:
    """Densify legs along their WGS84 geodesics.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Start and end of each leg [degrees], 1-d arrays of one length.
    tolerance_km
        Largest chart deviation of a densified chord from the geodesic [km].
    max_spacing_km
        Largest spacing of densified points [km].
    inverse
        Forward and back azimuths [deg] and lengths [m] of the legs, as
        :func:`geodesic_inverse` returns them, when already known.

    Returns
    -------
    lon, lat
        Densified points, each leg from its start to its end inclusive, legs in
        order [degrees, longitudes in -180..180].
    leg
        Index of the leg of each point (non-decreasing).
    length_km
        Geodesic length of each leg [km].
    """
    starts_lon, starts_lat, ends_lon, ends_lat = (
        np.ascontiguousarray(a, dtype=np.float64).ravel()
        for a in (lon1, lat1, lon2, lat2)
    )
    count = starts_lon.size
    if count == 0:
        empty = np.zeros(0)
        return empty, empty, np.zeros(0, dtype=np.intp), empty
    from openskies.geo.vincenty import points

    geod = wgs84()
    azimuth, back, metres = (
        geodesic_inverse(starts_lon, starts_lat, ends_lon, ends_lat)
        if inverse is None
        else inverse
    )
    pieces = leg_pieces(
        starts_lat, ends_lat, (azimuth, back, metres), tolerance_km, max_spacing_km
    )
    sizes = pieces + 1
    ends = np.cumsum(sizes)
    offsets = ends - sizes
    leg = np.repeat(np.arange(count), sizes)
    lon = np.empty(leg.size)
    lat = np.empty(leg.size)
    lon[offsets], lat[offsets] = starts_lon, starts_lat
    lon[ends - 1], lat[ends - 1] = ends_lon, ends_lat
    inner_count = pieces - 1
    if inner_count.any():
        which = np.repeat(np.arange(count), inner_count)
        inner_ends = np.cumsum(inner_count)
        step = np.arange(which.size) - (inner_ends - inner_count)[which] + 1
        position = offsets[which] + step
        inner_lon, inner_lat = np.empty(which.size), np.empty(which.size)
        done = points(
            starts_lon,
            starts_lat,
            azimuth,
            metres,
            pieces.astype(np.int64),
            inner_lon,
            inner_lat,
        )
        rest = np.flatnonzero(~done[which])
        if rest.size:  # from near a pole: GeographicLib
            inner_lon[rest], inner_lat[rest], _ = geod.fwd(
                starts_lon[which[rest]],
                starts_lat[which[rest]],
                azimuth[which[rest]],
                metres[which[rest]] * (step[rest] / pieces[which[rest]]),
                inplace=True,
            )
        lon[position], lat[position] = inner_lon, inner_lat
    return lon, lat, leg, np.asarray(metres, dtype=np.float64) / 1000.0


def geodesic_inverse(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return forward and back azimuths [deg] and lengths [m] of legs (WGS84).

    Compiled Vincenty inverse (:mod:`openskies.geo.vincenty`, within 0.1 mm
    of GeographicLib), with ``pyproj.Geod.inv`` for the legs it leaves.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Start and end of each leg [degrees], 1-d float64 arrays of one length.
    """
    from openskies.geo.vincenty import inverse

    ends = [np.ascontiguousarray(x, dtype=np.float64) for x in (lon1, lat1, lon2, lat2)]
    azimuth, back, metres, done = inverse(*ends)
    rest = np.flatnonzero(~done)
    if rest.size:  # nearly antipodal, polar or coincident: GeographicLib
        # pyproj writes results into its inputs with inplace=True: pass copies
        x1, y1, x2, y2 = (x[rest] for x in ends)
        results = wgs84().inv(x1, y1, x2, y2, inplace=True)
        for out, result in zip((azimuth, back, metres), results, strict=True):
            out[rest] = result
    return azimuth, back, metres


def geodesic_table(
    lon1: NDArray[np.float64],
    lat1: NDArray[np.float64],
    lon2: NDArray[np.float64],
    lat2: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Return the lengths of legs, their azimuths left for later (WGS84).

    As :func:`geodesic_inverse`, the azimuths deferred: a table (n, 4) of
    forward and back azimuths [deg] (NaN until
    :func:`~openskies.geo.vincenty.azimuths_of` fills them in, with the same
    bits as :func:`geodesic_inverse`), length [m] and the auxiliary longitude
    difference [rad] of each leg.  The legs the compiled inverse leaves get
    GeographicLib's azimuths and lengths at once (and NaN for the last).

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Start and end of each leg [degrees], 1-d float64 arrays of one length.
    """
    from openskies.geo.vincenty import lengths

    ends = [np.ascontiguousarray(x, dtype=np.float64) for x in (lon1, lat1, lon2, lat2)]
    metres, lam, done = lengths(*ends)
    table = np.empty((metres.size, 4))
    table[:, 0] = table[:, 1] = np.nan
    table[:, 2], table[:, 3] = metres, lam
    rest = np.flatnonzero(~done)
    if rest.size:  # nearly antipodal, polar or coincident: GeographicLib
        x1, y1, x2, y2 = (x[rest] for x in ends)
        results = wgs84().inv(x1, y1, x2, y2, inplace=True)
        for column, result in enumerate(results):
            table[rest, column] = result
        table[rest, 3] = np.nan
    return table


def area_km2(geometry: BaseGeometry) -> float:
    """Return the geodesic area of a (multi)polygon in EPSG:4326 on WGS84 [km2].

    The one area of a territory or a layer everywhere in the library (``show``,
    :func:`~openskies.rules.reach.reachable_area`): each ring's edges are
    geodesics (``pyproj.Geod.geometry_area_perimeter``), not an equal-area
    projection or a grid sum.
    """
    return abs(wgs84().geometry_area_perimeter(geometry)[0]) / 1e6


def length_km(geometries: object) -> NDArray[np.float64]:
    """Return the geodesic length of (multi)line geometries in EPSG:4326 [km].

    Each segment between consecutive vertices counts as a geodesic; points and
    empty geometries have length 0.

    Parameters
    ----------
    geometries
        Shapely geometries (a single one or an array).
    """
    import shapely

    array = np.atleast_1d(np.asarray(geometries, dtype=object))
    parts, owner = shapely.get_parts(array, return_index=True)
    coords, index = shapely.get_coordinates(parts, return_index=True)
    same = index[1:] == index[:-1]
    if not same.any():
        return np.zeros(array.size)
    a, b = coords[:-1][same], coords[1:][same]
    legs = geodesic_km(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    totals = np.bincount(owner[index[:-1][same]], weights=legs, minlength=array.size)
    return totals.astype(np.float64)


def length_inside_km(geometries: object, area: BaseGeometry) -> NDArray[np.float64]:
    """Return, per (multi)line geometry, its geodesic length inside ``area`` [km].

    Each part (one leg) is intersected on its own, so a stretch flown twice (out
    and back along the same line) counts twice; intersecting a whole track at once
    would merge the overlapping legs.

    Parameters
    ----------
    geometries
        Shapely (multi)line geometries in EPSG:4326 (a single one or an array).
    area
        The region, EPSG:4326.
    """
    import shapely

    array = np.atleast_1d(np.asarray(geometries, dtype=object))
    parts, owner = shapely.get_parts(array, return_index=True)
    inside = length_km(shapely.intersection(parts, area))
    return np.bincount(owner, weights=inside, minlength=array.size).astype(np.float64)


def _aeqd(lon0: float, lat0: float) -> Transformer:
    """Return a transformer between degrees and an azimuthal equidistant plane."""
    from pyproj import Transformer

    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=aeqd +lat_0={float(lat0):.9f} +lon_0={float(lon0):.9f} "
        "+ellps=WGS84"
    )


def _shifter(
    shift: float,
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """Return a coordinate function that adds ``shift`` to longitudes."""

    def move(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(xy + np.array([shift, 0.0]), dtype=np.float64)

    return move


def _projector(
    transformer: Transformer,
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """Return a coordinate function from degrees to the transformer's plane."""

    def forward(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return forward


def _unprojector(
    transformer: Transformer, lon0: float
) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """Return a coordinate function from the plane back to degrees near ``lon0``."""

    def back(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
        return np.column_stack((lon0 + wrap_longitude(np.asarray(lon) - lon0), lat))

    return back


def fold_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """Bring longitudes beyond +-180 back into range, cutting at the antimeridian."""
    import shapely

    west, _, east, _ = geometry.bounds
    if west >= -180.0 and east <= 180.0:
        return geometry
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        window = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        piece = shapely.intersection(geometry, window)
        if not piece.is_empty:
            pieces.append(shapely.transform(piece, _shifter(shift)))
    return shapely.union_all(pieces)


def geodesic_buffer(
    geometry: BaseGeometry,
    distance_km: float,
    *,
    near: BaseGeometry | None = None,
    cell_deg: float = 2.0,
    quad_segs: int = 8,
) -> BaseGeometry:
    """Return the set of points within ``distance_km`` of ``geometry`` on WGS84.

    The geometry is cut into cells of ``cell_deg`` degrees; each cell is
    buffered in its own azimuthal equidistant projection (distances from the
    cell's centre are exact, and within a 2 degree cell the scale error is
    below 1e-4, i.e. 1 m on 10 km), brought back to degrees with longitudes
    unwrapped around the cell and cut at the antimeridian, and the pieces are
    joined.

    Parameters
    ----------
    geometry
        Polygons or lines, EPSG:4326.
    distance_km
        Buffer distance [km], > 0.
    near
        If given, only the parts of ``geometry`` whose buffer can reach this
        geometry are buffered (e.g. the part of a neighbour's territory near an
        observed party).
    cell_deg
        Cell size [degrees].
    quad_segs
        Segments per quarter circle of the buffer.

    Returns
    -------
    BaseGeometry
        The buffer, EPSG:4326 (empty if nothing of ``geometry`` lies near).
    """
    import shapely

    west, south, east, north = geometry.bounds
    xs = np.arange(math.floor(west / cell_deg) * cell_deg, east, cell_deg)
    ys = np.arange(math.floor(south / cell_deg) * cell_deg, north, cell_deg)
    grid_x, grid_y = (a.ravel() for a in np.meshgrid(xs, ys))
    cells = shapely.box(grid_x, grid_y, grid_x + cell_deg, grid_y + cell_deg)
    shapely.prepare(geometry)
    keep = shapely.intersects(geometry, cells)
    if near is not None:
        margin_lat = 2.0 * distance_km / _KM_PER_DEG_LAT
        poleward = np.minimum(np.maximum(np.abs(grid_y), np.abs(grid_y + cell_deg)), 89)
        margin_lon = np.minimum(
            margin_lat / np.cos(np.radians(poleward + margin_lat)), 180.0
        )
        reach = shapely.box(
            grid_x - margin_lon,
            grid_y - margin_lat,
            grid_x + cell_deg + margin_lon,
            grid_y + cell_deg + margin_lat,
        )
        shapely.prepare(near)
        keep &= shapely.intersects(near, reach)
    pieces = shapely.intersection(geometry, cells[keep])
    buffers = []
    for piece, x0, y0 in zip(pieces, grid_x[keep], grid_y[keep], strict=True):
        lon0, lat0 = x0 + cell_deg / 2.0, y0 + cell_deg / 2.0
        transformer = _aeqd(lon0, lat0)
        plane = shapely.transform(piece, _projector(transformer))
        ring = shapely.buffer(plane, distance_km * 1000.0, quad_segs=quad_segs)
        back = _unprojector(transformer, lon0)
        buffers.append(
            fold_antimeridian(shapely.make_valid(shapely.transform(ring, back)))
        )
    if not buffers:
        return shapely.Polygon()
    return shapely.union_all(buffers)


def local_distance_km(a: BaseGeometry, b: BaseGeometry) -> float:
    """Return the distance between two nearby geometries [km].

    Both are projected into an azimuthal equidistant plane centred on ``a``;
    good to well under 1 % for geometries within a few hundred kilometres.

    Parameters
    ----------
    a, b
        Geometries, EPSG:4326.
    """
    import shapely

    centre = a.centroid
    transformer = _aeqd(centre.x, centre.y)

    def project(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon = centre.x + wrap_longitude(xy[:, 0] - centre.x)
        return np.column_stack(transformer.transform(lon, xy[:, 1]))

    return float(
        shapely.distance(shapely.transform(a, project), shapely.transform(b, project))
        / 1000.0
    )
