"""``openskies states`` and ``openskies show``: the regime on a date."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from openskies.cli.common import add_data_arguments, format_table, treaty_from
from openskies.errors import OptionsError
from openskies.files.tables import parse_date

if TYPE_CHECKING:
    from openskies.treaty.model import TreatyView
    from openskies.treaty.records import Airfield

__all__ = ["register", "view_on"]


def register(commands: Any) -> None:
    """Add the ``states`` and ``show`` sub-commands."""
    states = commands.add_parser(
        "states", help="list the parties, their passive quotas and states on a date"
    )
    states.add_argument("--as-of", default=None, help="date (default: today)")
    add_data_arguments(states)
    states.set_defaults(func=run_states)

    show = commands.add_parser(
        "show", help="quota, airfields, restrictions and territory of one party"
    )
    show.add_argument("code", help="state or party code, e.g. RUS, BEL, BENELUX")
    show.add_argument("--as-of", default=None, help="date (default: today)")
    show.add_argument(
        "--inferred",
        action="store_true",
        help="apply inferred values (e.g. Annex E 5 lower bounds); off by default",
    )
    add_data_arguments(show)
    show.set_defaults(func=run_show)


def view_on(
    args: argparse.Namespace, day: str | None, option: str, *, inferred: bool = False
) -> TreatyView:
    """Return the treaty of ``args``' data directories on ``day`` (default today).

    ``inferred`` applies the inferred lower bounds of maximum flight distances
    (``--inferred``).

    Raises
    ------
    OptionsError
        If ``day`` is not a date; the message names the command-line ``option``.
    DataError
        If the data directories are malformed.
    """
    treaty = treaty_from(args).using_inferred(inferred)
    if day is None:
        return treaty.as_of(dt.date.today())
    try:
        # argparse turns "--as-of=--" into an empty list, not a string
        on = parse_date(day if isinstance(day, str) else "")
    except OptionsError:
        raise OptionsError(
            f"{option} {str(day)[:40]!r}: expected a date YYYY-MM-DD such as 2019-06-01"
        ) from None
    return treaty.as_of(on)


def run_states(args: argparse.Namespace) -> int:
    """Print the parties in force with their passive quotas and states."""
    view = view_on(args, args.as_of, "--as-of")
    if not view.parties:
        starts = [s.in_force for s in view.treaty.states if s.in_force is not None]
        start = min(starts).isoformat() if starts else "no date in the data"
        print(
            f"No state is a party on {view.date.isoformat()}: the Treaty on Open Skies "
            f"entered into force on {start}; try --as-of {start}"
        )
        return 0
    rows = [
        [
            p.code,
            str(p.passive_quota) + ("" if p.quota_status == "confirmed" else " [U]"),
            " ".join(p.states),
            p.name,
        ]
        for p in sorted(view.parties, key=lambda p: p.code)
    ]
    print(
        f"Treaty on Open Skies on {view.date.isoformat()}: {len(view.members)} states "
        f"parties in {len(view.parties)} quota-holding parties; "
        f"total passive quota {sum(p.passive_quota for p in view.parties)}"
    )
    print(format_table(["party", "passive", "states", "name"], rows))
    print("[U] = unconfirmed value (see quotas/passive_quotas.csv)")
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one party's quota, airfields, restrictions and territory area."""
    from pyproj import Geod

    view = view_on(args, args.as_of, "--as-of", inferred=args.inferred)
    party = view.party(args.code)
    area_km2 = (
        abs(Geod(ellps="WGS84").geometry_area_perimeter(view.territory(args.code))[0])
        / 1e6
    )
    print(f"{party.code} ({party.name}) on {view.date.isoformat()}")
    print(f"  states: {' '.join(party.states)}")
    print(f"  passive quota: {party.passive_quota} ({party.quota_status})")
    print(f"  territory (land + 12 nmi): {area_km2:,.0f} km2")
    airfields = view.airfields(args.code)
    rows = [
        [
            a.id,
            a.name,
            " ".join(sorted(a.roles)),
            f"{a.lat:.3f} {a.lon:.3f}"
            + ("" if a.position_status == "confirmed" else " [U]"),
            "-" if a.distance is None else f"{a.distance.max_km:,.0f}",
            "-" if a.distance is None else a.distance.status,
        ]
        for a in airfields
    ]
    print(
        format_table(["airfield", "name", "roles", "lat lon", "max km", "status"], rows)
    )
    print("  where each maximum flight distance comes from:")
    for a in airfields:
        print(f"    {a.id}: {_distance_source(a)}")
    restrictions = view.restrictions(observed=args.code)
    print(f"  restrictions in force: {len(restrictions)}")
    for r in restrictions:
        value = "" if r.value is None else f" {r.value:g} {r.unit}"
        print(f"    {r.id} ({r.kind}{value}, {r.legal_status}): {r.note}")
    return 0


def _distance_source(airfield: Airfield) -> str:
    """Say where the airfield's distance in force comes from, or why there is none."""
    if airfield.distance is not None:
        return airfield.distance.source
    held = [d for d in airfield.distances if d.status == "inferred"]
    if held:
        return "none applied (an inferred value exists: use --inferred)"
    return "none known on this date"
