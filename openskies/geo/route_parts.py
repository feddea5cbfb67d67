"""Checks of a route's parts: waypoints, transit flags and airfield ids.

The constructors of :class:`~openskies.geo.route.Route` call these to refuse bad
input with a :class:`~openskies.errors.GeometryError` that names the waypoint,
the leg or the field and says the accepted format.

References
----------
Treaty on Open Skies, Art. VI.II.2-5 (declared points, transit legs).
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from openskies.errors import GeometryError
from openskies.files.user_files import shown

if TYPE_CHECKING:
    from openskies.geo.route import Route

__all__ = [
    "Coordinate",
    "airfield_id",
    "as_point",
    "check_point",
    "check_types",
    "is_empty",
    "is_missing",
    "transit_flags",
]

Coordinate = tuple[float, float]


def is_missing(value: object) -> bool:
    """Whether a table cell is empty (None, NaN, pandas NA)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def transit_flags(transit: Iterable[object] | None, legs: int) -> tuple[bool, ...]:
    """Return one transit flag per leg from per-leg booleans or leg indices.

    The accepted format (also of a GeoJSON feature's ``transit`` property) is a
    list: either ``legs`` JSON booleans, one per leg in order (``[false, true,
    false]``), or the 0-based indices of the transit legs (``[1]``); an empty
    list, null or an absent value means no transit leg.  A lone ``true``, ``1``
    or ``"1"`` is refused: it does not say which leg.

    Parameters
    ----------
    transit
        ``legs`` booleans, the indices of the transit legs, JSON text of either,
        or None / NaN (no transit leg).
    legs
        Number of legs of the route.

    Raises
    ------
    GeometryError
        If ``transit`` is not such a list, or a value is not a boolean or a leg
        index in range.
    """
    if transit is None or is_missing(transit):
        return (False,) * legs
    given: object = _transit_text(transit) if isinstance(transit, str) else transit
    if isinstance(given, bytes | Mapping | numbers.Number) or not isinstance(
        given, Iterable
    ):
        raise GeometryError(f"{_TRANSIT_FORMAT.format(legs=legs)}; got {shown(given)}")
    values = list(given)
    if len(values) == legs and all(isinstance(v, bool) for v in values):
        return tuple(bool(v) for v in values)
    flags = [False] * legs
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise GeometryError(
                f"{_TRANSIT_FORMAT.format(legs=legs)}; got {shown(values)}"
            )
        index = int(value)
        if not 0 <= index < legs:
            raise GeometryError(
                f"transit leg {index} does not exist: the route has {legs} "
                f"legs, numbered 0..{legs - 1}"
            )
        flags[index] = True
    return tuple(flags)


#: The transit format, for messages (formatted with the number of legs).
_TRANSIT_FORMAT = (
    "transit must be a list of {legs} booleans (one per leg) or of the 0-based "
    "indices of the transit legs, e.g. [false, true] or [1]"
)


def _transit_text(text: str) -> object:
    """Parse the JSON text of a transit list (as a GeoPackage column stores it)."""
    if not text.strip():
        return []
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise GeometryError(
            f"transit {shown(text)} is not the JSON text of a list such as [1]"
        ) from None


def airfield_id(value: object, field: str) -> str | None:
    """Return ``value`` as an upper-case airfield id, or None when missing."""
    if is_missing(value) or value == "":
        return None
    if not isinstance(value, str):
        raise GeometryError(
            f"{field} must be an airfield id such as 'UUMB'; got {shown(value)}"
        )
    return value.strip().upper()


def is_empty(value: object) -> bool:
    """Return whether ``value`` is an empty geometry."""
    return bool(getattr(value, "is_empty", False))


def as_point(point: object, number: int) -> Coordinate:
    """Return waypoint ``number`` as ``(lon, lat)`` floats (a third value ignored)."""
    if (
        hasattr(point, "__getitem__")
        and hasattr(point, "__len__")
        and not isinstance(point, str | bytes | Mapping)
    ):
        pair = list(point[:2])
        if len(pair) == 2 and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in pair
        ):
            try:
                return float(pair[0]), float(pair[1])
            except OverflowError:
                pass
    raise GeometryError(
        f"waypoint {number} is {shown(point)}; give (lon, lat) as two numbers "
        "in degrees"
    )


def check_types(route: Route) -> None:
    """Refuse attributes of the wrong type before any arithmetic on them."""
    if not isinstance(route.waypoints, tuple | list):
        raise GeometryError(
            f"waypoints must be a tuple of (lon, lat) pairs; got "
            f"{shown(route.waypoints)}; use Route.from_coords"
        )
    for number, point in enumerate(route.waypoints, start=1):
        if not isinstance(point, tuple) or len(point) != 2:
            raise GeometryError(
                f"waypoint {number} is {shown(point)}; give (lon, lat) in degrees "
                "or use Route.from_coords"
            )
        as_point(point, number)
    if not isinstance(route.transit, tuple | list) or not all(
        isinstance(flag, bool) for flag in route.transit
    ):
        raise GeometryError(
            f"transit must be a tuple of booleans, one per leg; got "
            f"{shown(route.transit)}; use Route.from_coords for leg indices"
        )
    for name in ("start", "end"):
        value = getattr(route, name)
        if value is not None and not isinstance(value, str):
            raise GeometryError(
                f"{name} must be an airfield id such as 'UUMB' or None; got "
                f"{shown(value)}"
            )
    if not isinstance(route.name, str):
        raise GeometryError(f"name must be text; got {shown(route.name)}")


def check_point(point: Coordinate, number: int, count: int) -> None:
    """Refuse waypoint ``number`` of ``count`` if it is not a finite lon/lat."""
    lon, lat = point
    where = f"waypoint {number} of {count} (lon {lon}, lat {lat})"
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise GeometryError(f"{where}: coordinates must be finite numbers")
    if not -90.0 <= lat <= 90.0:
        raise GeometryError(
            f"{where}: latitude {lat} is outside -90..90; give (lon, lat) in "
            "degrees (are longitude and latitude swapped?)"
        )
    if not -180.0 <= lon <= 180.0:
        raise GeometryError(
            f"{where}: longitude {lon} is outside -180..180; wrap it into range"
        )
