"""``openskies states`` and ``openskies show``: the regime on a date."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from openskies.cli.common import (
    add_data_arguments,
    add_format_argument,
    format_table,
    print_formatted,
    treaty_from,
)
from openskies.errors import OptionsError
from openskies.files.tables import parse_date

if TYPE_CHECKING:
    from openskies.treaty.model import TreatyView
    from openskies.treaty.records import Airfield

__all__ = ["AIRFIELD_COLUMNS", "PARTY_COLUMNS", "register", "view_on"]

#: Keys of each party printed by ``states --format json|csv``.
PARTY_COLUMNS = ("party", "name", "passive_quota", "quota_status", "states")
#: Keys of each airfield printed by ``show --format json|csv``.
AIRFIELD_COLUMNS = (
    "id",
    "name",
    "roles",
    "lat",
    "lon",
    "position_status",
    "max_km",
    "distance_status",
    "distance_source",
)


def register(commands: Any) -> None:
    """Add the ``states`` and ``show`` sub-commands."""
    states = commands.add_parser(
        "states", help="list the parties, their passive quotas and states on a date"
    )
    states.add_argument("--as-of", default=None, help="date (default: today)")
    add_format_argument(
        states,
        json='{"date", "entered_into_force", "states_parties", "total_passive_quota", '
        '"parties": [{"party", "name", "passive_quota", "quota_status", "states"}]}',
        csv="party, name, passive_quota, quota_status, states (space-separated)",
    )
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
    add_format_argument(
        show,
        json='{"party", "name", "date", "states", "passive_quota", "quota_status", '
        '"territory_km2", "airfields": [{AIRFIELD_COLUMNS}], "restrictions": '
        '[{"id", "kind", "value", "unit", "legal_status", "note"}]}',
        csv="the airfields: " + ", ".join(AIRFIELD_COLUMNS),
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
    starts = [s.in_force for s in view.treaty.states if s.in_force is not None]
    start = min(starts).isoformat() if starts else None
    parties: list[dict[str, Any]] = [
        {
            "party": p.code,
            "name": p.name,
            "passive_quota": p.passive_quota,
            "quota_status": p.quota_status,
            "states": list(p.states),
        }
        for p in sorted(view.parties, key=lambda p: p.code)
    ]
    total = sum(p.passive_quota for p in view.parties)
    document = {
        "date": view.date,
        "entered_into_force": start,
        "states_parties": len(view.members),
        "total_passive_quota": total,
        "parties": parties,
    }
    if print_formatted(args.format, document, PARTY_COLUMNS, parties):
        return 0
    if not parties:
        print(
            f"No state is a party on {view.date.isoformat()}: the Treaty on Open Skies "
            f"entered into force on {start or 'no date in the data'}"
            + (f"; try --as-of {start}" if start else "")
        )
        return 0
    print(
        f"Treaty on Open Skies on {view.date.isoformat()}: {len(view.members)} states "
        f"parties in {len(parties)} quota-holding parties; "
        f"total passive quota {total}"
    )
    rows = [
        [
            p["party"],
            f"{p['passive_quota']}"
            + ("" if p["quota_status"] == "confirmed" else " [U]"),
            " ".join(p["states"]),
            p["name"],
        ]
        for p in parties
    ]
    print(format_table(["party", "passive", "states", "name"], rows))
    print("[U] = unconfirmed value (see quotas/passive_quotas.csv)")
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one party's quota, airfields, restrictions and territory area.

    The area is the geodesic area on WGS84 of the party's whole territory (all
    its states), the figure :func:`~openskies.rules.reach.reachable_area`
    reports as ``territory_km2``.
    """
    from openskies.geo.geodesy import area_km2

    view = view_on(args, args.as_of, "--as-of", inferred=args.inferred)
    party = view.party(args.code)
    airfields = [_airfield_record(a) for a in view.airfields(args.code)]
    restrictions = view.restrictions(observed=args.code)
    document = {
        "party": party.code,
        "name": party.name,
        "date": view.date,
        "states": list(party.states),
        "passive_quota": party.passive_quota,
        "quota_status": party.quota_status,
        "territory_km2": area_km2(view.territory(party.code)),
        "airfields": airfields,
        "restrictions": [
            {
                "id": r.id,
                "kind": r.kind,
                "value": r.value,
                "unit": r.unit,
                "legal_status": r.legal_status,
                "note": r.note,
            }
            for r in restrictions
        ],
    }
    if print_formatted(args.format, document, AIRFIELD_COLUMNS, airfields):
        return 0
    print(f"{party.code} ({party.name}) on {view.date.isoformat()}")
    print(f"  states: {' '.join(party.states)}")
    print(f"  passive quota: {party.passive_quota} ({party.quota_status})")
    print(
        f"  territory of {' + '.join(party.states)} (land + 12 nmi, geodesic area "
        f"on WGS84): {document['territory_km2']:,.0f} km2"
    )
    rows = [
        [
            a["id"],
            a["name"],
            " ".join(a["roles"]),
            f"{a['lat']:.3f} {a['lon']:.3f}"
            + ("" if a["position_status"] == "confirmed" else " [U]"),
            "-" if a["max_km"] is None else f"{a['max_km']:,.0f}",
            a["distance_status"] or "-",
        ]
        for a in airfields
    ]
    print(
        format_table(["airfield", "name", "roles", "lat lon", "max km", "status"], rows)
    )
    print("  where each maximum flight distance comes from:")
    for a in airfields:
        print(f"    {a['id']}: {a['distance_source']}")
    print(f"  restrictions in force: {len(restrictions)}")
    for r in restrictions:
        value = "" if r.value is None else f" {r.value:g} {r.unit}"
        print(f"    {r.id} ({r.kind}{value}, {r.legal_status}): {r.note}")
    return 0


def _airfield_record(airfield: Airfield) -> dict[str, Any]:
    """Return the keys of :data:`AIRFIELD_COLUMNS` for one airfield."""
    distance = airfield.distance
    return {
        "id": airfield.id,
        "name": airfield.name,
        "roles": sorted(airfield.roles),
        "lat": airfield.lat,
        "lon": airfield.lon,
        "position_status": airfield.position_status,
        "max_km": None if distance is None else distance.max_km,
        "distance_status": None if distance is None else distance.status,
        "distance_source": _distance_source(airfield),
    }


def _distance_source(airfield: Airfield) -> str:
    """Say where the airfield's distance in force comes from, or why there is none."""
    if airfield.distance is not None:
        return airfield.distance.source
    held = [d for d in airfield.distances if d.status == "inferred"]
    if held:
        return "none applied (an inferred value exists: use --inferred)"
    return "none known on this date"
