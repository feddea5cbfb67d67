"""The declared track of an observation flight: :class:`Route`.

A route is its waypoints (lon, lat) in order, joined by legs along WGS84
geodesics; some legs may be declared transit legs (sensors off), and the
starting and ending airfields may be named.  Routes are built from coordinates,
shapely line strings, GeoJSON, GPX tracks or GeoDataFrame rows; bad coordinates
raise :class:`~openskies.errors.GeometryError` naming the waypoint.

References
----------
Treaty on Open Skies, Art. VI.II.2-4 (mission plan: declared points, straight
legs, start at an Open Skies airfield, end at one or at a point of exit) and
Art. VI.II.5 (transit with sensors not collecting).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.errors import DataError, GeometryError

if TYPE_CHECKING:
    from shapely import LineString

__all__ = ["Route", "as_route", "routes_from_geojson", "transit_flags"]

Coordinate = tuple[float, float]


def _missing(value: object) -> bool:
    """Whether a table cell is empty (None, NaN, pandas NA)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def transit_flags(transit: Iterable[object] | None, legs: int) -> tuple[bool, ...]:
    """Return one transit flag per leg from per-leg booleans or leg indices.

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
        If a value is not a boolean or a leg index in range.
    """
    if transit is None or _missing(transit):
        return (False,) * legs
    if isinstance(transit, str):
        transit = json.loads(transit) if transit.strip() else []
    values = list(transit)
    if all(isinstance(v, bool) for v in values) and len(values) == legs:
        return tuple(values)
    flags = [False] * legs
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            raise GeometryError(
                f"transit must be {legs} booleans (one per leg) or a list of leg "
                f"indices 0..{legs - 1}; got {values!r}"
            )
        if not 0 <= value < legs:
            raise GeometryError(
                f"transit leg {value} does not exist: the route has {legs} legs, "
                f"numbered 0..{legs - 1}"
            )
        flags[value] = True
    return tuple(flags)


def _airfield_id(value: object, field: str) -> str | None:
    if _missing(value) or value == "":
        return None
    if not isinstance(value, str):
        raise GeometryError(
            f"{field} must be an airfield id such as 'UUMB'; got {value!r}"
        )
    return value.strip().upper()


