"""Declared waypoints of a planned route, and the rule against repeating one.

A route may not pass the same point twice, except to end where it started
(Art. VI.II.4; ``check_route`` compares waypoints to 1e-6 degree).  Out and
back around the same obstacle corner, a planned route would declare a turning
point twice; :func:`unrepeat` moves the second one a little instead.

References
----------
Treaty on Open Skies, Art. VI.II.4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from openskies.geo.geodesy import geodesic_km, wgs84
from openskies.rules.registry import REPEAT_DECIMALS

if TYPE_CHECKING:
    from openskies.routing.free_space import FreeSpace

__all__ = ["NUDGE_KM", "Waypoint", "unrepeat"]

#: Distances a repeated turning point or gateway may be moved by [km].
NUDGE_KM = (0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Waypoint:
    """A declared point; turning points and gateways may be moved a little."""

    xy: tuple[float, float]
    movable: bool = False

    @property
    def key(self) -> tuple[float, float]:
        """The point as compared for repeats (like ``check_route``)."""
        return (round(self.xy[0], REPEAT_DECIMALS), round(self.xy[1], REPEAT_DECIMALS))


def unrepeat(
    free: FreeSpace, points: list[Waypoint], transit: list[bool]
) -> tuple[list[Waypoint], int | None]:
    """Move repeated movable waypoints so that no point is declared twice.

    A route may not pass the same point twice (Art. VI.II.4); a turning point
    or gateway used a second time is moved by 0.25-1 km in one of eight
    directions, keeping both of its legs legal and adding the least length.

    Returns
    -------
    points
        The waypoints, repeats moved.
    failed
        Index of a waypoint that could not be moved (or a fixed repeat), else
        None.
    """
    closing = len(points) > 2 and points[0].key == points[-1].key
    fixed = {p.key for p in points if not p.movable}
    seen: set[tuple[float, float]] = set()
    out = list(points)
    for k, point in enumerate(out):
        last = k == len(out) - 1
        if last and closing:
            break
        repeated = point.key in seen or (point.movable and point.key in fixed)
        if repeated:
            if not point.movable or last:
                return out, k
            moved = _nudge(free, out[k - 1], point, out[k + 1], transit[k - 1 : k + 1])
            if moved is None or moved.key in seen or moved.key in fixed:
                return out, k
            out[k] = point = moved
        seen.add(point.key)
    return out, None


def _nudge(
    free: FreeSpace,
    before: Waypoint,
    point: Waypoint,
    after: Waypoint,
    transit: list[bool],
) -> Waypoint | None:
    """Return ``point`` moved a little with both legs legal, or None."""
    azimuth = np.tile(np.arange(0.0, 360.0, 45.0), len(NUDGE_KM))
    metres = np.repeat(np.asarray(NUDGE_KM) * 1000.0, 8)
    lon, lat, _ = wgs84().fwd(
        np.full(azimuth.size, point.xy[0]),
        np.full(azimuth.size, point.xy[1]),
        azimuth,
        metres,
    )
    lon = (np.asarray(lon) + 180.0) % 360.0 - 180.0
    lat = np.asarray(lat)
    ok = np.ones(lon.size, dtype=bool)
    for (x, y), is_transit, forward in (
        (before.xy, transit[0], False),
        (after.xy, transit[1], True),
    ):
        test = free.transit_legal if is_transit else free.legal
        xs, ys = np.full(lon.size, x), np.full(lon.size, y)
        ok &= test(lon, lat, xs, ys) if forward else test(xs, ys, lon, lat)
    if not ok.any():
        return None
    extra = geodesic_km(before.xy[0], before.xy[1], lon, lat) + geodesic_km(
        lon, lat, after.xy[0], after.xy[1]
    )
    best = int(np.where(ok, extra, np.inf).argmin())
    return Waypoint((float(lon[best]), float(lat[best])), movable=True)
