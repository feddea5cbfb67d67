"""``openskies states`` and ``openskies show``: the regime on a date."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from openskies._cli.common import add_data_arguments, format_table, treaty_from
from openskies.errors import OptionsError

if TYPE_CHECKING:
    from openskies.treaty import TreatyView

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
    add_data_arguments(show)
    show.set_defaults(func=run_show)


def view_on(args: argparse.Namespace, day: str | None, option: str) -> TreatyView:
    """Return the treaty of ``args``' data directories on ``day`` (default today).

    Raises
    ------
    OptionsError
        If ``day`` is not a date; the message names the command-line ``option``.
    DataError
        If the data directories are malformed.
    """
    if day is None:
        return treaty_from(args).as_of(dt.date.today())
    try:
        on = dt.date.fromisoformat(day.strip())
    except ValueError:
        raise OptionsError(
            f"{option} {day[:40]!r}: expected a date YYYY-MM-DD such as 2019-06-01"
        ) from None
    return treaty_from(args).as_of(on)


def run_states(args: argparse.Namespace) -> int:
    """Print the parties in force with their passive quotas and states."""
    view = view_on(args, args.as_of, "--as-of")
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

    view = view_on(args, args.as_of, "--as-of")
    party = view.party(args.code)
    area_km2 = (
        abs(Geod(ellps="WGS84").geometry_area_perimeter(view.territory(args.code))[0])
        / 1e6
    )
    print(f"{party.code} ({party.name}) on {view.date.isoformat()}")
    print(f"  states: {' '.join(party.states)}")
    print(f"  passive quota: {party.passive_quota} ({party.quota_status})")
    print(f"  territory (land + 12 nmi): {area_km2:,.0f} km2")
    rows = [
        [
            a.id,
            a.name,
            " ".join(sorted(a.roles)),
            f"{a.lat:.3f} {a.lon:.3f}"
            + ("" if a.position_status == "confirmed" else " [U]"),
            "-" if a.max_distance_km is None else f"{a.max_distance_km:,.0f}",
        ]
        for a in view.airfields(args.code)
    ]
    print(format_table(["airfield", "name", "roles", "lat lon", "max km"], rows))
    restrictions = view.restrictions(observed=args.code)
    print(f"  restrictions in force: {len(restrictions)}")
    for r in restrictions:
        value = "" if r.value is None else f" {r.value:g} {r.unit}"
        print(f"    {r.id} ({r.kind}{value}, {r.legal_status}): {r.note}")
    return 0
