"""Where each number comes from: announcements, real years, values to verify.

The tables in ``quotas/`` and ``geodata/`` carry a ``status`` and a ``source`` on
every value.  This module reads the two evidence tables that sit beside them and
lists what a user should verify before relying on a value:

- ``geodata/announcements.csv``: every announcement of a maximum flight distance
  for a real observation flight that we found, one row per publication, with
  the airfield, the value [km], the date of the flight, the status, the source
  (publisher, date, title or address) and a short quote.  Conflicting
  announcements stand side by side here; :func:`pick_announcement` chooses one.
- ``quotas/history.csv``: dated, sourced facts about real years (flights per
  year, flights over a party, the 2018 year without a distribution, ...).

Pick rule (decision)
--------------------
The maximum flight distance of an airfield on day ``D`` is the announced value
whose flight date is the latest on or before ``D`` (a value applies from the
flight it was announced for until a later announcement supersedes it).  On the
same flight date, ``confirmed`` (treaty text or an official decision) beats
``practice`` (announcement of a real flight), which beats ``inferred`` (our
derived bound); on a further tie the row listed last wins, so a correction is
appended, never edited in place.  ``unconfirmed`` values and undated rows are
never picked; ``inferred`` ones only when asked.  ``flight_distances.csv`` holds
the result as non-overlapping periods; :func:`announcement_mismatches` checks
that it agrees with this rule on every announced flight date.

References
----------
Treaty on Open Skies (Helsinki, 24 March 1992): Art. II para 11 and Annex A
Section III (maximum flight distances); Annex E para 5 (airfields within 35 %
of the maximum flight distance of every point); Annex A Sections I-II (quotas).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from openskies.files.tables import Row, read_table
from openskies.treaty.records import STATUSES, Airfield, FlightDistance
from openskies.treaty.resources import bundled_dir

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from openskies.treaty.model import Treaty

__all__ = [
    "ANNEX_E5_SHARE",
    "HISTORY_KINDS",
    "TO_VERIFY",
    "Announcement",
    "HistoryFact",
    "SourcedValue",
    "annex_e5_lower_bound_km",
    "announcement_mismatches",
    "pick_announcement",
    "read_announcements",
    "read_history",
    "values_to_verify",
]

ANNOUNCEMENTS_FILE = "announcements.csv"
HISTORY_FILE = "history.csv"
#: Annex E 5(A): no point of the mainland farther from an airfield than this
#: share of the maximum flight distance.
ANNEX_E5_SHARE = 0.35
#: Statuses a user should verify before relying on a value.
TO_VERIFY = ("unconfirmed", "practice", "inferred")
#: Kinds of fact in ``quotas/history.csv``.
HISTORY_KINDS = (
    "first_distribution_over",
    "first_distribution_total",
    "first_quota_flight",
    "mission_ban",
    "flights_by_observer_at_least",
    "flights_total_to_date",
    "flights_total_to_date_at_least",
    "flights_over_conducted",
    "flights_over_scheduled",
    "flights_over_requested",
    "distribution_agreed",
    "active_quota",
)
# Same flight date: the lower rank wins (confirmed beats practice beats inferred).
_RANK = {"confirmed": 0, "practice": 1, "inferred": 2}


@dataclass(frozen=True, slots=True)
class Announcement:
    """One published maximum flight distance for flights from one airfield.

    Attributes
    ----------
    airfield
        Airfield id (ICAO code), as in ``airfields.csv``.
    max_km
        The announced maximum flight distance [km].
    flight_date
        First day of the flight it was announced for; None if unknown (never
        picked).
    status
        One of :data:`~openskies.treaty.records.STATUSES`.
    source
        Publisher, date, title or address.
    quote
        The sentence that gives the value.
    row
        1-based data row in the file (the order breaks ties).
    """

    airfield: str
    max_km: float
    flight_date: dt.date | None
    status: str
    source: str
    quote: str = ""
    row: int = 0


@dataclass(frozen=True, slots=True)
class HistoryFact:
    """A dated, sourced fact about a real year of the regime.

    Attributes
    ----------
    id
        Identifier, e.g. ``Y2020-USA-RUS``.
    date
        Day the fact refers to (1 January for a whole year).
    kind
        One of :data:`HISTORY_KINDS`.
    observer, observed
        Party codes, or ``all``.
    value
        The count [flights] (0/1 for ``distribution_agreed``).
    status, source, quote
        How sure, where from, and the sentence that says it.
    """

    id: str
    date: dt.date
    kind: str
    observer: str
    observed: str
    value: int
    status: str
    source: str
    quote: str = ""


@dataclass(frozen=True, slots=True)
class SourcedValue:
    """A value of the bundled tables that is not confirmed by the treaty text.

    Attributes
    ----------
    table, file
        What the value is (e.g. ``flight distance``) and the file holding it.
    key
        Which row (e.g. ``LFOJ from 2012-10-28``).
    value
        The value as text, with its unit.
    status
        ``unconfirmed``, ``practice`` or ``inferred``.
    source
        Where it comes from (or what was searched without finding it).
    """

    table: str
    file: str
    key: str
    value: str
    status: str
    source: str


def _read(
    path: str | Path | None, bundled: Path, columns: tuple[str, ...]
) -> list[Row]:
    """Read ``path`` (``bundled`` if None), requiring ``columns``."""
    return read_table(bundled if path is None else Path(path), columns)


def read_announcements(path: str | Path | None = None) -> tuple[Announcement, ...]:
    """Read ``announcements.csv`` (the bundled one by default).

    Raises
    ------
    DataError
        If the file is missing or a row is malformed (names file, row, field):
        a distance that is not positive, a status not in ``STATUSES``, ...
    """
    columns = ("airfield", "max_km", "flight_date", "status", "source")
    bundled = bundled_dir("geodata") / ANNOUNCEMENTS_FILE
    return tuple(_announcement(row) for row in _read(path, bundled, columns))


def _announcement(row: Row) -> Announcement:
    max_km = row.number("max_km")
    if max_km <= 0:
        raise row.error("max_km", f"{max_km} is not a positive distance")
    return Announcement(
        airfield=row.text("airfield"),
        max_km=max_km,
        flight_date=row.optional_date("flight_date"),
        status=row.choice("status", STATUSES),
        source=row.text("source"),
        quote=row.text("quote", required=False),
        row=row.index,
    )


def read_history(path: str | Path | None = None) -> tuple[HistoryFact, ...]:
    """Read ``history.csv`` (the bundled one by default).

    Raises
    ------
    DataError
        If the file is missing, an id appears twice, or a row is malformed
        (names file, row, field).
    """
    columns = (
        "id",
        "date",
        "kind",
        "observer",
        "observed",
        "value",
        "status",
        "source",
    )
    facts: list[HistoryFact] = []
    for row in _read(path, bundled_dir("quotas") / HISTORY_FILE, columns):
        ident = row.text("id")
        if any(f.id == ident for f in facts):
            raise row.error("id", f"fact {ident!r} appears twice")
        facts.append(
            HistoryFact(
                id=ident,
                date=row.date("date"),
                kind=row.choice("kind", HISTORY_KINDS),
                observer=row.text("observer"),
                observed=row.text("observed"),
                value=row.integer("value"),
                status=row.choice("status", STATUSES),
                source=row.text("source"),
                quote=row.text("quote", required=False),
            )
        )
    return tuple(facts)


def pick_announcement(
    announcements: Iterable[Announcement],
    day: dt.date,
    *,
    inferred: bool = False,
) -> Announcement | None:
    """Return the announced value in force on ``day`` under the pick rule.

    Parameters
    ----------
    announcements
        Announced values of one airfield (treaty values included as
        ``confirmed`` rows dated from the treaty's entry into force).
    day
        The flight's date.
    inferred
        Whether ``inferred`` values may be picked.

    Returns
    -------
    Announcement or None
        The latest dated value on or before ``day``; on the same date
        ``confirmed`` beats ``practice`` beats ``inferred``, then the row
        listed last.  None if no value applies.
    """
    best: Announcement | None = None
    best_key: tuple[dt.date, int, int] | None = None
    for item in announcements:
        if item.flight_date is None or item.flight_date > day:
            continue
        if item.status not in _RANK or (item.status == "inferred" and not inferred):
            continue
        key = (item.flight_date, -_RANK[item.status], item.row)
        if best_key is None or key > best_key:
            best, best_key = item, key
    return best


def _as_announcements(airfield: Airfield) -> Iterator[Announcement]:
    """Yield the airfield's dated, unconditional ``confirmed`` rows as announcements."""
    for distance in airfield.distances:
        if (
            distance.status == "confirmed"
            and distance.valid_from
            and not (distance.condition)
        ):
            yield Announcement(
                airfield.id,
                distance.max_km,
                distance.valid_from,
                "confirmed",
                distance.source,
                row=-1,
            )


def announcement_mismatches(
    treaty: Treaty, announcements: Iterable[Announcement]
) -> list[str]:
    """Check ``flight_distances.csv`` against the pick rule on announced dates.

    On the flight date of every announcement that can be picked, the distance
    the treaty applies must be the one :func:`pick_announcement` chooses from
    the announcements and the airfield's confirmed (treaty) rows.

    Returns
    -------
    list of str
        One line per disagreement (empty when the tables agree), naming the
        airfield, the date and both values; or an airfield that is unknown.
    """
    by_airfield: dict[str, list[Announcement]] = {}
    for item in announcements:
        by_airfield.setdefault(item.airfield, []).append(item)
    airfields = {a.id: a for a in treaty.all_airfields}
    found: list[str] = []
    for ident, items in by_airfield.items():
        airfield = airfields.get(ident)
        if airfield is None:
            found.append(f"{ident}: announced but not in airfields.csv")
            continue
        candidates = [*_as_announcements(airfield), *items]
        for day in sorted({i.flight_date for i in items if i.flight_date}):
            picked = pick_announcement(candidates, day, inferred=treaty.inferred)
            applied = airfield.max_distance_on(day, inferred=treaty.inferred)
            want = None if picked is None else picked.max_km
            if applied != want:
                found.append(
                    f"{ident} on {day}: flight_distances.csv gives {applied} km, "
                    f"the pick rule gives {want} km"
                )
    return found


def annex_e5_lower_bound_km(territory: BaseGeometry, lon: float, lat: float) -> int:
    """Return the smallest maximum flight distance Annex E 5 allows [km].

    Annex E 5(A) requires every point of the territory to lie within 35 % of
    the maximum flight distance of an Open Skies airfield.  With a single
    airfield at (``lon``, ``lat``) the distance is therefore at least the
    geodesic distance to the farthest point of ``territory`` divided by 0.35,
    rounded up to a whole kilometre.  The farthest point of a polygon from a
    point inside it is one of its vertices (edges are at most a few km long).

    Parameters
    ----------
    territory
        The state's territory (EPSG:4326 polygons).
    lon, lat
        The airfield [degrees, WGS84].

    Returns
    -------
    int
        The lower bound [km].

    References
    ----------
    Treaty on Open Skies, Annex E, para 5(A).
    """
    import numpy as np
    import shapely
    from pyproj import Geod

    coords = shapely.get_coordinates(territory)
    count = len(coords)
    _, _, metres = Geod(ellps="WGS84").inv(
        np.full(count, lon), np.full(count, lat), coords[:, 0], coords[:, 1]
    )
    farthest_km = float(np.max(metres)) / 1000.0
    return math.ceil(round(farthest_km / ANNEX_E5_SHARE, 6))


def values_to_verify(
    treaty: Treaty, history: Iterable[HistoryFact] = ()
) -> tuple[SourcedValue, ...]:
    """List every value whose status is ``unconfirmed``, ``practice`` or ``inferred``.

    Covers passive quotas, maximum flight distances, airfield positions, dates
    of entry into force, restrictions and ``history`` facts, in that order.

    Parameters
    ----------
    treaty
        The loaded treaty (its tables).
    history
        Facts from :func:`read_history`.

    Returns
    -------
    tuple of SourcedValue
        What to verify before relying on it, with its source.
    """
    found = [
        *_quota_values(treaty),
        *_distance_values(treaty),
        *_position_values(treaty),
        *_state_values(treaty),
        *_restriction_values(treaty),
        *_history_values(history),
    ]
    return tuple(v for v in found if v.status in TO_VERIFY)


def _quota_values(treaty: Treaty) -> Iterator[SourcedValue]:
    for q in treaty.passive_quota_history:
        yield SourcedValue(
            "passive quota",
            "quotas/passive_quotas.csv",
            f"{q.party} from {q.valid_from}",
            f"{q.value} flights",
            q.status,
            q.source,
        )


def _distance_key(airfield: Airfield, distance: FlightDistance) -> str:
    start = distance.valid_from.isoformat() if distance.valid_from else "undated"
    condition = f" ({distance.condition})" if distance.condition else ""
    return f"{airfield.id} from {start}{condition}"


def _distance_values(treaty: Treaty) -> Iterator[SourcedValue]:
    for airfield in treaty.all_airfields:
        for distance in airfield.distances:
            yield SourcedValue(
                "flight distance",
                "geodata/flight_distances.csv",
                _distance_key(airfield, distance),
                f"{distance.max_km:g} km",
                distance.status,
                distance.source,
            )


def _position_values(treaty: Treaty) -> Iterator[SourcedValue]:
    for airfield in treaty.all_airfields:
        yield SourcedValue(
            "airfield position",
            "geodata/airfields.csv",
            airfield.id,
            f"{airfield.lat:.3f} {airfield.lon:.3f}",
            airfield.position_status,
            airfield.source or airfield.note,
        )


def _state_values(treaty: Treaty) -> Iterator[SourcedValue]:
    for state in treaty.states:
        yield SourcedValue(
            "entry into force",
            "quotas/states.csv",
            state.iso3,
            "never" if state.in_force is None else state.in_force.isoformat(),
            state.in_force_status,
            state.note or "treaty.md section 1",
        )


def _restriction_values(treaty: Treaty) -> Iterator[SourcedValue]:
    for r in treaty.all_restrictions:
        value = "unknown" if r.value is None else f"{r.value:g} {r.unit}"
        dates = f"{r.valid_from} to {r.valid_to or 'open'}"
        note = f"treaty.md section 5: {r.note}"
        file = "geodata/restrictions.csv"
        yield SourcedValue("restriction value", file, r.id, value, r.value_status, note)
        yield SourcedValue("restriction dates", file, r.id, dates, r.dates_status, note)


def _history_values(history: Iterable[HistoryFact]) -> Iterator[SourcedValue]:
    for fact in history:
        yield SourcedValue(
            "history",
            "quotas/history.csv",
            f"{fact.id} ({fact.kind}, {fact.observer} over {fact.observed})",
            f"{fact.value}",
            fact.status,
            fact.source,
        )
