"""Lines cut at the antimeridian, for planar predicates in EPSG:4326.

Territories are cut at longitude +-180; a densified leg that crosses it is cut
into line strings that meet the antimeridian at the same latitude
(:func:`leg_parts`), each crossing computed from its own segment so that a leg
gets the same parts whatever lines are cut or joined with it.

References
----------
Treaty on Open Skies, Art. VI.II.2-4 (legs are straight between declared
points, i.e. geodesics).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["leg_parts", "wrap_longitude"]


def wrap_longitude(degrees: NDArray[np.float64]) -> NDArray[np.float64]:
    """Wrap longitude differences into [-180, 180)."""
    return (degrees + 180.0) % 360.0 - 180.0


def leg_parts(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    leg: NDArray[np.intp],
    joined: NDArray[np.bool_] | None = None,
) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """Build line strings from densified legs, cut at the antimeridian.

    A line that crosses longitude +-180 is split into two line strings that meet
    the antimeridian at the same latitude, so that planar predicates against
    territories (themselves cut at +-180) give the right answer.

    Parameters
    ----------
    lon, lat, leg
        Output of :func:`densify_legs`.
    joined
        One flag per leg: True when the leg continues the previous leg's line
        (same route, same kind of leg).  By default every leg is its own line.

    Returns
    -------
    parts
        Shapely line strings, EPSG:4326.
    part_leg
        Index of the leg where each part starts (non-decreasing).
    """
    import shapely

    if lon.size == 0:
        return np.empty(0, dtype=object), np.zeros(0, dtype=np.intp)
    new_line = np.concatenate(([True], leg[1:] != leg[:-1]))
    if joined is not None:
        keep = ~(new_line & joined[leg])
        lon, lat, leg, new_line = lon[keep], lat[keep], leg[keep], new_line[keep]
    # a segment crosses the antimeridian when its longitude step wraps; only
    # the lines with such a segment are unwrapped and cut
    line = np.cumsum(new_line) - 1
    jumps = np.flatnonzero(~new_line[1:] & (np.abs(np.diff(lon)) > 180.0))
    if not jumps.size:
        parts = shapely.linestrings(lon, lat, indices=line)
        return np.asarray(parts, dtype=object), leg[new_line]
    cut = np.isin(line, line[jumps])
    simple = ~cut
    plain = shapely.linestrings(
        lon[simple], lat[simple], indices=np.cumsum(new_line[simple]) - 1
    )
    pieces, piece_leg = _cut(lon[cut], lat[cut], leg[cut], new_line[cut])
    parts = np.concatenate((np.asarray(plain, dtype=object), pieces))
    starts = np.concatenate((leg[simple & new_line], piece_leg))
    order = np.argsort(starts, kind="stable")
    return parts[order], starts[order]


def _cut(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    leg: NDArray[np.intp],
    new_line: NDArray[np.bool_],
) -> tuple[NDArray[np.object_], NDArray[np.intp]]:
    """Cut lines at the antimeridian: both sides meet it at the same latitude.

    Each point keeps its longitude (-180 becomes 180), and each crossing is
    computed from its segment alone: the same leg gets the same parts whatever
    lines are cut with it or joined to it (no sums along or across lines, whose
    rounding would move points lying on a boundary).

    Returns the parts and the leg where each starts.
    """
    import shapely

    # whole turns around the globe, counted exactly in integers along each line
    jump = np.zeros(lon.size, dtype=np.int64)
    jump[1:] = np.rint((lon[:-1] + wrap_longitude(np.diff(lon)) - lon[1:]) / 360.0)
    jump[new_line] = 0
    turns = np.cumsum(jump)
    first = np.flatnonzero(new_line)
    start_of = np.repeat(first, np.diff(np.append(first, lon.size)))
    # sheet of each point: 0 inside (-180, 180], -180 on the sheet to the west
    turn = turns - turns[start_of] - (lon <= -180.0)
    a = np.flatnonzero(~new_line[1:] & (turn[1:] != turn[:-1]))
    b = a + 1
    low = np.minimum(turn[a], turn[b])
    # the segment relative to the crossing at +180 of the lower sheet
    east_a = lon[a] + 360.0 * (turn[a] - low + (lon[a] <= -180.0))
    east_b = lon[b] + 360.0 * (turn[b] - low + (lon[b] <= -180.0))
    t = (180.0 - east_a) / (east_b - east_a)
    where = np.repeat(b, 2)
    sides = np.column_stack(
        (180.0 + 360.0 * (low - turn[a]), 180.0 + 360.0 * (low - turn[b]))
    )
    folded = np.where(lon <= -180.0, 180.0, lon)
    folded = np.insert(folded, where, sides.ravel())
    lat = np.insert(lat, where, np.repeat(lat[a] + t * (lat[b] - lat[a]), 2))
    leg = np.insert(leg, where, np.repeat(leg[b], 2))
    breaks = np.insert(new_line, where, np.tile([False, True], a.size))
    parts = shapely.linestrings(folded, lat, indices=np.cumsum(breaks) - 1)
    return np.asarray(parts, dtype=object), leg[breaks]
