"""``openskies schedule``: the year's mission calendar from a distribution."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.cli.common import (
    add_data_arguments,
    add_format_argument,
    csv_text,
    format_table,
    json_text,
    treaty_from,
)
from openskies.errors import OptionsError

if TYPE_CHECKING:
    from openskies.calendar.types import ScheduleResult
    from openskies.options import SolveOptions

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the ``schedule`` sub-command."""
    parser = commands.add_parser(
        "schedule",
        help="place a distribution's flights on a calendar of missions",
        description=(
            "Schedule the flights of a distribution (CSV: observer, observed, "
            "flights) in a quota year: one mission at a time per observed party "
            "within 96 h, at most 16 per quarter, aircraft with positioning time, "
            "blackouts; then spread each party's missions over the year."
        ),
    )
    parser.add_argument("distribution", type=Path, help="distribution CSV file")
    parser.add_argument("--year", type=int, required=True, help="quota year")
    parser.add_argument(
        "--aircraft", type=Path, help="aircraft CSV (default: the bundled fleet)"
    )
    parser.add_argument(
        "--blackouts", type=Path, help="blackouts CSV: party, start, end, note"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help="missions CSV to write (without it the missions are printed)",
    )
    add_format_argument(
        parser,
        json="the missions alone (without -o), a list of objects with the keys "
        "of the missions CSV",
        csv="the missions alone (without -o), as the missions CSV",
    )
    parser.add_argument("--ics", type=Path, help="also write an iCalendar file")
    parser.add_argument(
        "--entry-points",
        type=Path,
        help="also write the points of entry used (.geojson or .gpkg)",
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="place as many flights as possible instead of failing",
    )
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    add_data_arguments(parser)
    parser.set_defaults(func=run_schedule)


#: Option names of :class:`SolveOptions` and their command-line flags.
_FLAGS = {"time_limit_s": "--time-limit", "seed": "--seed", "workers": "--workers"}


def checked_year(args: argparse.Namespace) -> int:
    """Return ``--year`` checked against the years a plan can cover.

    Raises
    ------
    OptionsError
        If ``--year`` is outside 1992..9998 (message in command-line terms).
    """
    from openskies.arguments import FIRST_YEAR, LAST_YEAR

    year: int = args.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise OptionsError(
            f"--year {str(year)[:30]} is outside {FIRST_YEAR}..{LAST_YEAR}; "
            "give a quota year such as 2019"
        )
    return year


def solve_options(args: argparse.Namespace) -> SolveOptions:
    """Return the :class:`SolveOptions` of ``--time-limit``, ``--seed``, ``--workers``.

    Raises
    ------
    OptionsError
        If one is out of range; the message names the command-line flag.
    """
    from openskies.options import SolveOptions

    try:
        return SolveOptions(
            time_limit_s=args.time_limit, seed=args.seed, workers=args.workers
        )
    except OptionsError as err:
        message = str(err)
        for name, flag in _FLAGS.items():
            if message.startswith(name):
                message = flag + message[len(name) :]
        raise OptionsError(message) from None


def run_schedule(args: argparse.Namespace) -> int:
    """Schedule, write the requested files and print a summary.

    Returns 0 with a calendar, 1 if the flights cannot be placed (reasons are
    printed), 2 on bad input.
    """
    from openskies.calendar.schedule import schedule
    from openskies.output.calendar_export import (
        write_entry_points,
        write_ical,
        write_missions_csv,
    )
    from openskies.treaty.distribution import Distribution

    options = solve_options(args)
    view = treaty_from(args).as_of(f"{checked_year(args)}-01-01")
    result = schedule(
        view,
        Distribution.read_csv(args.distribution),
        args.year,
        aircraft=args.aircraft,
        blackouts=args.blackouts if args.blackouts else (),
        allow_partial=args.allow_partial,
        options=options,
    )
    if args.output is None and args.format != "text":
        print(missions_text(result, args.format))
        return 0 if result.status.has_solution else 1
    print(
        f"schedule {args.year}: {result.status.value}, {len(result.missions)} "
        f"missions of {result.granted.total} flights in {result.runtime_s:.2f} s"
    )
    for reason in result.reasons:
        print(f"  {reason}")
    if not result.status.has_solution:
        return 1
    print(
        f"busiest 30-day windows (sum over observed parties): "
        f"{result.objective:g} (proven lower bound {result.bound:g})"
    )
    if result.left_out:
        print(f"left out ({len(result.left_out)}):")
        for observer, observed in result.left_out:
            print(f"  {observer} over {observed}")
    written = []
    if args.output is None:
        print(missions_text(result, "text"))
    else:
        write_missions_csv(result, args.output)
        written.append(str(args.output))
    if args.ics:
        write_ical(result, args.ics, view=view)
        written.append(str(args.ics))
    if args.entry_points:
        write_entry_points(view, result, args.entry_points)
        written.append(str(args.entry_points))
    rows = [[party, str(result.busiest[party])] for party in sorted(result.busiest)]
    print(format_table(["observed", "busiest 30 days"], rows))
    if written:
        print(f"wrote {', '.join(written)}")
    return 0


def missions_text(result: ScheduleResult, form: str) -> str:
    """Return the missions as a text table, JSON (a list of objects) or CSV.

    Times are UTC in ISO 8601; columns as the missions CSV
    (:data:`openskies.output.calendar_export.CSV_COLUMNS`).
    """
    from openskies.output.calendar_export import CSV_COLUMNS

    rows: list[dict[str, Any]] = [
        {
            "mission_id": m.id,
            "observer": m.observer,
            "observed": m.observed,
            "poe": m.poe,
            "aircraft": m.aircraft or "",
            "notice": f"{m.notice:%Y-%m-%dT%H:%MZ}",
            "arrival": f"{m.arrival:%Y-%m-%dT%H:%MZ}",
            "end": f"{m.end:%Y-%m-%dT%H:%MZ}",
            "taxi": m.taxi,
        }
        for m in result.missions
    ]
    if form == "json":
        return json_text(rows)
    if form == "csv":
        return csv_text(CSV_COLUMNS, rows)
    return format_table(
        ["mission", "observer", "observed", "poe", "aircraft", "arrival (UTC)", "end"],
        [
            [
                str(r["mission_id"]),
                r["observer"],
                r["observed"],
                r["poe"],
                r["aircraft"],
                r["arrival"],
                r["end"],
            ]
            for r in rows
        ],
    )
