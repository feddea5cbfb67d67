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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.errors import DataError, GeometryError
from openskies.files.user_files import read_user_text, shown
from openskies.geo.route_parts import (
    Coordinate,
    airfield_id,
    as_point,
    check_point,
    check_types,
    is_empty,
    is_missing,
    transit_flags,
)

if TYPE_CHECKING:
    from shapely import LineString

__all__ = ["Route", "as_route", "routes_from_geojson", "transit_flags"]


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
        check_types(self)
        count = len(self.waypoints)
        if count < 2:
            raise GeometryError(
                f"a route needs at least two waypoints (start and end); got {count}"
            )
        for number, point in enumerate(self.waypoints, start=1):
            check_point(point, number, count)
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

    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """The route as a GeoJSON Feature (the Python geospatial protocol)."""
        return self.to_feature()

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
            If ``coords`` is not a sequence of points, or on a malformed waypoint
            (names it), transit list, airfield id or name.
        """
        if isinstance(coords, str | bytes | Mapping) or not isinstance(
            coords, Iterable
        ):
            raise GeometryError(
                f"coords must be a sequence of (lon, lat) pairs in degrees; got "
                f"{type(coords).__name__} {shown(coords)}"
            )
        points = [as_point(point, number) for number, point in enumerate(coords, 1)]
        if not isinstance(name, str):
            raise GeometryError(f"name must be text; got {shown(name)}")
        return cls(
            tuple(points),
            transit_flags(transit, max(len(points) - 1, 0)) if len(points) > 1 else (),
            airfield_id(start, "start"),
            airfield_id(end, "end"),
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
                f"{type(line).__name__}{' (empty)' if is_empty(line) else ''}"
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
                    f"{origin}: GPX point {number} ({kind}) has no valid lat/lon "
                    f"attributes: {shown(point.attrib, 80)}"
                ) from None
        try:
            return cls.from_coords(
                coords, transit=transit, start=start, end=end, name=name.strip()
            )
        except GeometryError as err:
            raise GeometryError(f"{origin}: {err}") from None

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
            name="" if is_missing(name) else str(name),
        )


def _read_text(source: object, marker: tuple[str, ...]) -> tuple[str, str]:
    """Return the text of ``source`` (inline text or a file) and its origin."""
    if isinstance(source, str) and source.lstrip().startswith(marker):
        return source, "<text>"
    if not isinstance(source, str | Path):
        raise DataError(
            f"expected a file path, text or (GeoJSON) mapping; got "
            f"{type(source).__name__} {shown(source)}"
        )
    return read_user_text(source, what="route file"), str(source)


def _parse_json(text: str, origin: str) -> object:
    """Parse JSON text; a document nested too deep is refused, not a crash."""
    try:
        return json.loads(text)
    except RecursionError:
        raise DataError(
            "the JSON is nested too deeply to be a GeoJSON route file", file=origin
        ) from None
    except ValueError as err:  # JSONDecodeError, or an integer of > 4300 digits
        raise DataError(
            f"not JSON: {shown(str(err), 120)[1:-1]}", file=origin
        ) from None


def _features(document: object, origin: str) -> list[object]:
    """Return the features of a GeoJSON object (a bare geometry is one feature)."""
    if not isinstance(document, Mapping):
        raise DataError(
            f"GeoJSON must be an object (a Feature, FeatureCollection or "
            f"LineString); got {shown(document)}",
            file=origin,
        )
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise DataError(
                f"'features' must be a list of Feature objects; got {shown(features)}",
                file=origin,
                field="features",
            )
        return features
    if kind == "Feature":
        return [document]
    return [{"type": "Feature", "geometry": document, "properties": {}}]


def _object(feature: Mapping[str, Any], key: str, where: str, origin: str) -> Any:
    """Return the JSON object under ``key`` of ``feature`` (null: empty)."""
    value = feature.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError(
            f"{where}: {key!r} must be a JSON object; got {shown(value)}",
            file=origin,
            field=key,
        )
    return value


def _feature_route(feature: object, where: str, origin: str) -> Route:
    """Return the route of one GeoJSON feature."""
    if not isinstance(feature, Mapping):
        raise DataError(
            f"{where} must be a JSON object (a Feature); got {shown(feature)}",
            file=origin,
        )
    geometry = _object(feature, "geometry", where, origin)
    properties = _object(feature, "properties", where, origin)
    if geometry.get("type") != "LineString":
        raise GeometryError(
            f"{origin}: {where} is a {shown(geometry.get('type'))} geometry; "
            "a route must be a LineString of (lon, lat)"
        )
    name = properties.get("name")
    if name is None:  # else the feature's id (text or number), as GDAL reads it
        ident = feature.get("id", properties.get("id"))
        name = str(ident) if isinstance(ident, str) or type(ident) is int else None
    if name is not None and not isinstance(name, str):
        raise GeometryError(
            f"{origin}: {where}, key 'name': must be text; got {shown(name)}"
        )
    coords = geometry.get("coordinates")
    if not isinstance(coords, list):
        raise GeometryError(
            f"{origin}: {where}, key 'coordinates': must be a list of [lon, lat] "
            f"positions; got {shown(coords)}"
        )
    try:
        return Route.from_coords(
            coords,
            transit=properties.get("transit"),
            start=properties.get("start"),
            end=properties.get("end"),
            name=name or "",
        )
    except GeometryError as err:
        raise GeometryError(f"{origin}: {where}: {err}") from None


def routes_from_geojson(source: Mapping[str, Any] | str | Path) -> tuple[Route, ...]:
    """Read every LineString feature of a GeoJSON object, text or file as a route.

    The format: a FeatureCollection of LineString features, one Feature, or a
    bare LineString geometry, coordinates ``[lon, lat]`` in degrees (WGS84).
    Each feature's properties may give ``name`` (text; else the feature's
    ``id`` names the route), ``start`` and ``end`` (airfield ids such as
    ``"UUMB"``) and ``transit``: a list of one JSON boolean per leg
    (``[false, true]``) or of the 0-based indices of the transit legs
    (``[1]``); see :func:`transit_flags`.

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
        If the file cannot be read (missing, a directory, a FIFO), is not JSON
        or is nested too deeply, or a feature, its geometry or its properties
        is not a JSON object (names the file, feature and key).
    GeometryError
        If a feature is not a LineString or has a bad waypoint, transit list or
        property (names the file, the feature and the waypoint or key).
    """
    if isinstance(source, Mapping):
        document: Any = source
        origin = "<object>"
    else:
        text, origin = _read_text(source, ("{", "["))
        document = _parse_json(text, origin)
    features = _features(document, origin)
    routes = tuple(
        _feature_route(feature, f"feature {number}", origin)
        for number, feature in enumerate(features, start=1)
    )
    if not routes:
        raise GeometryError(f"{origin}: no route (LineString feature) found")
    return routes


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
