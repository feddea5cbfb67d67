"""``openskies check-route``: check observation routes from a GeoJSON or GPX file.

Exit status 0 when every route is legal, 1 when one is illegal, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from openskies.cli.common import add_data_arguments, choice_argument, format_table
from openskies.cli.regime import view_on
from openskies.errors import OptionsError
from openskies.options import Reading

__all__ = ["register"]


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
    parser.add_argument("--format", choices=("text", "json"), default="text")
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
    if args.format == "json":
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        for number, (route, report) in enumerate(zip(routes, reports, strict=True), 1):
            name = route.name or f"route {number}"
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
            regions = ", ".join(
                f"{k} {v:,.1f}" for k, v in report.distance_by_region.items() if v
            )
            print(f"  km by region: {regions or '-'}")
            rows = [
                [v.rule, "yes" if v.binding else "no", v.message]
                for v in report.violations
            ]
            if rows:
                print(format_table(["rule", "binding", "finding"], rows))
            for note in report.unchecked:
                print(f"  note: {note}")
    return 0 if all(r.legal for r in reports) else 1
