"""The ledger's GeoPackage schema (OGC GeoPackage 1.3) and geometry encoding.

A ledger is one SQLite file that follows the GeoPackage 1.3 encoding standard
(OGC 12-128r18): ``application_id`` 'GPKG', ``user_version`` 10300, the tables
``gpkg_spatial_ref_sys`` (EPSG:4326 and the two undefined systems),
``gpkg_contents`` and ``gpkg_geometry_columns``.  Feature layers (EPSG:4326):

- ``missions``: every calendar's missions with their route (LINESTRING);
  ``calendar`` is 0 for the plan's calendar and the sequence number of the
  ``calendar`` event of each committed re-plan;
- ``tracks``: flown tracks recorded with an outcome (LINESTRING);
- ``airfields``: the observed parties' airfields (POINT).

Attribute tables: ``distribution`` (the year's active quotas), ``parties``
(passive quotas and the dates of each state's membership), ``events`` (the
append-only journal), ``balance`` (the balance after the last event, rewritten
in the same transaction as each event) and ``ledger_meta`` (format, schema
version, year, reading of the per-pair cap, scenario).

Geometries are GeoPackage binary: ``'GP'``, version 0, flags (little-endian,
envelope ``[minx, maxx, miny, maxy]``), the ``srs_id`` and the envelope, then
ISO WKB from :func:`shapely.to_wkb`.

References
----------
OGC GeoPackage Encoding Standard 1.3 (OGC 12-128r18), clauses 1.1.1-1.1.3 and
2.1.3 (geometry encoding).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "APPLICATION_ID",
    "FORMAT",
    "SCHEMA_VERSION",
    "USER_VERSION",
    "decode_geometry",
    "encode_geometry",
    "schema_statements",
]

#: ``PRAGMA application_id`` of a GeoPackage: 'GPKG' as a big-endian integer.
APPLICATION_ID = 0x47504B47
#: ``PRAGMA user_version`` of GeoPackage 1.3.0.
USER_VERSION = 10300
#: Value of ``format`` in ``ledger_meta``.
FORMAT = "openskies-ledger"
#: Version of the ledger's tables; another version is refused on opening.
SCHEMA_VERSION = 1
#: The spatial reference system of every layer.
SRS_ID = 4326

_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
    'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
    'AUTHORITY["EPSG","4326"]]'
)

_CORE = """
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
    REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id)
    REFERENCES gpkg_spatial_ref_sys (srs_id));
