"""Load and validate the geodata: territories, airfields and restrictions.

All readers raise :class:`~openskies.errors.DataError` naming the file, the row (or
feature) and the field when the data are malformed.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openskies.errors import DataError
from openskies.files.tables import Row, read_table
from openskies.treaty.model import (
    AIRFIELD_ROLES,
    RESTRICTION_KINDS,
    STATUSES,
    Airfield,
    FlightDistance,
    Restriction,
)
from openskies.treaty.records import MAX_FLIGHTS, SIGNATURE

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "AREAS",
    "read_airfields",
    "read_features",
    "read_restrictions",
    "treaty_period",
]

TERRITORIES_FILE = "territories.geojson"
RESTRICTION_AREAS_FILE = "restriction_areas.geojson"
AIRFIELDS_FILE = "airfields.csv"
DISTANCES_FILE = "flight_distances.csv"
RESTRICTIONS_FILE = "restrictions.csv"
LEGAL_STATUSES = ("agreed", "disputed", "de_facto", "fact", "rejected")
#: Geometry kinds a territory may have (land plus territorial sea is an area).
AREAS = ("Polygon", "MultiPolygon")
#: Largest geodesic distance between two points of the Earth [km] (half the
#: equator); no flight distance or buffer can usefully exceed it.
MAX_KM = 20_038.0
#: Largest restriction value per unit: distances, altitudes [m], flights.
VALUE_LIMITS = {"km": MAX_KM, "m": 100_000.0, "flights": float(MAX_FLIGHTS)}


def treaty_period(
    row: Row, start: str = "valid_from", end: str = "valid_to"
) -> tuple[dt.date | None, dt.date | None]:
    """Return the half-open period ``[start, end)`` of a row, dated after signature.

    Parameters
    ----------
    row
        The table row.
    start, end
        The fields holding the period's first day and the first day after it.

    Raises
    ------
    DataError
        If a date is malformed, ``end`` is not after ``start``, or a date lies
        before the treaty's signature on 1992-03-24 (no treaty fact is older).
    """
    period = row.period(start, end)
    for field, day in zip((start, end), period, strict=True):
        if day is not None and day < SIGNATURE:
            raise row.error(
                field,
                f"{day.isoformat()} is before the treaty was signed on "
                f"{SIGNATURE.isoformat()}; use a date on or after it",
            )
    return period


def read_features(
    path: Path, key: str, kinds: Sequence[str] | None = None
) -> dict[str, BaseGeometry]:
    """Read a GeoJSON (or any OGR) file into ``{feature[key]: geometry}``.

    Every geometry must be readable (rings closed), non-empty, valid, and in
    longitude/latitude degrees; keys must be present and unique.

    Parameters
    ----------
    path
        The file.
    key
        The property that names each feature (``iso3``, ``id``).
    kinds
        Allowed geometry types (e.g. :data:`AREAS`); any type by default.

    Raises
    ------
    DataError
        If the file cannot be read or a feature is malformed (names the feature
        number and field).
    """
    import pyogrio
    import shapely

    try:
        with warnings.catch_warnings():  # GDAL warns of unclosed rings; we raise
            warnings.simplefilter("ignore", RuntimeWarning)
            _meta, _fids, wkb, fields = pyogrio.raw.read(path, columns=[key])
    except FileNotFoundError:
        raise DataError("file not found", file=path) from None
    except Exception as err:  # pyogrio raises several GDAL error types
        raise DataError(f"cannot read the file: {_short(err)}", file=path) from None
    if not fields:
        raise DataError(f"no {key!r} property on the features", file=path, field=key)
    geometries = shapely.from_wkb(wkb, on_invalid="ignore")
    result: dict[str, BaseGeometry] = {}
    for number, (name, geometry) in enumerate(
        zip(fields[0], geometries, strict=True), start=1
    ):
        if not isinstance(name, str) or not name.strip():
            raise DataError("feature has no name", file=path, row=number, field=key)
        if name in result:
            raise DataError(f"{name!r} appears twice", file=path, row=number, field=key)
        if geometry is None and wkb[number - 1] is not None:
            _unreadable(wkb[number - 1], path, number, name)
        _check_geometry(geometry, path, number, name, kinds)
        result[name] = geometry
    return result


def _short(value: object, limit: int = 120) -> str:
    """Return ``str(value)`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unreadable(wkb: bytes, path: Path, number: int, name: str) -> None:
    """Raise the DataError saying why GEOS refused feature ``name``'s geometry."""
    import shapely

    try:
        shapely.from_wkb(wkb)
    except shapely.errors.GEOSException as err:
        reason = _short(err)
    else:  # pragma: no cover - GEOS refused it once, so it refuses it again
        reason = "unreadable geometry"
    raise DataError(
        f"feature {name!r}: geometry cannot be read ({reason}); close every ring "
        "(its last point must equal its first)",
        file=path,
        row=number,
        field="geometry",
    )


def _check_geometry(
    geometry: BaseGeometry | None,
    path: Path,
    number: int,
    name: str,
    kinds: Sequence[str] | None,
) -> None:
    import shapely

    def fail(message: str) -> DataError:
        return DataError(
            f"feature {name!r}: {message}", file=path, row=number, field="geometry"
        )

    if geometry is None or geometry.is_empty:
        raise fail("geometry is empty")
    if kinds is not None and geometry.geom_type not in kinds:
        raise fail(
            f"geometry is a {geometry.geom_type}; it must be a {' or '.join(kinds)}"
        )
    minx, miny, maxx, maxy = geometry.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise fail(
            "coordinates are outside longitude -180..180 / latitude -90..90; "
            "geodata must be in EPSG:4326"
        )
    if not geometry.is_valid:
        reason = _short(shapely.is_valid_reason(geometry))
        raise fail(f"geometry is invalid ({reason}); repair it with shapely.make_valid")


def read_airfields(directory: Path, states: frozenset[str]) -> tuple[Airfield, ...]:
    """Read ``airfields.csv`` and ``flight_distances.csv`` from ``directory``.

    Raises
    ------
    DataError
        On a malformed row, an unknown state or airfield, or overlapping periods
        of unconditional distances for one airfield.
    """
    distances = _read_distances(directory / DISTANCES_FILE)
    airfields: list[Airfield] = []
    for row in read_table(
        directory / AIRFIELDS_FILE,
        ("id", "state", "name", "roles", "lat", "lon", "position_status"),
    ):
        ident = row.text("id")
        if any(a.id == ident for a in airfields):
            raise row.error("id", f"airfield {ident!r} appears twice")
        airfields.append(_airfield(row, ident, states, distances.pop(ident, [])))
    if distances:
        ident, rows = next(iter(distances.items()))
        raise DataError(
            f"distance for unknown airfield {ident!r}; add it to {AIRFIELDS_FILE}",
            file=directory / DISTANCES_FILE,
            row=rows[0][0],
            field="airfield",
        )
    return tuple(airfields)


def _airfield(
    row: Row,
    ident: str,
    states: frozenset[str],
    distances: list[tuple[int, FlightDistance]],
) -> Airfield:
    state = row.text("state")
    if state not in states:
        raise row.error("state", f"unknown state {state!r}")
    roles = frozenset(row.text("roles").split())
    unknown = roles - set(AIRFIELD_ROLES)
    if unknown:
        raise row.error(
            "roles",
            f"unknown role(s) {', '.join(sorted(unknown))}; use "
            f"{', '.join(AIRFIELD_ROLES)}",
        )
    lat, lon = row.number("lat"), row.number("lon")
    if not (-90 <= lat <= 90):
        raise row.error("lat", f"latitude {lat} is outside -90..90")
    if not (-180 <= lon <= 180):
        raise row.error("lon", f"longitude {lon} is outside -180..180")
    valid_from, valid_to = treaty_period(row)
    inspection = row.text("inspection", required=False) or "no"
    if inspection not in ("yes", "no"):
        raise row.error("inspection", f"{inspection!r} is not yes or no")
    return Airfield(
        id=ident,
        state=state,
        name=row.text("name"),
        icao=row.text("icao", required=False),
        icao_status=row.text("icao_status", required=False) or "none",
        roles=roles,
        inspection=inspection == "yes",
        lon=lon,
        lat=lat,
        position_status=row.choice("position_status", STATUSES),
        distances=tuple(d for _, d in distances),
        valid_from=valid_from,
        valid_to=valid_to,
        note=row.text("note", required=False),
        source=row.text("source", required=False),
    )


def _read_distances(path: Path) -> dict[str, list[tuple[int, FlightDistance]]]:
    result: dict[str, list[tuple[int, FlightDistance]]] = {}
    for row in read_table(path, ("airfield", "max_km", "valid_from", "valid_to")):
        start, end = treaty_period(row)
        max_km = row.number("max_km")
        if not 0 < max_km <= MAX_KM:
            raise row.error(
                "max_km", f"{max_km:g} km is not a distance in 0..{MAX_KM:g} km"
            )
        distance = FlightDistance(
            max_km=max_km,
            valid_from=start,
            valid_to=end,
            status=row.choice("status", STATUSES),
            condition=row.text("condition", required=False),
            source=row.text("source", required=False),
        )
        rows = result.setdefault(row.text("airfield"), [])
        for _, other in rows:
            if _overlap(distance, other):
                raise row.error(
                    "valid_from",
                    "overlaps another unconditional distance of this airfield; "
                    "close the earlier period with valid_to",
                )
        rows.append((row.index, distance))
    return result


def _overlap(a: FlightDistance, b: FlightDistance) -> bool:
    if a.condition or b.condition or a.valid_from is None or b.valid_from is None:
        return False
    if (a.status == "inferred") != (b.status == "inferred"):
        return False  # an inferred bound only fills gaps (FlightDistance)
    a_end, b_end = a.valid_to, b.valid_to
    return (b_end is None or a.valid_from < b_end) and (
        a_end is None or b.valid_from < a_end
    )


def _restriction_value(row: Row) -> float | None:
    """Return a restriction's value, which must lie in ``0..VALUE_LIMITS[unit]``."""
    value = row.optional_number("value")
    if value is None:
        return None
    unit = row.text("unit", required=False)
    limit = VALUE_LIMITS.get(unit, math.inf)
    if not 0 <= value <= limit:
        raise row.error(
            "value",
            f"{value:g} {unit} is outside the allowed range 0..{limit:g} {unit}",
        )
    return value


def read_restrictions(
    path: Path, areas: Mapping[str, BaseGeometry], codes: frozenset[str]
) -> tuple[Restriction, ...]:
    """Read ``restrictions.csv``, resolving geometry references against ``areas``.

    Raises
    ------
    DataError
        On a malformed row, an unknown kind, code or geometry reference.
    """
    from shapely import union_all

    result: list[Restriction] = []
    for row in read_table(
        path, ("id", "kind", "observed", "applies_to", "valid_from", "legal_status")
    ):
        ident = row.text("id")
        if any(r.id == ident for r in result):
            raise row.error("id", f"restriction {ident!r} appears twice")
        value = _restriction_value(row)
        imposer = row.text("imposed_by", required=False)
        if imposer and imposer not in codes:
            raise row.error("imposed_by", f"unknown state or party {imposer!r}")
        refs = tuple(row.text("geometry_ref", required=False).split())
        missing = [ref for ref in refs if ref not in areas]
        if missing:
            raise row.error(
                "geometry_ref",
                f"no feature {', '.join(missing)} in {RESTRICTION_AREAS_FILE}",
            )
        observed = row.text("observed")
        applies = row.text("applies_to")
        observers = () if applies == "all" else tuple(applies.split())
        for field, names in (("observed", (observed,)), ("applies_to", observers)):
            bad = [c for c in names if c != "all" and c not in codes]
            if bad:
                raise row.error(field, f"unknown state or party {', '.join(bad)}")
        start, end = row.date("valid_from"), treaty_period(row)[1]
        result.append(
            Restriction(
                id=ident,
                kind=row.choice("kind", RESTRICTION_KINDS),
                imposed_by=imposer,
                observed=observed,
                applies_to=observers,
                geometry_refs=refs,
                value=value,
                unit=row.text("unit", required=False),
                value_status=row.choice("value_status", STATUSES),
                valid_from=start,
                valid_to=end,
                dates_status=row.choice("dates_status", STATUSES),
                legal_status=row.choice("legal_status", LEGAL_STATUSES),
                note=row.text("note", required=False),
                geometry=union_all([areas[r] for r in refs]) if refs else None,
            )
        )
    return tuple(result)
