"""Export a mission calendar: CSV, iCalendar (RFC 5545), GeoJSON or GeoPackage.

Every writer is atomic (:mod:`openskies.files.atomic`).  The iCalendar text is written
with the ``icalendar`` package: one ``VEVENT`` per mission from arrival to end
of mission, times in UTC (the package escapes text, folds lines at 75 octets
and ends them with CRLF).

References
----------
RFC 5545, Internet Calendaring and Scheduling Core Object Specification
(iCalendar), sections 3.1 (folding), 3.3.11 (text), 3.6.1 (event).
Treaty on Open Skies, Annex B App. 1 (flight identifiers), Annex E (points of
entry).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.calendar.types import FRAME_COLUMNS, Mission
from openskies.errors import OptionsError

if TYPE_CHECKING:
    import geopandas as gpd
    import icalendar

    from openskies.calendar.types import MissionsLike
    from openskies.treaty.model import TreatyView

__all__ = [
    "CSV_COLUMNS",
    "entry_points_frame",
    "read_missions_csv",
    "to_ical",
    "write_entry_points",
    "write_ical",
    "write_missions_csv",
]

#: Columns of the missions CSV: :data:`openskies.calendar.types.FRAME_COLUMNS`
#: and taxi.
CSV_COLUMNS = (*FRAME_COLUMNS, "taxi")
#: File suffixes and the OGR drivers that write them.
DRIVERS = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG"}


def _missions(missions_or_result: MissionsLike) -> tuple[Mission, ...]:
    """Return the missions of a result or an iterable of missions (the converter).

    Raises
    ------
    OptionsError
        If the value is neither a ScheduleResult nor an iterable of Mission.
    """
    found: Any = getattr(missions_or_result, "missions", missions_or_result)
    try:
        missions: tuple[object, ...] = tuple(found)
    except TypeError:
        raise OptionsError(
            f"expected a ScheduleResult or Mission objects, got {found!r:.60}"
        ) from None
    bad = [m for m in missions if not isinstance(m, Mission)]
    if bad:
        raise OptionsError(
            f"expected a ScheduleResult or Mission objects, got {bad[0]!r}"
        )
    return tuple(m for m in missions if isinstance(m, Mission))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_missions_csv(missions_or_result: MissionsLike, path: str | Path) -> None:
    """Write missions to a CSV file with :data:`CSV_COLUMNS` (UTC ISO 8601 times).

    Text that a spreadsheet would read as a formula (an aircraft id starting
    with ``=``, ``+``, ``-`` or ``@``, ...) is written with a leading ``'``
    (:func:`openskies.files.atomic.write_csv_atomic`).

    Raises
    ------
    OptionsError
        If the input holds something other than missions.
    OSError
        If the file cannot be written.
    """
    from openskies.files.atomic import write_csv_atomic

    rows = (
        [
            m.id,
            m.observer,
            m.observed,
            m.poe,
            m.aircraft or "",
            _iso(m.notice),
            _iso(m.arrival),
            _iso(m.end),
            "yes" if m.taxi else "no",
        ]
        for m in _missions(missions_or_result)
    )
    write_csv_atomic(path, CSV_COLUMNS, rows)


def read_missions_csv(path: str | Path) -> tuple[Mission, ...]:
    """Read missions written by :func:`write_missions_csv`.

    The CSV format is that of :func:`openskies.files.tables.read_table`; mission
    ids are unique. Text cells that the writer neutralised against spreadsheet
    formulas (a leading ``'``) read back as written before
    (:func:`openskies.files.atomic.restore_cell`).

    Raises
    ------
    DataError
        If the file is missing or not a regular file, a row is malformed or
        repeats a mission id (names file, row, field).
    """
    from openskies.calendar.types import Mission
    from openskies.files.atomic import restore_cell
    from openskies.files.tables import Row, read_table
    from openskies.files.user_files import shown

    def moment(row: Row, field: str) -> dt.datetime:
        text = row.text(field)
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise row.error(
                field, f"{shown(text)} is not an ISO 8601 datetime"
            ) from None
        if value.tzinfo is None:
            raise row.error(
                field, f"{shown(text)} has no time zone; end it with Z (UTC)"
            )
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:  # e.g. 9999-12-31T23:00-05:00
            raise row.error(
                field, f"{shown(text)} is outside the years 1..9999 in UTC"
            ) from None

    missions = []
    for row in read_table(Path(path), CSV_COLUMNS[:8], unique=("mission_id",)):
        taxi = row.text("taxi", required=False) or "no"
        if taxi not in ("yes", "no"):
            raise row.error("taxi", f"{shown(taxi)} is not yes or no")
        missions.append(
            Mission(
                id=restore_cell(row.text("mission_id")),
                observer=row.text("observer"),
                observed=row.text("observed"),
                poe=row.text("poe"),
                notice=moment(row, "notice"),
                arrival=moment(row, "arrival"),
                end=moment(row, "end"),
                aircraft=restore_cell(row.text("aircraft", required=False)) or None,
                taxi=taxi == "yes",
            )
        )
    return tuple(missions)


def to_ical(
    missions_or_result: MissionsLike,
    *,
    view: TreatyView | None = None,
    stamp: dt.datetime | None = None,
    name: str = "Open Skies missions",
) -> str:
    """Return an iCalendar (RFC 5545) text with one event per mission.

    Parameters
    ----------
    missions_or_result
        A :class:`~openskies.calendar.schedule.ScheduleResult` or missions.
    view
        If given, each event's location names the point of entry and carries
        its position (``GEO``).
    stamp
        ``DTSTAMP`` of the events (aware datetime); now by default.
    name
        The calendar's name (``X-WR-CALNAME``).

    Raises
    ------
    OptionsError
        If the input holds something other than missions, or ``stamp`` is naive.

    References
    ----------
    RFC 5545 sections 3.1, 3.3.11 and 3.6.1; Treaty on Open Skies, VI.I.5 (the
    notice time is given in each event's description).
    """
    moment = dt.datetime.now(dt.UTC) if stamp is None else stamp
    if moment.tzinfo is None:
        raise OptionsError(
            "stamp must be timezone-aware, e.g. datetime(..., tzinfo=UTC)"
        )
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//openskies//mission calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for m in _missions(missions_or_result):
        calendar.add_component(_event(m, view, moment))
    return str(calendar.to_ical().decode("utf-8"))


def _event(m: Mission, view: TreatyView | None, moment: dt.datetime) -> icalendar.Event:
    """Return one mission as a VEVENT (RFC 5545 3.6.1), times in UTC."""
    import icalendar

    location, geo = m.poe, None
    if view is not None:
        site = view.airfield(m.poe)
        location, geo = f"{site.name} ({site.id})", (site.lat, site.lon)
    aircraft = m.aircraft or "none (to be arranged with another party)"
    event = icalendar.Event()
    event.add("uid", f"{m.id}-{m.arrival:%Y}@openskies")
    event.add("dtstamp", moment.astimezone(dt.UTC))
    event.add("dtstart", m.arrival.astimezone(dt.UTC))
    event.add("dtend", m.end.astimezone(dt.UTC))
    event.add("summary", f"{m.id} {m.observer} over {m.observed}")
    event.add("location", location)
    if geo is not None:
        event.add("geo", geo)
    event.add(
        "description",
        f"Flight {m.id}: {m.observer} observes {m.observed}; point of entry "
        f"{m.poe}; aircraft {aircraft}{' (taxi option)' if m.taxi else ''}; "
        f"notified {_iso(m.notice)}",
    )
    event.add("categories", ["OPEN SKIES"])
    event.add("transp", "OPAQUE")
    return event


def write_ical(
    missions_or_result: MissionsLike,
    path: str | Path,
    *,
    view: TreatyView | None = None,
    stamp: dt.datetime | None = None,
) -> None:
    """Write :func:`to_ical` to ``path`` (UTF-8, atomic).

    Raises
    ------
    OptionsError
        As :func:`to_ical`.
    OSError
        If the file cannot be written.
    """
    from openskies.files.atomic import write_bytes_atomic

    text = to_ical(missions_or_result, view=view, stamp=stamp)
    write_bytes_atomic(path, text.encode("utf-8"))


def entry_points_frame(
    view: TreatyView, missions_or_result: MissionsLike
) -> gpd.GeoDataFrame:
    """Return the points of entry the missions use, one row each (EPSG:4326).

    Columns ``id, name, state, missions, observers, first_arrival,
    last_arrival`` (times as UTC ISO 8601 text) and the point geometry.

    Raises
    ------
    OptionsError
        If the input holds something other than missions.
    UnknownStateError
        If a mission names an airfield the data do not know.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    missions = _missions(missions_or_result)
    counts = Counter(m.poe for m in missions)
    rows = []
    for ident in sorted(counts):
        site = view.airfield(ident)
        using = [m for m in missions if m.poe == ident]
        rows.append(
            {
                "id": site.id,
                "name": site.name,
                "state": site.state,
                "missions": counts[ident],
                "observers": " ".join(sorted({m.observer for m in using})),
                "first_arrival": _iso(min(m.arrival for m in using)),
                "last_arrival": _iso(max(m.arrival for m in using)),
                "geometry": Point(site.lon, site.lat),
            }
        )
    columns = [
        "id",
        "name",
        "state",
        "missions",
        "observers",
        "first_arrival",
        "last_arrival",
        "geometry",
    ]
    return gpd.GeoDataFrame(rows, columns=columns, geometry="geometry", crs="EPSG:4326")


def write_entry_points(
    view: TreatyView, missions_or_result: MissionsLike, path: str | Path
) -> None:
    """Write :func:`entry_points_frame` as GeoJSON or GeoPackage (by suffix).

    Raises
    ------
    OptionsError
        If the suffix is not ``.geojson``, ``.json`` or ``.gpkg``.
    OSError
        If the file cannot be written.
    """
    from openskies.files.atomic import atomic_path

    target = Path(path)
    driver = DRIVERS.get(target.suffix.lower())
    if driver is None:
        raise OptionsError(
            f"cannot tell the format of {target.name!r}; use a name ending in "
            f"{', '.join(DRIVERS)}"
        )
    frame = entry_points_frame(view, missions_or_result)
    with atomic_path(target) as temporary:
        frame.to_file(temporary, driver=driver, layer="points_of_entry")