"""

#: Layers: name -> (geometry type, column definitions, description).
_LAYERS = {
    "missions": (
        "LINESTRING",
        "calendar INTEGER NOT NULL, mission_id TEXT NOT NULL, observer TEXT NOT NULL,"
        " observed TEXT NOT NULL, poe TEXT NOT NULL, aircraft TEXT,"
        " taxi INTEGER NOT NULL, notice TEXT NOT NULL, arrival TEXT NOT NULL,"
        " end_time TEXT NOT NULL, route_status TEXT NOT NULL,"
        " UNIQUE (calendar, mission_id)",
        "missions of each calendar with their planned routes",
    ),
    "tracks": (
        "LINESTRING",
        "event_seq INTEGER NOT NULL, mission_id TEXT NOT NULL",
        "tracks flown, recorded with an outcome",
    ),
    "airfields": (
        "POINT",
        "airfield_id TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,"
        " party TEXT NOT NULL, roles TEXT NOT NULL, max_distance_km DOUBLE",
        "airfields of the observed parties",
    ),
}

#: Attribute tables: name -> (column definitions, description).
_TABLES = {
    "ledger_meta": (
        "key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL",
        "format, schema version, year and readings of the ledger",
    ),
    "distribution": (
        "observer TEXT NOT NULL, observed TEXT NOT NULL, flights INTEGER NOT NULL,"
        " PRIMARY KEY (observer, observed)",
        "the year's distribution of active quotas (Art. III)",
    ),
    "parties": (
        "state TEXT NOT NULL PRIMARY KEY, party TEXT NOT NULL,"
        " passive_quota INTEGER NOT NULL, in_force TEXT, left_on TEXT",
        "states, their quota-holding party, its passive quota, membership dates",
    ),
    "events": (
        "seq INTEGER PRIMARY KEY AUTOINCREMENT, recorded_at TEXT NOT NULL,"
        " kind TEXT NOT NULL, date TEXT NOT NULL, mission_id TEXT,"
        " outcome TEXT, cause TEXT, counted INTEGER, observer TEXT, observed TEXT,"
        " receiver TEXT, flights INTEGER, consent INTEGER, requester TEXT,"
        " note TEXT NOT NULL DEFAULT '', payload TEXT",
        "the journal of outcomes, transfers, imagery requests and calendars",
    ),
    "balance": (
        "observer TEXT NOT NULL, observed TEXT NOT NULL, distributed INTEGER NOT NULL,"
        " transferred_in INTEGER NOT NULL, transferred_out INTEGER NOT NULL,"
        " flown INTEGER NOT NULL, remaining INTEGER NOT NULL,"
        " passive_quota INTEGER NOT NULL, passive_used INTEGER NOT NULL,"
        " passive_left INTEGER NOT NULL, PRIMARY KEY (observer, observed)",
        "the balance after the last event (OS Format 1's fields)",
    ),
}

#: Columns of :meth:`openskies.ledger.Ledger.balance`, as in the ``balance`` table.
BALANCE_COLUMNS = (
    "observer",
    "observed",
    "distributed",
    "transferred_in",
    "transferred_out",
    "flown",
    "remaining",
    "passive_quota",
    "passive_used",
    "passive_left",
)
#: Columns of the ``events`` table, in order.
EVENT_COLUMNS = (
    "seq",
    "recorded_at",
    "kind",
    "date",
    "mission_id",
    "outcome",
    "cause",
    "counted",
    "observer",
    "observed",
    "receiver",
    "flights",
    "consent",
    "requester",
    "note",
    "payload",
)


def schema_statements() -> list[tuple[str, tuple[object, ...]]]:
    """Return the SQL statements (with parameters) that create an empty ledger."""
    out: list[tuple[str, tuple[object, ...]]] = [
        (sql.strip(), ()) for sql in _CORE.split(";") if sql.strip()
    ]
    srs = "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)"
    out += [
        (srs, ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "")),
        (srs, ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "")),
        (srs, ("WGS 84 geodetic", SRS_ID, "EPSG", 4326, _WGS84_WKT, "WGS 84")),
    ]
    contents = (
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description,"
        " srs_id, min_x, min_y, max_x, max_y) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    for name, (kind, columns, text) in _LAYERS.items():
        out.append(
            (
                f"CREATE TABLE {name} (fid INTEGER PRIMARY KEY AUTOINCREMENT,"
                f" geom {kind}, {columns})",
                (),
            )
        )
        out.append(
            (contents, (name, "features", name, text, SRS_ID, -180, -90, 180, 90))
        )
        out.append(
            (
                "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                (name, kind, SRS_ID),
            )
        )
    for name, (columns, text) in _TABLES.items():
        out.append((f"CREATE TABLE {name} ({columns})", ()))
        out.append(
            (
                contents,
                (name, "attributes", name, text, None, None, None, None, None),
            )
        )
    return out


def encode_geometry(geometry: BaseGeometry | None) -> bytes | None:
    """Return ``geometry`` as a GeoPackage binary blob (None for None or empty)."""
    import shapely

    if geometry is None or geometry.is_empty:
        return None
    minx, miny, maxx, maxy = geometry.bounds
    header = struct.pack(
        "<2sBBi4d", b"GP", 0, 0b0000_0011, SRS_ID, minx, maxx, miny, maxy
    )
    return header + bytes(shapely.to_wkb(geometry, byte_order=1, output_dimension=2))


def decode_geometry(blob: bytes | None) -> BaseGeometry | None:
    """Return the shapely geometry of a GeoPackage binary blob (None for NULL)."""
    import shapely

    if blob is None:
        return None
    flags = blob[3]
    envelope = (0, 32, 48, 48, 64, 0, 0, 0)[(flags >> 1) & 0b111]
    return shapely.from_wkb(bytes(blob[8 + envelope :]))
