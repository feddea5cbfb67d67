"""Read routes from any vector file: :func:`routes_from_file`.

GeoJSON and GPX keep their own readers
(:func:`~openskies.geo.route.routes_from_geojson`,
:meth:`~openskies.geo.route.Route.from_gpx`); every other format GDAL reads
(KML, GeoPackage, FlatGeobuf, Shapefile, ...) goes through ``pyogrio``.  Each
LineString feature becomes a :class:`~openskies.geo.route.Route` with its
``name`` (else ``id``), ``start``, ``end`` and ``transit`` properties when present.

References
----------
Treaty on Open Skies, Art. VI.II.2-4 (the declared route of a mission plan).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openskies.errors import DataError, GeometryError
from openskies.geo.route import Route, routes_from_geojson
from openskies.geo.route_parts import is_missing

__all__ = ["routes_from_file"]

_JSON_SUFFIXES = (".geojson", ".json")


def routes_from_file(path: str | Path) -> tuple[Route, ...]:
    """Read every LineString feature of a vector file as a route.

    Parameters
    ----------
    path
        A GeoJSON (``.geojson``/``.json``) or GPX (``.gpx``) file, or any vector
        file GDAL reads (KML, GeoPackage, FlatGeobuf, Shapefile, ...); positions
        are (lon, lat) [degrees, WGS84] or reprojected to it from the file's CRS.

    Returns
    -------
    tuple of Route
        In file order; features that are not lines (e.g. KML placemarks of
        airfields) are skipped.

    Raises
    ------
    DataError
        If the file is missing, unreadable or holds no LineString feature
        (names the file), or a ``transit`` property is not a list.
    GeometryError
        If a line has a bad waypoint or airfield id (names the file and feature).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".gpx":
        return (Route.from_gpx(path),)
    if suffix in _JSON_SUFFIXES:
        return routes_from_geojson(path)
    frame = _read_frame(path)
    routes = tuple(
        _row_route(row, number, path)
        for number, (_, row) in enumerate(frame.iterrows(), 1)
        if getattr(row.get("geometry"), "geom_type", None) == "LineString"
    )
    if not routes:
        raise DataError(
            "holds no LineString feature; a route must be a line of (lon, lat)",
            file=path,
        )
    return routes


def read_vector(path: Path, what: str, hint: str) -> Any:
    """Return the first layer of the vector file ``path`` as a GeoDataFrame.

    Parameters
    ----------
    path
        Any vector file GDAL reads.
    what
        What the file holds, for messages (e.g. ``"route"``).
    hint
        How to fix a bad file, for messages.

    Raises
    ------
    DataError
        If the file is not a regular file (a FIFO would block) or cannot be read.
    """
    import pyogrio

    if not path.is_file():
        state = "does not exist" if not path.exists() else "is not a regular file"
        raise DataError(f"the {what} file {state}; {hint}", file=path)
    try:
        return pyogrio.read_dataframe(path)
    except Exception as err:  # pyogrio raises several kinds of errors
        first = (str(err).splitlines() or [""])[0]
        raise DataError(
            f"cannot read the {what} file: {first[:160]}; {hint}", file=path
        ) from None


def _read_frame(path: Path) -> Any:
    """Return the first layer of ``path`` as a GeoDataFrame in EPSG:4326."""
    frame = read_vector(
        path,
        "route",
        "give a GeoJSON, GPX, KML, GeoPackage, FlatGeobuf or Shapefile of lines",
    )
    if getattr(frame, "crs", None) is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame


def _property(row: Any, *names: str) -> Any:
    """Return the first present, non-empty property of ``names``, else None."""
    for name in names:
        value = row.get(name)
        if not is_missing(value) and value != "":
            return value
    return None


def _transit(value: Any, where: str, path: Path) -> Any:
    """Return a ``transit`` property; text holds a JSON list (e.g. ``"[1]"``)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value) if value.strip() else None
    except ValueError:
        raise DataError(
            f"{where}: transit must be a JSON list of leg indices or booleans, "
            f"e.g. [1, 2]; got {value[:40]!r}",
            file=path,
            field="transit",
        ) from None


def _row_route(row: Any, number: int, path: Path) -> Route:
    """Return the route of the ``number``-th (1-based) feature of ``path``."""
    where = f"feature {number}"
    name = _property(row, "name", "Name", "id")
    try:
        return Route.from_linestring(
            row.get("geometry"),
            start=_property(row, "start"),
            end=_property(row, "end"),
            transit=_transit(_property(row, "transit"), where, path),
            name="" if name is None else str(name),
        )
    except GeometryError as err:
        raise GeometryError(f"{path}: {where}: {err}") from None
