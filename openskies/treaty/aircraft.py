"""Observation aircraft: the fleet data model, its reader and who may fly what.

The bundled fleet (``geodata/aircraft.csv``) lists the certified observation
aircraft of the treaty's life with owner, home base, cruise speed and service
period; each value carries a status (one of :data:`~openskies.treaty.model.STATUSES`),
because most of them come from observed practice or general knowledge rather than
the treaty text.  Users can read their own file with :func:`read_aircraft` or
build :class:`Aircraft` objects directly.

References
----------
Treaty on Open Skies, Art. VI.I.1 (observation aircraft, taxi option) and Annex D
(certification).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.caching import cached
from openskies.errors import DataError
from openskies.files.tables import Row, read_table
from openskies.treaty.model import STATUSES

if TYPE_CHECKING:
    from openskies.treaty.model import TreatyView

__all__ = [
    "AIRCRAFT_COLUMNS",
    "Aircraft",
    "aircraft_users",
    "load_fleet",
    "read_aircraft",
    "usable_aircraft",
]

#: Columns of an aircraft table; the first six are required.
AIRCRAFT_COLUMNS = (
    "id",
    "type",
    "owner",
    "lat",
    "lon",
    "cruise_kmh",
    "members",
    "home_base",
    "in_service_from",
    "in_service_to",
    "owner_status",
    "home_status",
    "speed_status",
    "service_status",
    "note",
)
#: Plausible cruise speeds of observation aircraft [km/h]; values outside are
#: taken for a unit error (knots, m/s) and rejected.
CRUISE_KMH_RANGE = (100.0, 1200.0)
FLEET_FILE = "aircraft.csv"


@dataclass(frozen=True, slots=True)
class Aircraft:
    """A certified observation aircraft.

    Attributes
    ----------
    id
        Unique identifier, e.g. ``USA-OC135B-2670``.
    type
        Aircraft type, e.g. ``OC-135B``.
    owner
        The owning state or party code, or the name of a pool of states (e.g.
        ``POD`` for the multinational pod group) whose states are ``members``.
    members
        ISO3 codes of the states that share the aircraft; empty means the
        owner's states.
    home_base
        Name or ICAO code of the home base (free text).
    lon, lat
        Home base position [degrees, WGS84].
    cruise_kmh
        Cruise speed used for positioning flights [km/h].
    in_service_from, in_service_to
        Half-open service period ``[from, to)``; None means unbounded.
    owner_status, home_status, speed_status, service_status
        How sure each value is (one of :data:`~openskies.treaty.model.STATUSES`).
    note
        Free text.
    """

    id: str
    type: str
    owner: str
    lon: float
    lat: float
    cruise_kmh: float
    members: tuple[str, ...] = ()
    home_base: str = ""
    in_service_from: dt.date | None = None
    in_service_to: dt.date | None = None
    owner_status: str = "unconfirmed"
    home_status: str = "unconfirmed"
    speed_status: str = "unconfirmed"
    service_status: str = "unconfirmed"
    note: str = ""

    def __post_init__(self) -> None:
        """Validate the values (the same checks as :func:`read_aircraft`)."""
        problem = _problem({f: getattr(self, f) for f in self.__slots__})
        if problem is not None:
            field, message = problem
            raise DataError(message, file=f"aircraft {self.id!r}", field=field)

    def in_service(self, start: dt.date, end: dt.date) -> bool:
        """Whether the service period meets the half-open period ``[start, end)``."""
        return (self.in_service_from is None or self.in_service_from < end) and (
            self.in_service_to is None or start < self.in_service_to
        )


def _problem(values: Mapping[str, Any]) -> tuple[str, str] | None:
    """Return ``(field, message)`` for the first invalid value, or None."""
    low, high = CRUISE_KMH_RANGE
    start, end = values["in_service_from"], values["in_service_to"]
    checks: list[tuple[bool, str, str]] = [
        (bool(values["id"].strip()), "id", "the aircraft id is empty"),
        (bool(values["owner"].strip()), "owner", "the owner is empty"),
        (
            -90 <= values["lat"] <= 90,
            "lat",
            f"latitude {values['lat']} is outside -90..90",
        ),
        (
            -180 <= values["lon"] <= 180,
            "lon",
            f"longitude {values['lon']} is outside -180..180",
        ),
        (
            low <= values["cruise_kmh"] <= high,
            "cruise_kmh",
            f"cruise speed {values['cruise_kmh']} km/h is outside {low:g}..{high:g} "
            "km/h; give it in km/h (1 kt = 1.852 km/h)",
        ),
        (
            start is None or end is None or start < end,
            "in_service_to",
            f"{end} is not after in_service_from {start}",
        ),
    ]
    checks.extend(
        (
            values[field] in STATUSES,
            field,
            f"{values[field]!r} is not one of {', '.join(STATUSES)}",
        )
        for field in ("owner_status", "home_status", "speed_status", "service_status")
    )
    return next(((f, m) for ok, f, m in checks if not ok), None)


def read_aircraft(
    path: str | Path, *, known_codes: Iterable[str] | None = None
) -> tuple[Aircraft, ...]:
    """Read an aircraft table (CSV, UTF-8, one aircraft a row).

    Parameters
    ----------
    path
        The file; columns :data:`AIRCRAFT_COLUMNS` (``id, type, owner, lat, lon,
        cruise_kmh`` required; the others may be absent or empty; an empty status
        means ``unconfirmed``).  ``members`` is a space-separated list of ISO3
        codes; dates are ``YYYY-MM-DD``.
    known_codes
        State and party codes to check ``owner`` and ``members`` against (e.g.
        ``treaty.known_codes``); an owner that is not known must list its
        ``members``.

    Returns
    -------
    tuple of Aircraft
        In file order.

    Raises
    ------
    DataError
        If the file is missing or a row is malformed: duplicate id, unknown code,
        speed outside :data:`CRUISE_KMH_RANGE`, position out of range, service
        period reversed, unknown status (names file, row and field).

    References
    ----------
    Treaty on Open Skies, Art. VI.I.1 and Annex D.
    """
    codes = None if known_codes is None else frozenset(known_codes)
    fleet: list[Aircraft] = []
    for row in read_table(Path(path), AIRCRAFT_COLUMNS[:6]):
        aircraft = _from_row(row, codes)
        if any(a.id == aircraft.id for a in fleet):
            raise row.error("id", f"aircraft {aircraft.id!r} appears twice")
        fleet.append(aircraft)
    return tuple(fleet)


def _status(row: Row, field: str) -> str:
    if not row.text(field, required=False):
        return "unconfirmed"
    return row.choice(field, STATUSES)


def _from_row(row: Row, codes: frozenset[str] | None) -> Aircraft:
    owner = row.text("owner").upper()
    members = tuple(row.text("members", required=False).upper().split())
    if codes is not None:
        unknown = [m for m in members if m not in codes]
        if unknown:
            raise row.error("members", f"unknown state code(s) {', '.join(unknown)}")
        if owner not in codes and not members:
            raise row.error(
                "owner",
                f"{owner!r} is no known state or party; list the states of a "
                "pool in the members column",
            )
    start, end = row.period("in_service_from", "in_service_to")
    values: dict[str, Any] = {
        "id": row.text("id"),
        "type": row.text("type"),
        "owner": owner,
        "members": members,
        "home_base": row.text("home_base", required=False),
        "lon": row.number("lon"),
        "lat": row.number("lat"),
        "cruise_kmh": row.number("cruise_kmh"),
        "in_service_from": start,
        "in_service_to": end,
        **{
            field: _status(row, field)
            for field in (
                "owner_status",
                "home_status",
                "speed_status",
                "service_status",
            )
        },
        "note": row.text("note", required=False),
    }
    problem = _problem(values)
    if problem is not None:
        raise row.error(*problem)
    return Aircraft(**values)


@cached(maxsize=1)
def load_fleet() -> tuple[Aircraft, ...]:
    """Return the bundled observation fleet (``geodata/aircraft.csv``).

    Returns
    -------
    tuple of Aircraft
        OC-135B, Tu-154M-LK-1, An-30B, Tu-214ON, A319 OH, Saab 340 OS-100,
        CN-235, An-26, An-30 (ROU, UKR, BGR), the pod group's C-130H and the
        Andover; values not confirmed by a source are flagged ``unconfirmed``.

    Raises
    ------
    DataError
        If the bundled file is malformed (a broken installation).

    References
    ----------
    Treaty on Open Skies, Art. VI.I.1; observed practice (press and government
    statements) for the fleet itself.
    """
    from openskies.treaty.resources import bundled_dir

    return read_aircraft(bundled_dir("geodata") / FLEET_FILE)


def aircraft_users(
    view: TreatyView, fleet: Iterable[Aircraft]
) -> dict[str, frozenset[str]]:
    """Return ``{aircraft id: states entitled to fly it}`` on the view's date.

    A pool's members share its aircraft; otherwise the owner's states do (none
    if the owner is not a party on that date).
    """
    states_of = {p.code: frozenset(p.states) for p in view.parties}
    members = frozenset(view.members)
    result = {}
    for aircraft in fleet:
        if aircraft.members:
            result[aircraft.id] = frozenset(aircraft.members)
        elif aircraft.owner in states_of:
            result[aircraft.id] = states_of[aircraft.owner]
        else:
            result[aircraft.id] = frozenset({aircraft.owner}) & members
    return result


def usable_aircraft(
    view: TreatyView,
    party: str,
    fleet: Iterable[Aircraft],
    start: dt.date,
    end: dt.date,
) -> tuple[Aircraft, ...]:
    """Return the aircraft that ``party`` owns or shares in service in ``[start, end)``.

    A party may fly an aircraft owned by one of its states (or by itself), or one
    of a pool that one of its states belongs to, while the aircraft is in service.

    Parameters
    ----------
    view
        The treaty on the date whose party membership applies.
    party
        A party (or state) code.
    fleet
        The aircraft to choose from.
    start, end
        The period the aircraft must be in service for at least a day.

    Raises
    ------
    UnknownStateError, NotAPartyError
        If ``party`` is unknown or not a party on the view's date.

    References
    ----------
    Treaty on Open Skies, Art. VI.I.1.
    """
    states = frozenset(view.party(party).states)
    fleet = tuple(fleet)
    users = aircraft_users(view, fleet)
    return tuple(a for a in fleet if a.in_service(start, end) and states & users[a.id])
