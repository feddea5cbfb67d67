"""``openskies check-route``: check observation routes from a GeoJSON or GPX file.

Exit status 0 when every route is legal, 1 when one is illegal, 2 on bad input.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.cli.common import (
    add_data_arguments,
    add_format_argument,
    choice_argument,
    format_table,
    print_formatted,
)
from openskies.cli.regime import view_on
from openskies.errors import OptionsError
from openskies.options import Reading

if TYPE_CHECKING:
    from openskies.rules.report import LegalityReport

__all__ = ["ROUTE_COLUMNS", "km_by_region", "register"]

#: Keys of each route printed by ``check-route --format csv`` (JSON adds the
#: report's keys: ``distance_by_region``, ``violations``, ``unchecked``, ...).
ROUTE_COLUMNS = (
    "name",
    "index",
    "legal",
    "observer",
    "observed",
    "date",
    "reading",
    "distance_km",
    "max_distance_km",
    "start_airfield",
    "end_airfield",
    "binding",
    "findings",
)


def register(commands: Any) -> None:
    """Add the ``check-route`` sub-command."""
    parser = commands.add_parser(
        "check-route",
        help="check routes against territory, distance limits and restrictions",
        description=(
            "Check each LineString route of a GeoJSON file or the track of a GPX "
            "file. GeoJSON: a FeatureCollection of LineString features (or one "
            "Feature or LineString), coordinates [lon, lat] in degrees; optional "
            'properties "name" (text), "start" and "end" (airfield ids such as '
            '"UUMB") and "transit": a list of one JSON boolean per leg, e.g. '
            "[false, true, false], or of the 0-based indices of the transit legs, "
            'e.g. [1] (a lone true, 1 or "1" is refused). Exit status: 0 legal, '
            "1 illegal, 2 bad input (one line on stderr)."
        ),
    )
    parser.add_argument(
        "route",
        help="route file: .geojson/.json (format above), .gpx (track, else "
        "route, else waypoints) or any vector file GDAL reads (KML, GeoPackage, "
        "FlatGeobuf, Shapefile) with the same properties",
    )
    parser.add_argument("--observer", required=True, help="observing state, e.g. USA")
    parser.add_argument("--observed", required=True, help="observed state, e.g. RUS")
    parser.add_argument("--date", required=True, help="date of the flight, YYYY-MM-DD")
    choice_argument(
        parser,
        "--reading",
        Reading,
        "treaty: disputed restrictions are findings only (default); "
        "observed-party: apply them as the observed party demands",
    )
    parser.add_argument(
        "--tolerance-km",
        type=float,
        default=5.0,
        help="largest distance from the start/end airfield [km] (default 5)",
    )
    add_format_argument(
        parser,
        json="a list of one object per route: name (the feature's name or id "
        "property, else 'route N'), index (N, 1-based position in the file) and "
        "the legality report's keys (legal, distance_by_region, violations, ...)",
        csv="one row per route: " + ", ".join(ROUTE_COLUMNS),
    )
    add_data_arguments(parser)
    parser.set_defaults(func=run_check_route)


def run_check_route(args: argparse.Namespace) -> int:
    """Check the routes of ``args.route``; return 0 if all are legal, else 1."""
    from openskies.geo.route_files import routes_from_file
    from openskies.rules.legality import check_route

    if not 0 < args.tolerance_km < math.inf:
        raise OptionsError(
            f"--tolerance-km must be a positive number of km, got {args.tolerance_km}"
        )
    view = view_on(args, args.date, "--date")
    routes = routes_from_file(Path(args.route))
    reports = [
        check_route(
            view,
            route,
            observer=args.observer,
            observed=args.observed,
            reading=args.reading,
            tolerance_km=args.tolerance_km,
        )
        for route in routes
    ]
    names = [route.name or f"route {n}" for n, route in enumerate(routes, 1)]
    records = [
        {"name": name, "index": n, **report.to_dict()}
        for n, (name, report) in enumerate(zip(names, reports, strict=True), 1)
    ]
    rows = [
        {
            **record,
            "binding": sum(v["binding"] for v in record["violations"]),
            "findings": len(record["violations"]),
        }
        for record in records
    ]
    if not print_formatted(args.format, records, ROUTE_COLUMNS, rows):
        states = view.party(args.observed).states
        for name, report in zip(names, reports, strict=True):
            _print_report(name, report, states)
    return 0 if all(r.legal for r in reports) else 1


def _print_report(name: str, report: LegalityReport, states: Sequence[str]) -> None:
    """Print one route's verdict, its km by region and its findings."""
    verdict = "LEGAL" if report.legal else "ILLEGAL"
    limit = (
        "no limit"
        if report.max_distance_km is None
        else f"max {report.max_distance_km:,.0f} km"
    )
    print(
        f"{name}: {verdict} ({report.reading} reading) - observation "
        f"{report.distance_km:,.1f} km, {limit} from {report.start_airfield}"
    )
    print(f"  km by region: {km_by_region(report, states)}")
    rows = [
        [v.rule, "yes" if v.binding else "no", v.message] for v in report.violations
    ]
    if rows:
        print(format_table(["rule", "binding", "finding"], rows))
    for note in report.unchecked:
        print(f"  note: {note}")


#: Keys of ``distance_by_region`` that are not part of the observed territory.
_APART = ("outside", "transit")


def km_by_region(report: LegalityReport, states: Sequence[str]) -> str:
    """Return the observation km per state, "of which" per sub-region, then the rest.

    A region of a distance sub-limit (``kaliningrad_oblast``) lies inside a
    member state (RUS), so it is shown as "of which" after the states, not
    beside them: the states, ``outside`` and ``transit`` add up to the total.
    Regions with 0 km are left out; ``"-"`` when nothing is left.

    Parameters
    ----------
    report
        The legality report of one route.
    states
        Member states of the observed party (``RUS BLR``).
    """
    regions = {k: km for k, km in report.distance_by_region.items() if km}
    own = [k for k in regions if k in states]
    parts = ", ".join(f"{k} {regions[k]:,.1f}" for k in own)
    within = [k for k in regions if k not in own and k not in _APART]
    if within:
        parts += " (of which " + ", ".join(f"{k} {regions[k]:,.1f}" for k in within)
        parts += ")"
    apart = ", ".join(f"{k} {regions[k]:,.1f}" for k in _APART if regions.get(k))
    return ", ".join(p for p in (parts, apart) if p) or "-"
