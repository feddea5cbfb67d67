"""Densified tracks of many routes, legs settled by cells left out.

:class:`Tracks` holds what :func:`~openskies.rules.kernel.judge` tests: the
observation legs of each route followed along their geodesics (cut at the
antimeridian), the routes' lengths and ends, and what the cells settled
without densifying (:mod:`openskies.rules.settle`).

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-5; treaty.md R16-R17.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from openskies.geo.geodesy import densify_legs, geodesic_table, leg_parts, wgs84
from openskies.rules.settle import Legs, Settled, Settler

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray
    from shapely.geometry.base import BaseGeometry

__all__ = ["Tracks", "leg_lines"]


class Tracks:
    """Densified tracks of routes ``offset .. offset + n`` (one chunk).

    Attributes
    ----------
    offset
        Position of the first route of the chunk.
    first, last
        First and last waypoint of each route, (n, 2) of (lon, lat) [deg].
    observation
        Observation legs of each route, followed along their geodesics
        (MultiLineStrings, cut at the antimeridian).
    distance
        Observation length of each route [km].
    transit_distance
        Length of the transit legs of each route [km].
    leaves
        Whether each route is already known to leave the territory (see
        :mod:`openskies.rules.settle`).
    hits
        Per area known to be touched by some routes (keyed by ``id(area)``),
        whether each route is.
    """

    def __init__(
        self,
        offset: int,
        ends: tuple[NDArray[np.float64], NDArray[np.float64]],
        observation: NDArray[np.object_],
        parts: tuple[NDArray[np.object_], NDArray[np.intp]],
        distance: tuple[NDArray[np.float64], NDArray[np.float64]],
        settled: Settled | None = None,
    ) -> None:
        self.offset = offset
        self.first, self.last = ends
        self.observation = observation
        self.distance, self.transit_distance = distance
        self._parts = parts
        count = observation.size
        self.leaves = np.zeros(count, bool) if settled is None else settled.leaves
        #: Per final area (by ``id``), whether each route is known to touch it.
        self.hits = {} if settled is None else settled.hits
        #: Per area that is not final (by ``id``), the length of each route's
        #: observation legs not proven outside it [km].
        self.near_km = {} if settled is None else settled.near_km
        #: Every leg (lon1, lat1, lon2, lat2 [deg]), its route and whether it
        #: is an observation leg.
        self.legs: (
            tuple[list[NDArray[np.float64]], NDArray[np.intp], NDArray[np.bool_]] | None
        ) = None
        #: Number of observation legs of each route.
        self.count = np.zeros(observation.size, dtype=np.intp)
        #: Length of the observation legs of each route left in the tracks
        #: (not settled by the cells) [km].
        self.open_km = self.distance.copy()

    def may_exceed(
        self, local: NDArray[np.intp], limit_km: float, area: BaseGeometry
    ) -> NDArray[np.bool_]:
        """Whether the tracks ``local`` may be longer than ``limit_km`` inside ``area``.

        Only the legs not proven outside ``area`` by the cells can lie in it
        (:attr:`near_km`; without cells, every observation leg left in the
        tracks); followed along chords of at most ``DENSIFY_TOLERANCE_KM``
        from the geodesic, they are longer by far less than the 1 % + 1 km
        allowed here, so a track whose legs near ``area`` are shorter cannot
        have more than ``limit_km`` [km] inside it.
        """
        near = self.near_km.get(id(area), self.open_km)
        return np.asarray(near[local] * 1.01 + 1.0 > limit_km, dtype=bool)

    def exact_distance(self, local: NDArray[np.intp]) -> None:
        """Recompute the observation length of tracks ``local`` with GeographicLib.

        The compiled lengths (:func:`geodesic_table`) are within
        ``LENGTH_ERROR_KM`` per leg of GeographicLib's; a route that close to
        its distance limit gets GeographicLib's lengths, so its verdict is that
        of the exact lengths.
        """
        if self.legs is None or not local.size:
            return
        ends, route, observing = self.legs
        mine = np.isin(route, local) & observing
        x1, y1, x2, y2 = (x[mine] for x in ends)
        _, _, metres = wgs84().inv(x1, y1, x2, y2, inplace=True)
        km = np.bincount(route[mine], weights=metres, minlength=self.distance.size)
        self.distance[local] = km[local] / 1000.0

    @classmethod
    def of(
        cls,
        coords: NDArray[np.float64],
        starts: NDArray[np.intp],
        ends: NDArray[np.intp],
        transit: NDArray[np.bool_],
        low: int = 0,
        high: int | None = None,
        *,
        join: bool = True,
        settle: Settler | None = None,
    ) -> Tracks:
        """Densify the legs of routes ``low .. high - 1`` and build their tracks.

        Parameters
        ----------
        coords
            Waypoints of every route, one after the other, (m, 2) [deg].
        starts, ends
            Index in ``coords`` of the first and last waypoint of each route.
        transit
            Whether each leg (consecutive waypoints of one route) is transit.
        low, high
            The routes to build (all by default).
        join
            Whether consecutive legs of one kind become one line string (fewer,
            longer parts, faster), else one line string per leg (lengths
            inside regions summed leg by leg).
        settle
            Given the legs (:class:`Legs`), which legs need no densified test
            (proven by cells in the territory and clear of every zone, or
            ending outside the territory and clear of every zone) and which
            routes are proven to leave the territory; those legs are left out
            of the tracks.  None: every leg is densified.
        """
        import shapely

        high = starts.size if high is None else high
        count = high - low
        points = coords[starts[low] : ends[high - 1] + 1]
        sizes = ends[low:high] - starts[low:high] + 1
        owner = np.repeat(np.arange(count), sizes)
        same = owner[1:] == owner[:-1]
        leg_route = owner[:-1][same]
        flags = transit[starts[low] - low : ends[high - 1] - (high - 1)]
        first = np.flatnonzero(same)  # the first waypoint of each leg
        ends_ = [
            points[first, 0],
            points[first, 1],
            points[first + 1, 0],
            points[first + 1, 1],
        ]
        # azimuths only for the legs settling or densification needs
        table = geodesic_table(*ends_)
        lengths = table[:, 2] / 1000.0
        # one line per run of legs of one kind in one route: fewer, longer parts
        joined = np.concatenate(([False], leg_route[1:] == leg_route[:-1]))
        joined[1:] &= (flags[1:] == flags[:-1]) & join
        settled = None
        keep = np.arange(lengths.size)
        if settle is not None:
            both = np.column_stack(ends_)
            legs = Legs(both, lengths, leg_route, flags, count, table)
            settled = settle(legs)
            skip = settled.skip
            keep = np.flatnonzero(~skip)
            # a line never bridges a leg left out
            joined[1:] &= ~skip[:-1]
        from openskies.geo.vincenty import azimuths_of  # numba: on first densification

        azimuths_of(table, ends_[1], ends_[3], keep)
        lon, lat, leg, _ = densify_legs(
            *(x[keep] for x in ends_),
            inverse=tuple(np.ascontiguousarray(table[keep, :3].T)),
        )
        parts, part_leg = leg_parts(lon, lat, keep[leg], joined)
        observing = ~flags[part_leg]
        observation = np.full(count, shapely.MultiLineString(), dtype=object)
        shapely.multilinestrings(
            parts[observing], indices=leg_route[part_leg[observing]], out=observation
        )
        km = [
            np.bincount(leg_route, weights=lengths * ~flags, minlength=count),
            np.bincount(leg_route, weights=lengths * flags, minlength=count),
        ]
        tracks = cls(
            low,
            (coords[starts[low:high]], coords[ends[low:high]]),
            observation,
            (parts, leg_route[part_leg]),
            (km[0].astype(np.float64), km[1].astype(np.float64)),
            settled,
        )
        tracks.open_km = np.bincount(
            leg_route[keep], weights=lengths[keep] * ~flags[keep], minlength=count
        ).astype(np.float64)
        tracks.legs = (ends_, leg_route, ~flags)
        tracks.count = np.bincount(leg_route[~flags], minlength=count)
        return tracks

    @cached_property
    def everything(self) -> NDArray[np.object_]:
        """Every leg (observation and transit) of each route, for no-fly areas."""
        import shapely

        parts, route = self._parts
        result = np.full(self.distance.size, shapely.MultiLineString(), dtype=object)
        shapely.multilinestrings(parts, indices=route, out=result)
        return result


def leg_lines(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> tuple[NDArray[np.object_], NDArray[np.float64]]:
    """Return single legs densified along their geodesics, and their lengths [km].

    Each leg becomes a MultiLineString (cut at the antimeridian), as the legs
    of :class:`Tracks`; the ends are in degrees.
    """
    import shapely

    lon, lat, leg, lengths = densify_legs(lon1, lat1, lon2, lat2)
    count = int(np.size(lon1))
    lines = np.full(count, shapely.MultiLineString(), dtype=object)
    if count:
        parts, part_leg = leg_parts(lon, lat, leg)
        shapely.multilinestrings(parts, indices=part_leg, out=lines)
    return lines, lengths
