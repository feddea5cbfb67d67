"""Reading the input of :func:`~openskies.check_routes`: one check per column.

The frame's geometries become one array of waypoints (validated once), the
``transit`` column per-leg flags, ``start``/``end`` declared airfield ids, and
the rows are grouped by observer, observed party and date, each group with its
view and rule set (one view per date, passed down).

References
----------
Treaty on Open Skies, Art. VI.II.4-5 (routes, transit legs).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np

from openskies.errors import GeometryError, OptionsError
from openskies.geo.route import transit_flags
from openskies.rules.registry import RuleSet, route_rules

if TYPE_CHECKING:
    import geopandas
    import pandas
    from numpy.typing import NDArray

    from openskies.treaty.model import TreatyView

__all__ = ["check_parties", "declared_ids", "groups", "leg_transit", "waypoints"]


def waypoints(
    geometries: NDArray[np.object_], labels: Any
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """Return the waypoints of every route and the route of each (validated).

    Raises
    ------
    GeometryError
        If a geometry is not a LineString of at least two valid (lon, lat)
        points (names the row and waypoint).
    """
    import shapely

    kinds = shapely.get_type_id(geometries)
    bad = np.flatnonzero((kinds != 1) | shapely.is_empty(geometries))
    if bad.size:
        row = bad[0]
        raise GeometryError(
            f"route {labels[row]!r}: geometry must be a non-empty LineString of "
            f"(lon, lat); got {geometries[row]!r:.80}"
        )
    coords, owner = shapely.get_coordinates(geometries, return_index=True)
    counts = np.bincount(owner, minlength=geometries.size)
    if (counts < 2).any():
        row = int(np.flatnonzero(counts < 2)[0])
        raise GeometryError(
            f"route {labels[row]!r}: a route needs at least two waypoints; "
            f"got {counts[row]}"
        )
    lon, lat = coords[:, 0], coords[:, 1]
    wrong = ~((np.abs(lat) <= 90) & (np.abs(lon) <= 180))  # NaN too
    if wrong.any():
        at = int(np.flatnonzero(wrong)[0])
        row = int(owner[at])
        number = at - int(np.searchsorted(owner, row)) + 1
        raise GeometryError(
            f"route {labels[row]!r}: waypoint {number} of {counts[row]} (lon "
            f"{lon[at]}, lat {lat[at]}) must have finite lon in -180..180 and lat "
            "in -90..90 degrees (are lon and lat swapped?)"
        )
    return coords, owner


def leg_transit(
    routes: geopandas.GeoDataFrame,
    starts: NDArray[np.intp],
    ends: NDArray[np.intp],
    leg_route: NDArray[np.intp],
) -> NDArray[np.bool_]:
    """Return whether each leg of every route is transit (column ``transit``)."""
    flags = np.zeros(leg_route.size, dtype=bool)
    if "transit" not in routes.columns:
        return flags
    legs = ends - starts
    first_leg = np.concatenate(([0], np.cumsum(legs)[:-1]))
    for row, value in enumerate(routes["transit"].to_numpy(dtype=object)):
        per_leg = transit_flags(value, int(legs[row]))
        if any(per_leg):
            flags[first_leg[row] : first_leg[row] + legs[row]] = per_leg
    return flags


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _first_not(column: pandas.Series, kinds: type | tuple[type, ...]) -> int:
    """Position of the first value not of ``kinds`` (-1: none), fast when none.

    A column of pandas' string dtype holds strings or missing values: only
    the missing ones are looked for.
    """
    import pandas as pd

    if isinstance(column.dtype, pd.StringDtype) and issubclass(str, kinds):
        missing = column.isna().to_numpy()
        return int(missing.argmax()) if missing.any() else -1
    values = column.to_numpy(dtype=object)
    if all(issubclass(k, kinds) for k in set(map(type, values))):
        return -1
    return next(i for i, v in enumerate(values) if not isinstance(v, kinds))


def check_parties(routes: geopandas.GeoDataFrame) -> None:
    """Refuse a row whose observer or observed is not a string (names the row)."""
    for column in ("observer", "observed"):
        bad = _first_not(routes[column], str)
        if bad >= 0:
            raise OptionsError(
                f"routes row {routes.index[bad]!r}: {column} is "
                f"{_short(routes[column].iloc[bad])}; every row needs observer and "
                "observed party codes such as DEU"
            )


def groups(
    view: TreatyView, routes: geopandas.GeoDataFrame
) -> list[tuple[NDArray[np.intp], TreatyView, RuleSet]]:
    """Return the rows of each (observer, observed, date) with its view and rules.

    Groups come in the order of their first row.

    Raises
    ------
    OptionsError
        If a ``date`` cell is not a date.
    UnknownStateError, NotAPartyError
        If a code is unknown or not a party on the date.
    """
    import pandas as pd

    views = {view.date: view}
    day_code = np.zeros(len(routes), dtype=np.intp)
    days = [view.date]
    if "date" in routes.columns:
        bad = _first_not(routes["date"], (str, dt.date))  # unhashable cells too
        if bad >= 0:
            raise OptionsError(
                f"expected a date such as 2020-01-01 in column date, got "
                f"{_short(routes['date'].iloc[bad])}"
            )
        codes, uniques = pd.factorize(routes["date"])
        days = []
        for value in uniques:
            day_view = view.treaty.as_of(value)
            views.setdefault(day_view.date, day_view)
            days.append(day_view.date)
        day_code = codes
    observer, observers = pd.factorize(routes["observer"])
    observed, observeds = pd.factorize(routes["observed"])
    key = (observer * len(observeds) + observed) * max(1, len(days)) + day_code
    group, firsts = pd.factorize(key)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(len(firsts) + 1))
    result = []
    for index, first in enumerate(firsts):
        rest, day = divmod(int(first), max(1, len(days)))
        who, whom = divmod(rest, len(observeds))
        day_view = views[days[day]]
        rules = route_rules(day_view, observers[who], observeds[whom])
        positions = order[bounds[index] : bounds[index + 1]].astype(np.intp)
        result.append((positions, day_view, rules))
    return result


def declared_ids(
    routes: geopandas.GeoDataFrame, column: str, positions: NDArray[np.intp]
) -> NDArray[np.object_] | None:
    """Return the declared airfield ids of rows ``positions`` (None: no column)."""
    if column not in routes.columns:
        return None
    values = routes[column].to_numpy(dtype=object)[positions]
    return np.array(
        [
            v.strip().upper() if isinstance(v, str) and v.strip() else None
            for v in values
        ],
        dtype=object,
    )
