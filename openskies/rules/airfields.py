"""Which airfields a route may start and end at, and how far its ends lie from them.

A route starts at an Open Skies airfield or point of entry of the observed
party that has a maximum flight distance in force, and ends at an Open Skies
airfield or point of exit (Art. VI.II.4, Annex E).  The one eligibility test
and its wording, used by the legality checks, the planner and the annual plan.

References
----------
Treaty on Open Skies, Art. VI.II.4, Annex A III, Annex E.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from openskies.errors import OptionsError
from openskies.geo.geodesy import LENGTH_ERROR_KM, geodesic_km

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.treaty.model import Airfield, TreatyView

__all__ = [
    "End",
    "airfield_distances",
    "eligible",
    "entry_airfield",
    "is_eligible",
    "not_eligible",
    "required_airfield",
    "what_is_eligible",
]

_ROLES = frozenset({"OSA", "POE"})
_EARTH_KM = 6371.0088  # mean radius [km]


class End(StrEnum):
    """The end of a route an airfield serves."""

    START = "start"
    END = "end"


def is_eligible(airfield: Airfield, end: End | str) -> bool:
    """Whether a route may ``end`` (start or end) at ``airfield``.

    A start needs an Open Skies airfield or point of entry with a maximum
    flight distance in force; an end an Open Skies airfield or point of exit.
    """
    usable = bool(airfield.roles & _ROLES)
    return usable and (end != End.START or airfield.max_distance_km is not None)


def eligible(airfields: Iterable[Airfield], end: End | str) -> tuple[Airfield, ...]:
    """Return the airfields a route may start (or end) at, in the given order."""
    return tuple(a for a in airfields if is_eligible(a, end))


def what_is_eligible(end: End | str) -> str:
    """Return the words for an airfield a route may start (or end) at."""
    if end == End.START:
        return "an Open Skies airfield or point of entry with a maximum flight distance"
    return "an Open Skies airfield or point of exit"


def not_eligible(
    airfield: Airfield, end: End | str, observed: str, day: dt.date
) -> str:
    """Return the message for a declared airfield a route may not ``end`` at."""
    return (
        f"declared {end} airfield {airfield.id} ({airfield.name}) is not "
        f"{what_is_eligible(end)} of {observed} on {day.isoformat()}"
    )


def required_airfield(
    view: TreatyView,
    ident: object,
    candidates: tuple[Airfield, ...],
    end: End | str,
    observed: str,
) -> Airfield:
    """Return the airfield ``ident`` if a route may ``end`` there, else refuse it.

    Raises
    ------
    OptionsError
        If ``ident`` is not a string or not among ``candidates`` (lists them).
    UnknownStateError
        If no airfield has that id or ICAO code.
    """
    if not isinstance(ident, str):
        raise OptionsError(f"{end} must be an airfield id, got {ident!r:.40}")
    found = view.airfield(ident)
    for airfield in candidates:
        if airfield.id == found.id:
            return airfield
    message = not_eligible(found, end, observed, view.date).removeprefix("declared ")
    raise OptionsError(
        f"{message}; use one of {', '.join(a.id for a in candidates) or '(none)'}"
    )


def entry_airfield(view: TreatyView, observed: str, poe: str) -> Airfield | None:
    """Return the airfield a mission entering at ``poe`` starts its route from.

    The point of entry itself if a route over ``observed`` may start there on
    the view's date, else the nearest such airfield (ties by id), else None.
    """
    starts = eligible(view.airfields(observed), End.START)
    entry = view.airfield(poe)
    if not starts or any(a.id == entry.id for a in starts):
        return next((a for a in starts if a.id == entry.id), None)
    return min(
        starts,
        key=lambda a: (float(geodesic_km(entry.lon, entry.lat, a.lon, a.lat)), a.id),
    )


def airfield_distances(
    view: TreatyView,
    candidates: tuple[Airfield, ...],
    declared: NDArray[np.object_] | None,
    points: NDArray[np.float64],
    tolerance_km: float = math.inf,
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.bool_]]:
    """Return the airfield used per point, its distance [km], and wrong declarations.

    The used airfield is the declared one when it is a candidate, else the
    nearest candidate (-1 when there are none).  ``declared`` holds an
    airfield id or None per point.  Distances are the compiled geodesic
    lengths (within ``LENGTH_ERROR_KM`` of GeographicLib's); GeographicLib
    decides where that error could matter: near-ties for the nearest
    airfield and distances that close to ``tolerance_km`` [km], so that
    ``km > tolerance_km`` and the choice are those of the exact distances.

    Raises
    ------
    UnknownStateError
        If a declared airfield is unknown.
    """
    size = points.shape[0]
    if not candidates:
        return np.full(size, -1), np.full(size, math.inf), np.ones(size, dtype=bool)
    lon = np.array([a.lon for a in candidates])
    lat = np.array([a.lat for a in candidates])
    near = _near_pairs(points, lon, lat)
    km = np.full((size, lon.size), math.inf)
    km[near] = _compiled_km(points[near[0]], lon[near[1]], lat[near[1]])
    _settle_ties(km, points, lon, lat)
    used = np.argmin(km, axis=1)
    wrong = np.zeros(size, dtype=bool)
    if declared is not None:
        ids = {a.id: i for i, a in enumerate(candidates)}
        for name in {d for d in declared if isinstance(d, str) and d.strip()}:
            ident = view.airfield(name).id
            rows = declared == name
            if ident in ids:
                used[rows] = ids[ident]
            else:
                wrong |= rows
    chosen = km[np.arange(size), used]
    unknown = ~np.isfinite(chosen)  # a declared airfield that is not the nearest
    chosen[unknown] = _compiled_km(
        points[unknown], lon[used[unknown]], lat[used[unknown]]
    )
    close = np.flatnonzero(np.abs(chosen - tolerance_km) <= LENGTH_ERROR_KM)
    chosen[close] = geodesic_km(
        points[close, 0], points[close, 1], lon[used[close]], lat[used[close]]
    )
    return used, chosen, wrong


def _compiled_km(
    points: NDArray[np.float64], lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Return compiled geodesic distances [km] from ``points`` to (lon, lat) [deg].

    Coincident points are 0 km apart; polar and nearly antipodal pairs get
    GeographicLib's distances.
    """
    from openskies.geo.vincenty import lengths  # numba: only when distances are needed

    x, y = points[:, 0].copy(), points[:, 1].copy()
    metres, _, done = lengths(x, y, lon, lat)
    km = metres / 1000.0
    rest = np.flatnonzero(~done & ((x != lon) | (y != lat)))
    km[rest] = geodesic_km(x[rest], y[rest], lon[rest], lat[rest])
    return np.asarray(km, dtype=np.float64)


def _settle_ties(
    km: NDArray[np.float64],
    points: NDArray[np.float64],
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
) -> None:
    """Replace by GeographicLib's the rows of ``km`` whose two nearest are near-tied.

    Two compiled distances within twice their error of each other may be
    ordered otherwise by the exact ones.
    """
    if km.shape[1] < 2:
        return
    two = np.partition(km, 1, axis=1)[:, :2]
    rows = np.flatnonzero(two[:, 1] - two[:, 0] <= 2.0 * LENGTH_ERROR_KM)
    pairs = np.nonzero(np.isfinite(km[rows]))
    where = rows[pairs[0]]
    km[where, pairs[1]] = geodesic_km(
        points[where, 0], points[where, 1], lon[pairs[1]], lat[pairs[1]]
    )


def _near_pairs(
    points: NDArray[np.float64], lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return the (point, candidate) pairs that may hold each point's nearest.

    The spherical distance is within 0.6 % of the geodesic one, so a candidate
    more than 1.2 % + 1 km farther on the mean-radius sphere than the nearest
    there cannot be the nearest.  Compared as cosines of the central angle
    (unit vectors' dot products): cheaper than haversine distances.
    """
    mine = _unit(points[:, 0], points[:, 1])
    theirs = _unit(lon, lat)
    cosine = (
        mine[0][:, None] * theirs[0]
        + mine[1][:, None] * theirs[1]
        + mine[2][:, None] * theirs[2]
    )
    angle = np.arccos(np.clip(cosine.max(axis=1), -1.0, 1.0))
    reach = np.minimum(angle * 1.012 + 1.0 / _EARTH_KM, math.pi)
    rows, columns = np.nonzero(cosine >= np.cos(reach)[:, None])
    return rows, columns


def _unit(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Return the unit vectors (x, y, z) of points on the sphere (lon, lat [deg])."""
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)
