"""Spot coordinates given as (lat, lon) where (lon, lat) was meant.

GeoJSON, shapely and every table of the library order coordinates
``lon, lat``; a file written the other way round stays inside the valid ranges
when both values are within ±90° (all of Europe), so it reads without error and
lands elsewhere: a route over Germany (lon 10, lat 51) read swapped lies at
lon 51, lat 10, in the Gulf of Aden.  The legality check and the route planner
add :data:`SWAP_HINT` to their "outside the territory" findings when the
swapped points would be inside; the points are never changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray
    from shapely.geometry.base import BaseGeometry

__all__ = ["SWAP_HINT", "swap_hint", "swapped_inside"]

#: The words every swap hint contains.
SWAP_HINT = "latitude and longitude may be swapped"


def swapped_inside(
    lon: ArrayLike, lat: ArrayLike, area: BaseGeometry
) -> NDArray[np.bool_]:
    """Return, per point, whether it is outside ``area`` but inside when swapped.

    Parameters
    ----------
    lon, lat
        Coordinates of the points as read [degrees, EPSG:4326].
    area
        The territory the points should be in (EPSG:4326).

    Returns
    -------
    numpy.ndarray
        True where ``(lon, lat)`` does not intersect ``area``, ``|lon| <= 90``
        (it could be a latitude) and ``(lat, lon)`` does.
    """
    import shapely

    x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    could = np.abs(x) <= 90.0
    return (
        could
        & ~shapely.intersects_xy(area, x, y)
        & shapely.intersects_xy(area, np.where(could, y, 0.0), np.where(could, x, 0.0))
    )


def swap_hint(lon: ArrayLike, lat: ArrayLike, area: BaseGeometry) -> str:
    """Return a hint that the points' lat/lon look swapped, else ``""``.

    The hint is given when at least one point lies outside ``area`` and every
    point outside it would be inside with its coordinates swapped (see
    :func:`swapped_inside`); it names the first such point.

    Parameters
    ----------
    lon, lat
        Coordinates of the points as read [degrees, EPSG:4326].
    area
        The observed territory (EPSG:4326).
    """
    import shapely

    x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    outside = ~shapely.intersects_xy(area, x, y)
    swapped = swapped_inside(x, y, area)
    if not outside.any() or not swapped[outside].all():
        return ""
    i = int(np.flatnonzero(swapped)[0])
    return (
        f"; {SWAP_HINT}: point {i + 1} (lon {x[i]:g}, lat {y[i]:g}) is outside, "
        f"(lon {y[i]:g}, lat {x[i]:g}) would be inside; give coordinates in the "
        "order lon, lat"
    )