@dataclass(frozen=True, slots=True)
class Route:
    """The declared track of one observation flight.

    Attributes
    ----------
    waypoints
        Declared points ``(lon, lat)`` in order [degrees, WGS84]; consecutive
        points are joined by geodesic legs.
    transit
        One flag per leg: True for a transit leg (sensors off), which may leave
        the observed territory and does not count against the maximum distance.
    start, end
        Ids of the starting and ending airfields, if declared (else the checks
        use the nearest eligible airfield).
    name
        Free text.

    Raises
    ------
    GeometryError
        If there are fewer than two waypoints, a coordinate is not a finite
        number, a latitude is outside -90..90 or a longitude outside -180..180
        (the message names the waypoint), or ``transit`` does not have one flag
        per leg.

    Examples
    --------
    >>> route = Route.from_coords([(36.653, 55.608), (40.0, 58.0), (36.653, 55.608)])
    >>> route.legs
    2
    """

    waypoints: tuple[Coordinate, ...]
    transit: tuple[bool, ...] = ()
    start: str | None = None
    end: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        """Validate the waypoints and transit flags."""
        count = len(self.waypoints)
        if count < 2:
            raise GeometryError(
                f"a route needs at least two waypoints (start and end); got {count}"
            )
        for number, point in enumerate(self.waypoints, start=1):
            _check_point(point, number, count)
        if not self.transit:
            object.__setattr__(self, "transit", (False,) * (count - 1))
        elif len(self.transit) != count - 1:
            raise GeometryError(
                f"transit has {len(self.transit)} flags but the route has "
                f"{count - 1} legs; give one flag per leg"
            )

    @property
    def legs(self) -> int:
        """Number of legs."""
        return len(self.waypoints) - 1

    @property
    def transit_legs(self) -> tuple[int, ...]:
        """Indices of the transit legs."""
        return tuple(i for i, flag in enumerate(self.transit) if flag)

    @property
    def line(self) -> LineString:
        """The waypoints as a shapely line string (vertices only, not densified)."""
        from shapely import LineString

        return LineString(self.waypoints)

    def to_feature(self) -> dict[str, Any]:
        """Return the route as a GeoJSON feature (properties start, end, transit)."""
        return {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [list(p) for p in self.waypoints],
            },
            "properties": {
                "name": self.name,
                "start": self.start,
                "end": self.end,
                "transit": list(self.transit_legs),
            },
        }

    @classmethod
    def from_coords(
        cls,
        coords: Iterable[Sequence[float]],
        *,
        transit: Iterable[object] | None = None,
        start: str | None = None,
        end: str | None = None,
        name: str = "",
    ) -> Route:
        """Build a route from ``(lon, lat)`` pairs (a third value is ignored).

        Parameters
        ----------
        coords
            Waypoints in order [degrees].
        transit
            One boolean per leg, or the indices of the transit legs.
        start, end
            Airfield ids, e.g. ``"UUMB"``.
        name
            Free text.

        Raises
        ------
        GeometryError
            On a malformed waypoint or transit list (names the waypoint).
        """
        points: list[Coordinate] = []
        for number, point in enumerate(coords, start=1):
            try:
                lon, lat = float(point[0]), float(point[1])
            except (TypeError, ValueError, IndexError):
                raise GeometryError(
                    f"waypoint {number} is {point!r}; give (lon, lat) in degrees"
                ) from None
            points.append((lon, lat))
        return cls(
            tuple(points),
            transit_flags(transit, max(len(points) - 1, 0)) if len(points) > 1 else (),
            _airfield_id(start, "start"),
            _airfield_id(end, "end"),
            name,
        )

    @classmethod
    def from_linestring(cls, line: object, **kwargs: Any) -> Route:
        """Build a route from a shapely ``LineString`` of (lon, lat).

        Keyword arguments are those of :meth:`from_coords`.

        Raises
        ------
        GeometryError
            If ``line`` is not a non-empty line string or a waypoint is bad.
        """
        from shapely import LineString

        if not isinstance(line, LineString) or line.is_empty:
            raise GeometryError(
                f"a route must be a non-empty LineString of (lon, lat); got "
                f"{type(line).__name__}{' (empty)' if _is_empty(line) else ''}"
            )
        return cls.from_coords(line.coords, **kwargs)

    @classmethod
    def from_geojson(cls, source: Mapping[str, Any] | str | Path) -> Route:
        """Build a route from a GeoJSON LineString feature or geometry.

        The feature's properties ``start``, ``end``, ``transit`` (booleans per
        leg or leg indices) and ``name`` are used when present.

        Parameters
        ----------
        source
            A parsed GeoJSON object, JSON text, or the path of a file holding a
            feature, a geometry, or a collection of exactly one feature.

        Raises
        ------
        DataError
            If the file cannot be read or is not JSON.
        GeometryError
            If it does not hold exactly one LineString or a waypoint is bad.
        """
        routes = routes_from_geojson(source)
        if len(routes) != 1:
            raise GeometryError(
                f"expected one route, found {len(routes)}; use routes_from_geojson "
                "for a collection"
            )
        return routes[0]

    @classmethod
    def from_gpx(
        cls,
        source: str | Path,
        *,
        start: str | None = None,
        end: str | None = None,
        transit: Iterable[object] | None = None,
    ) -> Route:
        """Build a route from a GPX file or text (track, else route, else waypoints).

        Parameters
        ----------
        source
            Path of a ``.gpx`` file, or GPX text.
        start, end, transit
            As in :meth:`from_coords` (GPX has no place for them).

        Raises
        ------
        DataError
            If the file cannot be read or is not XML.
        GeometryError
            If it holds no points or a point is bad (names the point).
        """
        import xml.etree.ElementTree as ElementTree

        text, origin = _read_text(source, ("<?xml", "<gpx"))
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError as err:
            raise DataError(f"not a GPX (XML) document: {err}", file=origin) from None

        def local(tag: str) -> str:
            return tag.rsplit("}", 1)[-1]

        elements = list(root.iter())
        name = next((e.text or "" for e in elements if local(e.tag) == "name"), "")
        for kind in ("trkpt", "rtept", "wpt"):
            points = [e for e in elements if local(e.tag) == kind]
            if points:
                break
        coords = []
        for number, point in enumerate(points, start=1):
            try:
                coords.append((float(point.attrib["lon"]), float(point.attrib["lat"])))
            except (KeyError, ValueError):
                raise GeometryError(
                    f"GPX point {number} ({kind}) has no valid lat/lon attributes: "
                    f"{point.attrib!r}"
                ) from None
        return cls.from_coords(
            coords, transit=transit, start=start, end=end, name=name.strip()
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Route:
        """Build a route from a GeoDataFrame row (a pandas Series or a mapping).

        Uses ``geometry`` and, when present and not empty, ``start``, ``end``,
        ``transit`` and ``name``.

        Raises
        ------
        GeometryError
            If the geometry is not a LineString or a waypoint is bad.
        """
        name = row.get("name")
        return cls.from_linestring(
            row.get("geometry"),
            start=row.get("start"),
            end=row.get("end"),
            transit=row.get("transit"),
            name="" if _missing(name) else str(name),
        )


def _is_empty(value: object) -> bool:
    return bool(getattr(value, "is_empty", False))


def _check_point(point: Coordinate, number: int, count: int) -> None:
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


def _read_text(source: str | Path, marker: tuple[str, ...]) -> tuple[str, str]:
    """Return the text of ``source`` (inline text or a file) and its origin."""
    if isinstance(source, str) and source.lstrip().startswith(marker):
        return source, "<text>"
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except OSError as err:
        raise DataError(f"cannot read the file: {err.strerror}", file=path) from None


def routes_from_geojson(source: Mapping[str, Any] | str | Path) -> tuple[Route, ...]:
    """Read every LineString feature of a GeoJSON object, text or file as a route.

    Parameters
    ----------
    source
        A parsed GeoJSON object, JSON text, or a file path.

    Returns
    -------
    tuple of Route
        One per feature, in order.

    Raises
    ------
    DataError
        If the file cannot be read or is not JSON.
    GeometryError
        If a feature is not a LineString or has a bad waypoint (names the
        feature and the waypoint).
    """
    if isinstance(source, Mapping):
        document: Any = source
        origin = "<object>"
    else:
        text, origin = _read_text(source, ("{",))
        try:
            document = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(f"not JSON: {err}", file=origin) from None
    if not isinstance(document, Mapping):
        raise GeometryError(f"{origin}: GeoJSON must be an object; got {document!r}")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = list(document.get("features") or [])
    elif kind == "Feature":
        features = [document]
    else:
        features = [{"type": "Feature", "geometry": document, "properties": {}}]
    routes = []
    for number, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        properties = (feature or {}).get("properties") or {}
        if geometry.get("type") != "LineString":
            raise GeometryError(
                f"{origin}: feature {number} is a {geometry.get('type')!r} geometry; "
                "a route must be a LineString of (lon, lat)"
            )
        try:
            routes.append(
                Route.from_coords(
                    geometry.get("coordinates") or [],
                    transit=properties.get("transit"),
                    start=properties.get("start"),
                    end=properties.get("end"),
                    name=str(properties.get("name") or ""),
                )
            )
        except GeometryError as err:
            raise GeometryError(f"{origin}: feature {number}: {err}") from None
    if not routes:
        raise GeometryError(f"{origin}: no route (LineString feature) found")
    return tuple(routes)


def as_route(value: object) -> Route:
    """Return ``value`` as a :class:`Route` (a Route or a shapely LineString).

    Raises
    ------
    GeometryError
        If ``value`` is neither, or is a bad line string.
    """
    if isinstance(value, Route):
        return value
    return Route.from_linestring(value)
