"""``openskies ledger``: the year as it happens, in a GeoPackage ledger.

Sub-commands: ``init`` (from a plan directory or a scenario), ``record``,
``transfer``, ``imagery``, ``balance``, ``replan`` and ``events``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.cli.common import add_format_argument, format_table, print_formatted

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register"]


def register(commands: Any) -> None:
    """Add the ``ledger`` sub-command and its own sub-commands."""
    ledger = commands.add_parser(
        "ledger",
        help="record the year as it happens: outcomes, transfers, imagery, re-plans",
        description=(
            "Keep a year's mission ledger in one GeoPackage file: create it from "
            "a plan, record outcomes (Art. VIII), quota transfers (Art. III.I.9), "
            "requests for copies of data (Art. IX.IV), show the balance and "
            "re-plan the rest of the year."
        ),
    )
    actions = ledger.add_subparsers(dest="action", required=True, metavar="ACTION")
    _init(actions)
    _record(actions)
    _transfer(actions)
    _imagery(actions)
    _balance(actions)
    _replan(actions)
    _events(actions)


def _with_ledger(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ledger", metavar="YEAR.gpkg", help="the ledger file")


def _with_date(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument("--date", required=required, help="day (YYYY-MM-DD)")


def _init(actions: Any) -> None:
    p = actions.add_parser(
        "init",
        help="create a ledger from a plan directory or a scenario",
        description=(
            "Create YEAR.gpkg from PLAN_DIR (written by `openskies plan`) or from "
            "a scenario file, planned first (without an argument: the bundled "
            "illustrative scenario). An existing file is never replaced."
        ),
    )
    p.add_argument("source", nargs="?", default=None, metavar="PLAN_DIR|SCENARIO")
    p.add_argument("-o", "--output", required=True, metavar="YEAR.gpkg")
    p.set_defaults(parser=p, func=run_init)


def _record(actions: Any) -> None:
    p = actions.add_parser("record", help="record a mission's outcome (Art. VIII)")
    _with_ledger(p)
    p.add_argument("mission_id", metavar="MISSION")
    p.add_argument(
        "outcome",
        metavar="OUTCOME",
        help="flown, curtailed, prohibited, declined, cancelled",
    )
    _with_date(p)
    p.add_argument("--cause", help="why a curtailed flight was cut short")
    p.add_argument(
        "--counted",
        choices=("yes", "no"),
        help="the observer's choice after a curtailment on the observed side",
    )
    p.add_argument("--track", help="the flown track as WKT LINESTRING (lon lat)")
    p.add_argument("--note", default="")
    p.set_defaults(parser=p, func=run_record)


def _transfer(actions: Any) -> None:
    p = actions.add_parser(
        "transfer", help="transfer active quota to another party (Art. III.I.9)"
    )
    _with_ledger(p)
    p.add_argument("observer")
    p.add_argument("observed")
    p.add_argument("flights", type=int)
    p.add_argument("--to", required=True, help="the receiving party")
    _with_date(p)
    p.add_argument(
        "--consent", action="store_true", help="the observed party has consented"
    )
    p.add_argument("--note", default="")
    p.set_defaults(parser=p, func=run_transfer)


def _imagery(actions: Any) -> None:
    p = actions.add_parser(
        "imagery",
        help="list who may receive a flight's data, or record a request (Art. IX.IV)",
    )
    _with_ledger(p)
    p.add_argument("mission_id", metavar="MISSION")
    _with_date(p)
    p.add_argument("--requester", help="record a request by this state")
    p.add_argument("--note", default="")
    p.set_defaults(parser=p, func=run_imagery)


def _balance(actions: Any) -> None:
    p = actions.add_parser("balance", help="active and passive quotas used and left")
    _with_ledger(p)
    p.add_argument("--as-of", help="count events up to this day (YYYY-MM-DD)")
    add_format_argument(
        p, json="a list of one object per party", csv="one row per party"
    )
    p.set_defaults(parser=p, func=run_balance)


def _replan(actions: Any) -> None:
    p = actions.add_parser(
        "replan", help="reschedule the flights that remain after a day"
    )
    _with_ledger(p)
    p.add_argument("--as-of", required=True, help="day of the re-plan (YYYY-MM-DD)")
    p.add_argument("--time-limit", type=float, default=10.0, help="[s] (default 10)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--commit", action="store_true", help="store the new calendar in the ledger"
    )
    p.add_argument(
        "--no-routes", action="store_true", help="with --commit: plan no routes"
    )
    p.set_defaults(parser=p, func=run_replan)


def _events(actions: Any) -> None:
    p = actions.add_parser("events", help="the journal of events")
    _with_ledger(p)
    add_format_argument(
        p, json="a list of one object per event", csv="one row per event"
    )
    p.set_defaults(parser=p, func=run_events)


def run_init(args: argparse.Namespace) -> int:
    """Create the ledger from a plan directory or a scenario."""
    from openskies.annual.plan import plan_year
    from openskies.ledger.ledger import Ledger
    from openskies.ledger.plan_dir import read_plan_dir

    source = None if args.source is None else Path(args.source)
    if Path(args.output).exists():  # fail before planning, not after
        from openskies.errors import OutputError

        raise OutputError(f"{args.output}: exists; a ledger is never replaced")
    if source is not None and source.is_dir():
        with Ledger.create_from(args.output, **read_plan_dir(source)) as made:
            summary = f"{len(made.missions())} missions (from {source})"
    else:
        plan = plan_year(source)
        with Ledger.create(args.output, plan) as made:
            summary = f"{len(made.missions())} missions (planned from the scenario)"
    print(f"openskies ledger: created {args.output}, year {made.year}, {summary}")
    return 0


def run_record(args: argparse.Namespace) -> int:
    """Record an outcome."""
    from openskies.ledger.ledger import Ledger

    track = None
    if args.track is not None:
        track = _wkt_line(args.track)
    counted = None if args.counted is None else args.counted == "yes"
    with Ledger.open(args.ledger) as ledger:
        seq = ledger.record(
            args.mission_id,
            args.outcome,
            date=args.date,
            cause=args.cause,
            counted=counted,
            route=track,
            note=args.note,
        )
    print(f"event {seq}: {args.mission_id} {args.outcome} on {args.date}")
    return 0


def _wkt_line(text: str) -> Any:
    """Return the geometry of a WKT text, or raise GeometryError."""
    import shapely

    from openskies.errors import GeometryError

    try:
        return shapely.from_wkt(text)
    except (shapely.errors.ShapelyError, ValueError, TypeError):
        raise GeometryError(
            f"--track {text[:40]!r} is not WKT; write LINESTRING (lon lat, lon lat)"
        ) from None


def run_transfer(args: argparse.Namespace) -> int:
    """Record a transfer."""
    from openskies.ledger.ledger import Ledger

    with Ledger.open(args.ledger) as ledger:
        seq = ledger.transfer(
            args.observer,
            args.observed,
            args.flights,
            to=args.to,
            date=args.date,
            consent=args.consent,
            note=args.note,
        )
    print(
        f"event {seq}: {args.flights} flight(s) of {args.observer} over "
        f"{args.observed} transferred to {args.to}"
    )
    return 0


def run_imagery(args: argparse.Namespace) -> int:
    """List the recipients or record a request."""
    from openskies.ledger.ledger import Ledger

    with Ledger.open(args.ledger) as ledger:
        if args.requester is None:
            names = ledger.imagery_recipients(args.mission_id, args.date)
            print(" ".join(names))
            return 0
        seq = ledger.request_imagery(
            args.mission_id, requester=args.requester, date=args.date, note=args.note
        )
    print(
        f"event {seq}: copies of {args.mission_id}'s data granted to {args.requester}"
    )
    return 0


def _show(frame: pd.DataFrame, form: str) -> None:
    """Print a frame as text, CSV or JSON records."""
    records = [
        {str(key): value for key, value in record.items()}
        for record in frame.to_dict(orient="records")
    ]
    if not print_formatted(form, records, [str(c) for c in frame.columns], records):
        rows = [
            ["" if v is None else str(v) for v in row]
            for row in frame.itertuples(index=False)
        ]
        print(format_table([str(c) for c in frame.columns], rows))


def run_balance(args: argparse.Namespace) -> int:
    """Print the balance."""
    from openskies.ledger.ledger import Ledger

    with Ledger.open(args.ledger) as ledger:
        frame = ledger.balance(args.as_of)
    _show(frame, args.format)
    return 0


def run_events(args: argparse.Namespace) -> int:
    """Print the journal."""
    from openskies.ledger.ledger import Ledger

    with Ledger.open(args.ledger) as ledger:
        frame = ledger.events()
    frame["date"] = frame["date"].astype(str)
    if args.format == "text":
        frame = frame.drop(columns=["payload"]).astype(object).where(frame.notna(), "")
    _show(frame, args.format)
    return 0


def run_replan(args: argparse.Namespace) -> int:
    """Re-plan, print the new calendar, commit it on request."""
    from openskies.ledger.ledger import Ledger
    from openskies.options import SolveOptions

    options = SolveOptions(time_limit_s=args.time_limit, seed=args.seed, workers=1)
    with Ledger.open(args.ledger) as ledger:
        old = {m.id for m in ledger.missions()}
        result = ledger.replan(args.as_of, options=options)
        rows = [
            [
                m.id,
                m.observer,
                m.observed,
                m.arrival.strftime("%Y-%m-%d %H:%M"),
                "kept" if m.id in old else "new",
            ]
            for m in result.missions
        ]
        print(format_table(["mission", "observer", "observed", "arrival", ""], rows))
        print(
            f"status {result.status.value}: {len(result.missions)} missions, "
            f"{len(result.left_out)} flight(s) left out, "
            f"{len(result.reasons)} rule(s) broken"
        )
        for reason in result.reasons:
            print(f"  {reason}")
        if args.commit:
            seq = ledger.commit(result, routes=not args.no_routes)
            print(f"event {seq}: calendar committed")
    return 0
