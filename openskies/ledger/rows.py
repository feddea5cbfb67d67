"""Rows of the ledger's tables: missions to rows and back, a new ledger's contents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from openskies.calendar.types import Mission
from openskies.errors import GeometryError, OptionsError
from openskies.ledger.balance import balance_rows
from openskies.ledger.schema import (
    BALANCE_COLUMNS,
    FORMAT,
    SCHEMA_VERSION,
    encode_geometry,
)

if TYPE_CHECKING:
    from shapely.geometry import LineString

    from openskies.ledger.types import Cause, Outcome
    from openskies.treaty.model import TreatyView

__all__ = [
    "MISSION_COLUMNS",
    "PlannedRoute",
    "creation_statements",
    "mission_from",
    "mission_row",
    "now",
]

#: ``{mission_id: (route status, line or None)}`` for :meth:`Ledger.create_from`.
PlannedRoute = tuple[str, "LineString | None"]

MISSION_COLUMNS = (
    "mission_id, observer, observed, poe, aircraft, taxi, notice, arrival, end_time"
)


def now() -> str:
    """Return the current UTC time as ISO 8601 with microseconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def mission_from(row: Sequence[Any]) -> Mission:
    """Return the :class:`Mission` of a ``missions`` row (``MISSION_COLUMNS``)."""
    mid, observer, observed, poe, aircraft, taxi, notice, arrival, end = row
    return Mission(
        id=mid,
        observer=observer,
        observed=observed,
        poe=poe,
        notice=dt.datetime.fromisoformat(notice),
        arrival=dt.datetime.fromisoformat(arrival),
        end=dt.datetime.fromisoformat(end),
        aircraft=aircraft,
        taxi=bool(taxi),
    )


def mission_row(
    calendar: int, mission: Mission, route: PlannedRoute | None
) -> tuple[str, tuple[object, ...]]:
    """Return the INSERT statement of one mission of ``calendar``."""
    status, line = route if route is not None else ("not planned", None)
    return (
        "INSERT INTO missions (geom, calendar, mission_id, observer, observed, poe,"
        " aircraft, taxi, notice, arrival, end_time, route_status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            encode_geometry(line),
            calendar,
            mission.id,
            mission.observer,
            mission.observed,
            mission.poe,
            mission.aircraft,
            int(mission.taxi),
            mission.notice.isoformat(),
            mission.arrival.isoformat(),
            mission.end.isoformat(),
            status,
        ),
    )


def creation_statements(
    view: TreatyView,
    year: int,
    distribution: Mapping[tuple[str, str], int],
    missions: tuple[Mission, ...],
    routes: Mapping[str, PlannedRoute],
    pair_cap: str,
    scenario: str,
) -> list[tuple[str, tuple[object, ...]]]:
    """Return the INSERT statements of a new ledger's contents."""
    from shapely.geometry import Point

    if not isinstance(year, int) or isinstance(year, bool):
        raise OptionsError(f"year must be a whole number, got {year!r:.40}")
    meta = {
        "format": FORMAT,
        "schema_version": str(SCHEMA_VERSION),
        "year": str(year),
        "pair_cap": pair_cap,
        "plan_date": view.date.isoformat(),
        "scenario": scenario,
        "created_at": now(),
    }
    out: list[tuple[str, tuple[object, ...]]] = [
        ("INSERT INTO ledger_meta VALUES (?, ?)", item) for item in meta.items()
    ]
    out += [
        ("INSERT INTO distribution VALUES (?, ?, ?)", (o, t, int(n)))
        for (o, t), n in sorted(distribution.items())
    ]
    members = set(view.members)
    passive: dict[str, int] = {}
    for state in view.treaty.states:
        party = view.party_of(state.iso3) if state.iso3 in members else state.iso3
        quota = view.passive_quota(party) if state.iso3 in members else 0
        passive[party] = quota
        out.append(
            (
                "INSERT INTO parties VALUES (?, ?, ?, ?, ?)",
                (
                    state.iso3,
                    party,
                    quota,
                    None if state.in_force is None else state.in_force.isoformat(),
                    None if state.left is None else state.left.isoformat(),
                ),
            )
        )
    width = ", ".join("?" * len(BALANCE_COLUMNS))
    out += [
        (f"INSERT INTO balance VALUES ({width})", row)
        for row in balance_rows(distribution, passive, [])
    ]
    out += [mission_row(0, m, routes.get(m.id)) for m in missions]
    for party in sorted({t for _, t in distribution}):
        for a in view.airfields(party):
            out.append(
                (
                    "INSERT INTO airfields (geom, airfield_id, name, state, party,"
                    " roles, max_distance_km) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        encode_geometry(Point(a.lon, a.lat)),
                        a.id,
                        a.name,
                        a.state,
                        party,
                        ";".join(sorted(a.roles)),
                        a.max_distance_km,
                    ),
                )
            )
    return out


def as_day(value: object, name: str = "date") -> dt.date:
    """Return ``value`` (a date or ISO string) as a date, or raise OptionsError."""
    from openskies.files.tables import parse_date

    try:
        return parse_date(value)
    except OptionsError:
        raise OptionsError(
            f"{name} must be a date or an ISO date string (YYYY-MM-DD), "
            f"got {value!r:.40}"
        ) from None


def as_choice(enum: type[Outcome] | type[Cause], value: object, name: str) -> Any:
    """Return ``value`` as a member of ``enum``, or raise OptionsError."""
    if isinstance(value, str):
        try:
            return enum(value.strip().lower())
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum)
    raise OptionsError(f"{name} must be one of {allowed}; got {value!r:.40}")


def as_line(route: object) -> LineString | None:
    """Return a recorded track as a line string in EPSG:4326 (None for None)."""
    import numpy as np
    import shapely
    from shapely.geometry import LineString

    if route is None:
        return None
    line = getattr(route, "line", route)
    if isinstance(line, LineString):
        coords = shapely.get_coordinates(line)
    else:
        try:
            coords = np.asarray(line, dtype=float)
        except (TypeError, ValueError, OverflowError):
            coords = np.empty((0, 0))
        if coords.ndim != 2 or coords.shape[1] != 2:
            raise GeometryError(
                "route must be an openskies Route, a shapely LineString or a "
                f"sequence of (lon, lat) points, got {type(route).__name__}"
            )
    if (
        len(coords) < 2
        or not np.isfinite(coords).all()
        or not (abs(coords[:, 0]) <= 180).all()
        or not (abs(coords[:, 1]) <= 90).all()
    ):
        raise GeometryError(
            "route must have at least 2 points with finite longitudes in "
            "[-180, 180] and latitudes in [-90, 90] (EPSG:4326)"
        )
    return LineString(coords)
