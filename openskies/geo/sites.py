"""Sites an observer wants to photograph: the site list of an annual plan.

A site list is a CSV file with ``observed, name, lon, lat, value`` (and optional
``kind``, ``note``): the state a site lies in, its name, position and value.
:func:`read_sites` reads one; :func:`sites_frame` turns the sites over one
observed party into the GeoDataFrame :func:`openskies.routing.planner.plan_route` takes.

The bundled list (``quotas/sites_illustrative.csv``, :func:`bundled_sites`) is
illustrative: public places (capitals, ports, air and naval bases) with made-up
values, chosen well inside the territories of the parties of 2020, to exercise
the planner.  It is not anybody's observation target list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd

    from openskies.treaty.model import Treaty, TreatyView

__all__ = [
    "DEFAULT_SITES",
    "MAX_VALUE",
    "SITE_COLUMNS",
    "Site",
    "bundled_sites",
    "read_sites",
    "sites_frame",
    "sites_over",
]

#: The bundled illustrative site list, in ``quotas/``.
DEFAULT_SITES = "sites_illustrative.csv"
#: Required columns of a site list; ``kind`` and ``note`` are optional.
SITE_COLUMNS = ("observed", "name", "lon", "lat", "value")
#: Largest value of one site: the planner's sums over its at most
#: ``openskies.routing.planner.MAX_SITES`` sites stay exact enough and finite.
MAX_VALUE = 1e12


@dataclass(frozen=True, slots=True)
class Site:
    """A place an observer wants to photograph.

    Attributes
    ----------
    observed
        ISO3 code of the state it lies in; missions over that state's party may
        visit it.
    name
        Name, unique among the sites of one state.
    lon, lat
        Position [degrees, WGS84].
    value
        What a photograph of it is worth (> 0, at most :data:`MAX_VALUE`); the
        route planner maximises the
        sum over the sites a route visits.
    kind
        Free text, e.g. ``city``, ``port``, ``air base``.
    """

    observed: str
    name: str
    lon: float
    lat: float
    value: float
    kind: str = ""

    @property
    def label(self) -> str:
        """The site's label in route plans: ``"name (ISO3)"``."""
        return f"{self.name} ({self.observed})"


def read_sites(path: str | Path, *, treaty: Treaty | None = None) -> tuple[Site, ...]:
    """Read a site list (CSV, UTF-8).

    Parameters
    ----------
    path
        The file, with columns ``observed, name, lon, lat, value`` and optional
        ``kind, note``.  ``observed`` is the ISO3 code of the state the site lies
        in.
    treaty
        If given, ``observed`` codes are checked against its states.

    Returns
    -------
    tuple of Site
        In file order.

    Raises
    ------
    DataError
        If the file is missing or a row is malformed: a position out of range
        or not finite, a value not > 0 or above :data:`MAX_VALUE`, an unknown
        state, a name twice for one state (names file, row and field).
    """
    from openskies.files.tables import read_table

    known = None if treaty is None else {s.iso3 for s in treaty.states}
    sites: list[Site] = []
    seen: set[tuple[str, str]] = set()
    for row in read_table(Path(path), SITE_COLUMNS):
        observed = row.text("observed").upper()
        if known is not None and observed not in known:
            raise row.error(
                "observed",
                f"{observed!r} is not a state known to the treaty data; use the "
                "ISO3 code of the state the site lies in (e.g. RUS, BEL)",
            )
        name = row.text("name")
        if (observed, name) in seen:
            raise row.error("name", f"{name!r} appears twice for {observed}")
        seen.add((observed, name))
        lon, lat, value = row.number("lon"), row.number("lat"), row.number("value")
        if not -180.0 <= lon <= 180.0:
            raise row.error("lon", f"{lon} is outside -180..180")
        if not -90.0 <= lat <= 90.0:
            raise row.error("lat", f"{lat} is outside -90..90")
        if not 0 < value <= MAX_VALUE:
            raise row.error("value", f"{value} is not > 0 and at most {MAX_VALUE:g}")
        kind = row.text("kind", required=False)
        sites.append(Site(observed, name, lon, lat, value, kind))
    return tuple(sites)


def bundled_sites() -> tuple[Site, ...]:
    """Return the bundled illustrative site list (see the module docstring).

    Raises
    ------
    DataError
        If the bundled file is malformed (a broken installation).
    """
    from openskies.treaty.resources import bundled_dir

    return read_sites(bundled_dir("quotas") / DEFAULT_SITES)


def sites_over(view: TreatyView, sites: Iterable[Site], observed: str) -> list[Site]:
    """Return the sites in states of party ``observed`` on the view's date."""
    states = set(view.party(observed).states)
    return [s for s in sites if s.observed in states]


def sites_frame(
    sites: Iterable[Site], values: Iterable[float] | None = None
) -> gpd.GeoDataFrame:
    """Return sites as a GeoDataFrame for :func:`~openskies.routing.planner.plan_route`.

    Parameters
    ----------
    sites
        The sites.
    values
        Values to use instead of the sites' own (e.g. lowered for sites already
        observed), one per site.

    Returns
    -------
    geopandas.GeoDataFrame
        Index: the sites' labels; columns ``value``, ``kind``, ``observed`` and
        point geometry (EPSG:4326).
    """
    import geopandas as gpd

    chosen = list(sites)
    worth = [s.value for s in chosen] if values is None else list(values)
    return gpd.GeoDataFrame(
        {
            "value": worth,
            "kind": [s.kind for s in chosen],
            "observed": [s.observed for s in chosen],
        },
        index=[s.label for s in chosen],
        geometry=gpd.points_from_xy([s.lon for s in chosen], [s.lat for s in chosen]),
        crs="EPSG:4326",
    )
