"""``openskies plan-route``: plan a legal observation route over a site list."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.cli.common import (
    add_data_arguments,
    add_format_argument,
    choice_argument,
    format_table,
    print_formatted,
    treaty_from,
)
from openskies.errors import DataError, OptionsError
from openskies.options import MAX_SWATH_KM, Reading

if TYPE_CHECKING:
    import geopandas

    from openskies.routing.planner import RoutePlan
    from openskies.treaty.model import TreatyView

__all__ = ["SITE_COLUMNS", "register"]

#: Keys of each site printed by ``plan-route --format json|csv``.
SITE_COLUMNS = ("site", "lon", "lat", "value", "status", "visit", "reason")

_MAX_SEED = 2**31 - 1  # the seeds every solver of the command line accepts


def register(commands: Any) -> None:
    """Add the ``plan-route`` sub-command."""
    from openskies.routing.planner import DEFAULT_SWATH_KM

    parser = commands.add_parser(
        "plan-route",
        help="plan the legal route that observes the most site value",
        description=(
            "Plan an observation route from an Open Skies airfield over the sites "
            "of a GeoJSON / GeoPackage file (points with a numeric 'value' and "
            "optionally a unique 'name'), "
            "within the airfield's maximum flight distance, and write it as "
            "GeoJSON.  At most 1,000 sites, each value from 0 to 1e12.  Exit "
            "status 0 with a route, 1 without one, 2 on bad input."
        ),
    )
    parser.add_argument("--observer", required=True, help="observing state or party")
    parser.add_argument("--observed", required=True, help="observed state or party")
    parser.add_argument("--start", required=True, help="starting airfield, e.g. UUMB")
    parser.add_argument("--end", default=None, help="ending airfield (default: start)")
    parser.add_argument("--date", required=True, help="date of the flight (ISO)")
    parser.add_argument(
        "--sites",
        required=True,
        type=Path,
        help="points with a 'value' column (GeoJSON, GeoPackage, ...) or the "
        "site list CSV of scenarios (observed, name, lon, lat, value)",
    )
    parser.add_argument(
        "-o", "--output", required=True, type=Path, help="route GeoJSON to write"
    )
    parser.add_argument(
        "--sites-output",
        type=Path,
        default=None,
        help="also write every site with its status (GeoJSON)",
    )
    choice_argument(
        parser,
        "--reading",
        Reading,
        "whether disputed restrictions bind (default: treaty)",
    )
    parser.add_argument(
        "--swath-km",
        type=float,
        default=DEFAULT_SWATH_KM,
        help=f"sensor swath each side [km] (default {DEFAULT_SWATH_KM:g})",
    )
    parser.add_argument(
        "--no-transit",
        action="store_true",
        help="do not enter unconnected parts of the territory by transit legs",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=10.0,
        help="seconds for the search (default 10; the geometry before it adds a "
        "few seconds at most)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help=f"random seed, 0 to {_MAX_SEED}"
    )
    add_format_argument(
        parser,
        json='{"observer", "observed", "start", "end", "date", "reading", "status", '
        '"value", "bound", "distance_km", "max_distance_km", "legs", '
        '"transit_legs", "reason", "findings": [{"rule", "binding", "message"}], '
        '"sites": [{' + ", ".join(f'"{c}"' for c in SITE_COLUMNS) + '}], "output"}',
        csv="one row per site: " + ", ".join(SITE_COLUMNS),
    )
    add_data_arguments(parser)
    parser.set_defaults(func=run_plan_route)


def read_sites(
    path: Path, view: TreatyView | None = None, observed: str = ""
) -> geopandas.GeoDataFrame:
    """Read a site file into a GeoDataFrame.

    A ``.csv`` file is the site list scenarios use (columns ``observed, name,
    lon, lat, value``; see :func:`openskies.geo.sites.read_sites`), of which
    the sites in states of party ``observed`` on the view's date are kept.
    Any other file is read with GDAL: a ``name`` column with unique values
    labels the sites; otherwise they are numbered from 0 in file order.

    Raises
    ------
    DataError
        If the file is not a regular file (a FIFO would block), cannot be read,
        holds no geometry column or no feature, or a CSV has no site in
        ``observed``.
    """
    import geopandas

    if path.suffix.lower() == ".csv" and view is not None:
        return _csv_sites(path, view, observed)

    from openskies.geo.route_files import read_vector

    sites = read_vector(path, "sites", "give a GeoJSON or GeoPackage file of points")
    if not isinstance(sites, geopandas.GeoDataFrame) or len(sites) == 0:
        what = "no feature" if len(sites) == 0 else "no geometry"
        raise DataError(
            f"the sites file holds {what}; give points with a 'value' property",
            file=path,
        )
    if "name" in sites.columns and sites["name"].is_unique:
        sites = sites.set_index("name")
    return sites


def _csv_sites(path: Path, view: TreatyView, observed: str) -> geopandas.GeoDataFrame:
    """Return the sites of a scenario site list (CSV) in party ``observed``."""
    from openskies.geo import sites

    chosen = sites.sites_over(view, sites.read_sites(path), observed)
    if not chosen:
        raise DataError(
            f"the site list has no site in {observed}; give rows whose 'observed' "
            f"column is a state of {observed}",
            file=path,
        )
    return sites.sites_frame(chosen)


def check_flags(args: argparse.Namespace) -> None:
    """Refuse flag values out of range, in command-line terms.

    Raises
    ------
    OptionsError
        If ``--time-limit`` is not a positive finite number of seconds,
        ``--swath-km`` is not from 0 to 50 or ``--seed`` not from 0 to 2^31 - 1.
    """
    if not 0 < args.time_limit < math.inf:
        raise OptionsError(
            f"--time-limit must be a positive number of seconds, got {args.time_limit}"
        )
    if not 0 <= args.swath_km <= MAX_SWATH_KM:
        raise OptionsError(
            f"--swath-km must be from 0 to {MAX_SWATH_KM:g} km (optical coverage is "
            f"at most 50 km each side), got {args.swath_km}"
        )
    if not 0 <= args.seed <= _MAX_SEED:
        raise OptionsError(
            f"--seed must be from 0 to {_MAX_SEED}, got {str(args.seed)[:30]}"
        )


def run_plan_route(args: argparse.Namespace) -> int:
    """Plan the route, write it and print a summary."""
    from openskies.options import SolveOptions
    from openskies.routing.planner import SITE_STATUSES, plan_route

    check_flags(args)
    view = treaty_from(args).as_of(args.date)
    plan = plan_route(
        view,
        observer=args.observer,
        observed=args.observed,
        start=args.start,
        end=args.end,
        sites=read_sites(args.sites, view, args.observed),
        swath_km=args.swath_km,
        reading=args.reading,
        transit=not args.no_transit,
        options=SolveOptions(time_limit_s=args.time_limit, seed=args.seed),
    )
    plan.write_geojson(args.output)
    if args.sites_output is not None:
        from openskies.files.atomic import write_text_atomic

        write_text_atomic(args.sites_output, plan.to_geodataframe().to_json() + "\n")
    sites = _site_records(plan)
    if print_formatted(
        args.format, _plan_document(plan, sites, args), SITE_COLUMNS, sites
    ):
        return 0 if plan.route is not None else 1
    print(
        f"{plan.observer} over {plan.observed} from {plan.start} to {plan.end} on "
        f"{plan.date.isoformat()} ({plan.reading} reading): {plan.status.value}"
    )
    if plan.route is None:
        print(f"  no route: {plan.reason}")
    else:
        print(
            f"  value {plan.value:g} (bound {plan.bound:g}); "
            f"{plan.distance_km:,.1f} of {plan.max_distance_km:,.0f} km; "
            f"{plan.route.legs} legs, {len(plan.route.transit_legs)} transit"
        )
    rows = [
        [
            status,
            str(sum(s["status"] == status for s in sites)),
            f"{sum(s['value'] for s in sites if s['status'] == status):g}",
        ]
        for status in SITE_STATUSES
    ]
    print(format_table(["status", "sites", "value"], rows))
    for label, reason in plan.unreachable:
        print(f"  unreachable {label}: {reason}")
    for finding in plan.report.findings if plan.report else ():
        print(f"  finding {finding.rule}: {finding.message}")
    print(f"route written to {args.output}")
    return 0 if plan.route is not None else 1


def _site_records(plan: RoutePlan) -> list[dict[str, Any]]:
    """Return one record per site with the keys of :data:`SITE_COLUMNS`."""
    import pandas

    frame = plan.to_frame()
    visits = [None if pandas.isna(v) else int(v) for v in frame["visit"]]
    return [
        {
            "site": str(label),
            "lon": float(lon),
            "lat": float(lat),
            "value": float(value),
            "status": str(status),
            "visit": visit,
            "reason": str(reason),
        }
        for label, lon, lat, value, status, visit, reason in zip(
            frame.index,
            plan.sites.lon,
            plan.sites.lat,
            frame["value"],
            frame["status"],
            visits,
            frame["reason"],
            strict=True,
        )
    ]


def _plan_document(
    plan: RoutePlan, sites: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """Return the JSON document of ``plan-route --format json``."""
    route = plan.route
    return {
        "observer": plan.observer,
        "observed": plan.observed,
        "start": plan.start,
        "end": plan.end,
        "date": plan.date,
        "reading": plan.reading,
        "status": plan.status.value,
        "value": plan.value,
        "bound": plan.bound,
        "distance_km": plan.distance_km,
        "max_distance_km": plan.max_distance_km,
        "legs": None if route is None else route.legs,
        "transit_legs": None if route is None else len(route.transit_legs),
        "reason": plan.reason,
        "findings": [
            {"rule": f.rule, "binding": f.binding, "message": f.message}
            for f in (plan.report.findings if plan.report else ())
        ],
        "sites": sites,
        "output": args.output,
    }
