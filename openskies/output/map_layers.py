"""GeoJSON layers of an annual plan for the HTML and PNG maps.

Internal to :mod:`openskies.output.report`.  Geometry is simplified for display (never
for checks), rounded to 1e-3 degree (about 100 m), and made continuous across
the antimeridian: a territory whose parts lie on both sides of 180 degrees has
its smaller side shifted by 360 degrees, and a route's longitudes are unwrapped
from its first waypoint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from openskies.calendar.chart import observer_colours

if TYPE_CHECKING:
    from matplotlib.path import Path as MplPath
    from shapely.geometry.base import BaseGeometry

    from openskies.annual.plan import AnnualPlan

__all__ = [
    "FILL_LEGEND",
    "ROUTE_COLOURS",
    "map_layers",
    "observer_colours",
    "polygon_paths",
]

_DECIMALS = 3
_FILL_ACTIVE = "#e6dcc3"  # parties that host or fly a mission
_FILL_OTHER = "#f4f1ea"
_FILL_NEIGHBOUR = "#d4d4d4"  # states not party on the date (10 km border rule)
_MARGIN_DEG = 3.0
#: Colour of a route's verdict: legal, legal with non-binding findings, illegal.
ROUTE_COLOURS = {"legal": "#1a7f37", "findings": "#bf8700", "illegal": "#cf222e"}
#: What each territory fill means, for the legends of the HTML and PNG maps.
FILL_LEGEND = {
    _FILL_ACTIVE: "party that flies or hosts a mission this year",
    _FILL_OTHER: "other party in force",
    _FILL_NEIGHBOUR: "state not party (flights keep 10 km from its border)",
}


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _shift_across_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """Shift the smaller side of a geometry lying on both sides of 180 degrees."""
    import shapely

    from openskies.geo.geodesy import area_km2

    parts = list(shapely.get_parts(geometry))
    west, _, east, _ = geometry.bounds
    if len(parts) < 2 or west > -170.0 or east < 170.0:
        return geometry
    centre = np.array([p.centroid.x for p in parts])
    area = np.array([area_km2(p) for p in parts])
    eastern = area[centre >= 0].sum() >= area[centre < 0].sum()
    move = (centre < 0) if eastern else (centre >= 0)
    offset = 360.0 if eastern else -360.0
    moved = [
        shapely.transform(p, lambda xy: xy + np.array([offset, 0.0])) if m else p
        for p, m in zip(parts, move, strict=True)
    ]
    return shapely.union_all(moved) if len(moved) > 1 else moved[0]


def _geojson(geometry: BaseGeometry) -> dict[str, Any]:
    import shapely
    from shapely.geometry import mapping

    rounded = shapely.transform(geometry, lambda xy: np.round(xy, _DECIMALS))
    return dict(mapping(rounded))


def _route_coordinates(waypoints: tuple[tuple[float, float], ...]) -> list[list[float]]:
    """Return a route's legs densified along their WGS84 geodesics [lon, lat deg].

    Legs are drawn as the geodesics that legality checks, not as chart lines
    (a straight chart line is up to tens of km off on a long leg).
    """
    from openskies.geo.geodesy import densify_legs

    xy = np.asarray(waypoints, dtype=np.float64).reshape(-1, 2)
    if len(xy) >= 2:
        lon, lat, leg, _ = densify_legs(
            xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1], tolerance_km=1.0
        )
        keep = np.ones(len(lon), dtype=bool)
        keep[1:] = leg[1:] == leg[:-1]  # drop each leg's start repeated
        keep[0] = True
        xy = np.column_stack([lon, lat])[keep]
    xy[:, 0] = np.unwrap(xy[:, 0], period=360.0)
    return np.round(xy, _DECIMALS).tolist()  # type: ignore[no-any-return]


def map_layers(plan: AnnualPlan, *, simplify_deg: float) -> dict[str, Any]:
    """Return ``territories``, ``routes``, ``airfields``, ``sites`` and ``bounds``.

    ``bounds`` (west, south, east, north) frame the routes, or the territories
    when there is no route.
    """
    import shapely

    view = plan.view
    distribution = plan.distribution
    hosts = {m.observed for m in plan.schedule.missions}
    flyers = {m.observer for m in plan.schedule.missions}
    territories, airfields = [], []
    shapes = []
    for party in sorted(view.parties, key=lambda p: p.code):
        shape = shapely.simplify(
            view.territory(party.code), simplify_deg, preserve_topology=True
        )
        shape = _shift_across_antimeridian(shape)
        shapes.append(shape)
        territories.append(
            _feature(
                _geojson(shape),
                party=party.code,
                name=party.name,
                passive_quota=party.passive_quota,
                flights_received=distribution.received(party.code),
                flights_flown=distribution.active(party.code),
                _fill=_FILL_ACTIVE if party.code in hosts | flyers else _FILL_OTHER,
            )
        )
        for a in view.airfields(party.code):
            airfields.append(
                _feature(
                    {"type": "Point", "coordinates": [a.lon, a.lat]},
                    airfield=a.id,
                    icao=a.icao,
                    name=a.name,
                    party=party.code,
                    roles=" ".join(sorted(a.roles)),
                    max_distance_km=""
                    if a.max_distance_km is None
                    else a.max_distance_km,
                    position=a.position_status,
                )
            )
    routes = []
    colours = observer_colours({r.observer for r in plan.routes})
    for r in plan.routes:
        if r.route is None or r.report is None or r.plan is None:
            continue
        kind = (
            "illegal"
            if not r.report.legal
            else ("findings" if r.report.findings else "legal")
        )
        routes.append(
            _feature(
                {
                    "type": "LineString",
                    "coordinates": _route_coordinates(r.route.waypoints),
                },
                mission=r.mission_id,
                observer=r.observer,
                observed=r.observed,
                date=r.date.isoformat(),
                start=r.start,
                verdict=r.status,
                value=round(r.plan.value, 2),
                km=round(r.report.distance_km),
                max_km=r.report.max_distance_km or "",
                sites=", ".join(map(str, r.plan.visited)),
                findings="; ".join(str(v) for v in r.report.violations),
                _colour=colours[r.observer],
                _verdict=kind,
            )
        )
    members = set(view.members)
    sites = {
        s.label: s
        for listed in plan.scenario.sites.values()
        for s in listed
        if s.observed in members
    }
    site_features = [
        _feature(
            {"type": "Point", "coordinates": [s.lon, s.lat]},
            site=s.name,
            state=s.observed,
            kind=s.kind,
            value=s.value,
        )
        for s in sites.values()
    ]
    return {
        "neighbours": _collection(_neighbours(plan, simplify_deg)),
        "territories": _collection(territories),
        "routes": _collection(routes),
        "airfields": _collection(airfields),
        "sites": _collection(site_features),
        "observers": colours,
        "fills": FILL_LEGEND,
        "bounds": _bounds(routes, shapes),
    }


def _neighbours(plan: AnnualPlan, simplify_deg: float) -> list[dict[str, Any]]:
    """Return the territories of the states in the geodata not party on the date."""
    import shapely

    view = plan.view
    members = set(view.members)
    features = []
    for code in view.treaty.territory_codes:
        if code in members:
            continue
        shape = shapely.simplify(
            view.treaty.state_territory(code), simplify_deg, preserve_topology=True
        )
        features.append(
            _feature(
                _geojson(_shift_across_antimeridian(shape)),
                state=code,
                status="not a party on this date",
                _fill=_FILL_NEIGHBOUR,
            )
        )
    return features


def _bounds(
    routes: list[dict[str, Any]], shapes: list[BaseGeometry]
) -> tuple[float, float, float, float]:
    import shapely

    if routes:
        xy = np.array([c for f in routes for c in f["geometry"]["coordinates"]])
        west, south = xy.min(axis=0) - _MARGIN_DEG
        east, north = xy.max(axis=0) + _MARGIN_DEG
        return float(west), float(south), float(east), float(north)
    west, south, east, north = shapely.total_bounds(shapes)
    return float(west), float(south), float(east), float(north)


def polygon_paths(geometry: dict[str, Any]) -> list[MplPath]:
    """Return one matplotlib path per polygon (holes included) of a GeoJSON area."""
    from matplotlib.path import Path as MplPath

    polygons = (
        [geometry["coordinates"]]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"]
        if geometry["type"] == "MultiPolygon"
        else []
    )
    paths = []
    for rings in polygons:
        vertices, codes = [], []
        for ring in rings:
            vertices.extend(ring)
            codes.extend(
                [MplPath.MOVETO]
                + [MplPath.LINETO] * (len(ring) - 2)
                + [MplPath.CLOSEPOLY]
            )
        paths.append(MplPath(np.asarray(vertices, dtype=np.float64), codes))
    return paths
