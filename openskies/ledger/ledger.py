"""The year as it happens: :class:`Ledger`, a mission ledger in a GeoPackage.

A ledger starts from an :class:`~openskies.plan.AnnualPlan` and records, as an
append-only journal of events with a sequence number and the time of
recording, what becomes of the year: mission outcomes (Art. VIII, counted
under R5/R21), transfers of active quota (R6, within the receiver's per-pair
cap R4), granted requests for copies of sensor data (Art. IX.IV) and re-planned
calendars.  Every event is validated against the treaty inside the write
transaction that stores it, so a refused event changes nothing and two
processes writing at once are serialised (see :mod:`openskies.ledger.store`).

Semantics (decisions)
---------------------
- Dates are calendar days (UTC).  Outcome, transfer and calendar events must
  fall in the quota year (R1: quotas are per calendar year, Art. III.I.4);
  requests for data may come later.
- The balance counts events by their date; validation checks the year's final
  balance with the new event (an active or passive quota never below zero).
- A mission's outcome other than ``cancelled`` cannot be dated before its
  notice (Art. VI.I.5).
- The "current calendar" is the plan's or the last committed re-plan's.

References
----------
Treaty on Open Skies, Art. III.I.4, III.I.8-10, VI.I.5, VIII, IX.IV, XV.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from openskies.errors import GeometryError, OptionsError, UnknownStateError
from openskies.ledger import store
from openskies.ledger.balance import balance_rows
from openskies.ledger.rows import (
    MISSION_COLUMNS,
    PlannedRoute,
    creation_statements,
    mission_from,
    now,
)
from openskies.ledger.rules import Membership, counts, pair_cap
from openskies.ledger.schema import (
    BALANCE_COLUMNS,
    EVENT_COLUMNS,
    encode_geometry,
)
from openskies.ledger.types import Cause, EventKind, LedgerRuleError, Outcome

if TYPE_CHECKING:
    import pandas as pd
    from shapely.geometry import LineString

    from openskies._solver import SolveOptions
    from openskies.plan import AnnualPlan
    from openskies.schedule import Mission, ScheduleResult
    from openskies.treaty import Treaty, TreatyView

__all__ = ["Ledger"]


def _day(value: object, name: str = "date") -> dt.date:
    """Return ``value`` (a date or ISO string) as a date, or raise OptionsError."""
    from openskies._tables import parse_date

    try:
        return parse_date(value)
    except OptionsError:
        raise OptionsError(
            f"{name} must be a date or an ISO date string (YYYY-MM-DD), "
            f"got {value!r:.40}"
        ) from None


def _choice(enum: type[Outcome] | type[Cause], value: object, name: str) -> Any:
    """Return ``value`` as a member of ``enum``, or raise OptionsError."""
    if isinstance(value, str):
        try:
            return enum(value.strip().lower())
        except ValueError:
            pass
    allowed = ", ".join(m.value for m in enum)
    raise OptionsError(f"{name} must be one of {allowed}; got {value!r:.40}")


def _line(route: object) -> LineString | None:
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


class Ledger:
    """A year's mission ledger stored in one GeoPackage file.

    Create one with :meth:`create` (from an annual plan) or open one with
    :meth:`open`; use it as a context manager or call :meth:`close`.

    Attributes
    ----------
    path
        The GeoPackage file.
    year
        The quota year.
    pair_cap_reading
        Reading of the per-pair cap (R4): ``entitlement`` or ``distributed``.

    References
    ----------
    Treaty on Open Skies, Art. III, VIII, IX.IV; OGC GeoPackage 1.3.
    """

    def __init__(self, path: Path, con: sqlite3.Connection) -> None:
        self.path = path
        self._con = con
        meta = dict(con.execute("SELECT key, value FROM ledger_meta").fetchall())
        self.year = int(meta["year"])
        self.pair_cap_reading = meta["pair_cap"]
        self._scenario = meta.get("scenario", "")
        self._distribution = {
            (o, t): n
            for o, t, n in con.execute(
                "SELECT observer, observed, flights FROM distribution"
            )
        }
        rows = con.execute(
            "SELECT state, party, passive_quota, in_force, left_on FROM parties"
        ).fetchall()
        self._membership = Membership((s, p, a, b) for s, p, _, a, b in rows)
        self._passive = {party: quota for _, party, quota, _, _ in rows}

    # ------------------------------------------------------------------ opening
    @classmethod
    def create(cls, path: str | os.PathLike[str], plan: AnnualPlan) -> Self:
        """Create a ledger file from an annual plan and open it.

        Parameters
        ----------
        path
            The GeoPackage to create (``.gpkg``); it must not exist.
        plan
            The plan: its distribution, calendar, routes and treaty view.

        Returns
        -------
        Ledger
            The new ledger, open.

        Raises
        ------
        OutputError
            If ``path`` exists (a ledger is never replaced).
        OptionsError
            If ``plan`` is not an AnnualPlan or ``path`` not a path.
        OSError
            If the directory cannot be written (nothing is left behind).
        """
        from openskies.plan import AnnualPlan

        if not isinstance(plan, AnnualPlan):
            raise OptionsError(
                "plan must be an AnnualPlan (from plan_year), got "
                f"{type(plan).__name__}"
            )
        routes = {
            r.mission_id: (r.status, None if r.route is None else r.route.line)
            for r in plan.routes
        }
        source = plan.scenario.source
        return cls.create_from(
            path,
            view=plan.view,
            year=plan.scenario.year,
            distribution=plan.distribution.flights,
            missions=plan.schedule.missions,
            routes=routes,
            pair_cap=plan.scenario.pair_cap,
            scenario="" if source is None else str(Path(source).resolve()),
        )

    @classmethod
    def create_from(
        cls,
        path: str | os.PathLike[str],
        *,
        view: TreatyView,
        year: int,
        distribution: Mapping[tuple[str, str], int],
        missions: Iterable[Mission],
        routes: Mapping[str, PlannedRoute] | None = None,
        pair_cap: str = "entitlement",
        scenario: str = "",
    ) -> Self:
        """Create a ledger from the parts of a plan (e.g. a plan directory).

        Parameters
        ----------
        path
            The GeoPackage to create; it must not exist.
        view
            The treaty on the plan's date (parties and passive quotas).
        year
            The quota year.
        distribution
            ``{(observer, observed): flights}`` with party codes.
        missions
            The calendar.
        routes
            ``{mission_id: (route status, line string or None)}``.
        pair_cap
            Reading of the per-pair cap (R4): ``entitlement`` or ``distributed``.
        scenario
            Path of the scenario file ('' for the bundled one), for re-planned
            routes.

        Raises
        ------
        OutputError
            If ``path`` exists.
        OptionsError
            If an argument is of the wrong kind.
        OSError
            If the directory cannot be written (nothing is left behind).
        """
        if not isinstance(path, str | os.PathLike) or "\0" in os.fspath(path):
            raise OptionsError(f"path must be a file path, got {path!r:.40}")
        if pair_cap not in ("entitlement", "distributed"):
            raise OptionsError(
                f"pair_cap must be 'entitlement' or 'distributed', got {pair_cap!r:.40}"
            )
        target = Path(path)
        statements = creation_statements(
            view, year, distribution, tuple(missions), routes or {}, pair_cap, scenario
        )
        store.create_file(target, statements)
        return cls.open(target)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Self:
        """Open an existing ledger.

        Raises
        ------
        DataError
            If the file is missing, damaged, not a ledger or of another schema
            version (the message says what to do).
        OptionsError
            If ``path`` is not a path.
        """
        if not isinstance(path, str | os.PathLike) or "\0" in os.fspath(path):
            raise OptionsError(f"path must be a file path, got {path!r:.40}")
        target = Path(path)
        return cls(target, store.connect(target))

    def close(self) -> None:
        """Close the file (further calls raise ``sqlite3.ProgrammingError``)."""
        self._con.close()

    def __enter__(self) -> Self:
        """Return the ledger."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Close the ledger."""
        self.close()

    def __repr__(self) -> str:
        """Summarise the ledger."""
        return f"Ledger({str(self.path)!r}, year={self.year})"

    # ------------------------------------------------------------------ reading
    def missions(self) -> tuple[Mission, ...]:
        """Return the current calendar (the plan's or the last re-plan's)."""
        return tuple(
            mission_from(row)
            for row in self._con.execute(
                f"SELECT {MISSION_COLUMNS} FROM missions WHERE calendar ="
                " (SELECT MAX(calendar) FROM missions) ORDER BY arrival, mission_id"
            )
        )

    def _event_rows(self) -> list[dict[str, Any]]:
        """Return every event as a mapping of the ``events`` columns."""
        cursor = self._con.execute(
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM events ORDER BY seq"
        )
        return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in cursor]

    def events(self) -> pd.DataFrame:
        """Return the journal, one row per event in sequence order.

        Columns: ``seq``, ``recorded_at`` (UTC timestamp), ``kind``
        (``outcome``, ``transfer``, ``imagery``, ``calendar``), ``date``,
        ``mission_id``, ``outcome``, ``cause``, ``counted``, ``observer``,
        ``observed``, ``receiver``, ``flights``, ``consent``, ``requester``,
        ``note``, ``payload`` (JSON of a calendar event).
        """
        import pandas as pd

        frame = pd.DataFrame(self._event_rows(), columns=list(EVENT_COLUMNS))
        frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], utc=True)
        frame["date"] = [dt.date.fromisoformat(d) for d in frame["date"]]
        for column in ("counted", "consent"):
            frame[column] = frame[column].astype("boolean")
        frame["flights"] = frame["flights"].astype("Int64")
        return frame

    def balance(self, as_of: object = None) -> pd.DataFrame:
        """Return the balance of active and passive quotas, computed from the events.

        Parameters
        ----------
        as_of
            Count only events dated on or before this day (date or ISO string);
            all events if None.

        Returns
        -------
        pandas.DataFrame
            One row per (observer, observed) with ``distributed``,
            ``transferred_in``, ``transferred_out``, ``flown`` (flights that count
            under R5/R21), ``remaining`` (distributed + in - out - flown), and the
            observed party's ``passive_quota``, ``passive_used`` and
            ``passive_left`` (the fields of OS Format 1).

        Raises
        ------
        OptionsError
            If ``as_of`` is not a date.

        References
        ----------
        Treaty on Open Skies, Art. III.I.4, III.I.8, III.I.9, VIII.
        """
        import pandas as pd

        day = None if as_of is None else _day(as_of, "as_of")
        rows = balance_rows(self._distribution, self._passive, self._event_rows(), day)
        return pd.DataFrame(rows, columns=list(BALANCE_COLUMNS))

    def imagery_recipients(self, mission_id: str, date: object) -> tuple[str, ...]:
        """Return the states that may receive copies of a mission's data on ``date``.

        Only states that are parties on the date of the request (Art. IX.IV;
        the condition Russia set in 2020): not the United States from
        2020-11-22, not Russia from 2021-12-18.

        Raises
        ------
        UnknownStateError
            If the mission is not in the ledger.
        OptionsError
            If ``date`` is not a date.
        """
        day = _day(date)
        self._any_mission(mission_id)
        return self._membership.states_on(day)

    # ------------------------------------------------------------------ events
    def record(
        self,
        mission_id: str,
        outcome: Outcome | str,
        *,
        date: object,
        cause: Cause | str | None = None,
        counted: bool | None = None,
        route: object = None,
        note: str = "",
    ) -> int:
        """Record what became of a mission of the current calendar.

        Parameters
        ----------
        mission_id
            The mission (Annex B flight id).
        outcome
            ``flown``, ``curtailed``, ``prohibited``, ``declined`` or ``cancelled``
            (:class:`~openskies.ledger.types.Outcome`).
        date
            The day of the outcome, in the quota year.
        cause
            Why a curtailed flight was cut short
            (:class:`~openskies.ledger.types.Cause`).
        counted
            After a curtailment caused on the observed party's side, the
            observer's choice whether it counts (VIII.II.5).
        route
            The flown track (Route, LineString or (lon, lat) points), stored in
            the ``tracks`` layer.
        note
            Free text.

        Returns
        -------
        int
            The event's sequence number.

        Raises
        ------
        UnknownStateError
            If the mission is not in the current calendar.
        LedgerRuleError
            If the mission already has an outcome, the date is outside the year
            or before the notice, or a counted flight exceeds the quota left
            (R5); nothing is stored.
        NotAPartyError
            If the observer or observed party is not a party on ``date``.
        OptionsError, GeometryError
            If an argument is malformed.

        References
        ----------
        Treaty on Open Skies, Art. III.I.8, VI.I.5, VIII.I.2-5, VIII.II.5.
        """
        kind = _choice(Outcome, outcome, "outcome")
        why = None if cause is None else _choice(Cause, cause, "cause")
        if counted is not None and not isinstance(counted, bool):
            raise OptionsError(
                f"counted must be True, False or None, got {counted!r:.40}"
            )
        day = self._in_year(date)
        text = self._note(note)
        line = _line(route)
        counted_now = counts(kind, why, counted)
        with store.transaction(self._con):
            mission = self._current_mission(mission_id)
            self._membership.party(mission.observer, day)
            self._membership.party(mission.observed, day)
            previous = self._con.execute(
                "SELECT seq, outcome FROM events WHERE kind = ? AND mission_id = ?",
                (EventKind.OUTCOME.value, mission.id),
            ).fetchone()
            if previous is not None:
                raise LedgerRuleError(
                    "Art. VIII",
                    f"mission {mission.id} already has the outcome "
                    f"{previous[1]!r} (event {previous[0]}); a mission has one "
                    "outcome: record a new mission after a re-plan instead",
                )
            if kind is not Outcome.CANCELLED and day < mission.notice.date():
                raise LedgerRuleError(
                    "Art. VI.I.5",
                    f"mission {mission.id} is notified on "
                    f"{mission.notice.date().isoformat()}; its outcome cannot be "
                    f"dated {day.isoformat()}, before the notice",
                )
            event = {
                "kind": EventKind.OUTCOME.value,
                "date": day.isoformat(),
                "mission_id": mission.id,
                "outcome": kind.value,
                "cause": None if why is None else why.value,
                "counted": int(counted_now),
                "observer": mission.observer,
                "observed": mission.observed,
                "note": text,
            }
            if counted_now:
                self._check_quota(event, mission)
            seq = self._append(event)
            if line is not None:
                self._con.execute(
                    "INSERT INTO tracks (geom, event_seq, mission_id) VALUES (?, ?, ?)",
                    (encode_geometry(line), seq, mission.id),
                )
        return seq

    def transfer(
        self,
        observer: str,
        observed: str,
        flights: int,
        *,
        to: str,
        date: object,
        consent: bool = False,
        note: str = "",
    ) -> int:
        """Transfer active quota of ``observer`` over ``observed`` to ``to`` (R6).

        Parameters
        ----------
        observer, observed
            The pair whose active quota is given (state or party codes).
        flights
            How many flights (>= 1), at most what ``observer`` has left.
        to
            The receiving party.
        date
            The day of the transfer, in the quota year.
        consent
            Whether ``observed`` consented (R6 requires it); False is refused.
        note
            Free text.

        Returns
        -------
        int
            The event's sequence number.

        Raises
        ------
        LedgerRuleError
            Without consent (R6), beyond what the giver has left (R6), beyond
            the receiver's per-pair cap (R4), or outside the year; nothing is
            stored.
        UnknownStateError, NotAPartyError
            If a code is unknown or not a party on ``date``.
        OptionsError
            If an argument is malformed.

        References
        ----------
        Treaty on Open Skies, Art. III.I.9, III.I.10.
        """
        if not isinstance(flights, int) or isinstance(flights, bool) or flights < 1:
            raise OptionsError(
                f"flights must be a whole number >= 1, got {flights!r:.40}"
            )
        if not isinstance(consent, bool):
            raise OptionsError(f"consent must be True or False, got {consent!r:.40}")
        day = self._in_year(date)
        text = self._note(note)
        giver = self._membership.party(observer, day)
        target = self._membership.party(observed, day)
        receiver = self._membership.party(to, day)
        if len({giver, target, receiver}) < 3:
            raise LedgerRuleError(
                "R6 (Art. III.I.9)",
                f"a transfer needs three different parties, got observer {giver}, "
                f"observed {target}, receiver {receiver}",
            )
        if not consent:
            raise LedgerRuleError(
                "R6 (Art. III.I.9)",
                f"a transfer of active quota over {target} needs {target}'s consent; "
                "pass consent=True once it has agreed",
            )
        with store.transaction(self._con):
            event = {
                "kind": EventKind.TRANSFER.value,
                "date": day.isoformat(),
                "observer": giver,
                "observed": target,
                "receiver": receiver,
                "flights": flights,
                "consent": 1,
                "note": text,
            }
            self._check_transfer(event)
            return self._append(event)

    def request_imagery(
        self, mission_id: str, *, requester: str, date: object, note: str = ""
    ) -> int:
        """Grant and record a request for copies of a flight's data (Art. IX.IV).

        Parameters
        ----------
        mission_id
            A mission recorded as flown or curtailed.
        requester
            The requesting state (ISO3).
        date
            The day of the request, on or after the flight's outcome.
        note
            Free text.

        Returns
        -------
        int
            The event's sequence number.

        Raises
        ------
        LedgerRuleError
            If the requester is not a state party on ``date`` (e.g. the United
            States after 2020-11-22, Russia after 2021-12-18), or the mission
            was not flown; nothing is stored.
        UnknownStateError
            If the mission or the state is unknown.
        OptionsError
            If an argument is malformed.

        References
        ----------
        Treaty on Open Skies, Art. IX.IV, XV.
        """
        day = _day(date)
        text = self._note(note)
        state = self._membership.require_state(requester, day, "Art. IX.IV")
        with store.transaction(self._con):
            mission = self._any_mission(mission_id)
            done = self._con.execute(
                "SELECT outcome, date FROM events WHERE kind = ? AND mission_id = ?",
                (EventKind.OUTCOME.value, mission.id),
            ).fetchone()
            if done is None or done[0] not in (Outcome.FLOWN, Outcome.CURTAILED):
                raise LedgerRuleError(
                    "Art. IX.IV",
                    f"mission {mission.id} has no data: it is not recorded as flown "
                    "or curtailed",
                )
            if day < dt.date.fromisoformat(done[1]):
                raise LedgerRuleError(
                    "Art. IX.IV",
                    f"mission {mission.id} was flown on {done[1]}; a request for "
                    f"its data cannot be dated {day.isoformat()}",
                )
            return self._append(
                {
                    "kind": EventKind.IMAGERY.value,
                    "date": day.isoformat(),
                    "mission_id": mission.id,
                    "observer": mission.observer,
                    "observed": mission.observed,
                    "requester": state,
                    "note": text,
                }
            )

    # ------------------------------------------------------------------ re-planning
    def replan(
        self, as_of: object, *, options: SolveOptions | None = None
    ) -> ScheduleResult:
        """Reschedule the flights that remain after ``as_of``.

        Missions flown or curtailed, and those notified before ``as_of`` (under
        way), stay as they are; the flights that remain (the balance, less
        those missions still without an outcome) are placed with notices from
        ``as_of`` on; the whole calendar is checked by
        :func:`~openskies.schedule_check.check_schedule`.  Nothing is stored:
        :meth:`commit` stores the result.  See :mod:`openskies.ledger.replan`.

        Parameters
        ----------
        as_of
            The day of the re-plan (date or ISO string), in the quota year.
        options
            Time limit, seed and workers of the scheduler; by default 10 s,
            seed 0, one worker.

        Returns
        -------
        ScheduleResult
            The whole new calendar (kept and new missions, new ones numbered
            after the highest flight id of the ledger); ``reasons`` holds the
            binding findings of ``check_schedule`` (empty when every rule holds)
            and ``left_out`` the flights that could not be placed.

        Raises
        ------
        LedgerRuleError
            If ``as_of`` is outside the quota year.
        OptionsError
            If ``as_of`` is not a date or ``options`` is not a SolveOptions.

        References
        ----------
        Treaty on Open Skies, Art. VI.I.3, VI.I.5, VI.I.9, XV; Annex H.
        """
        from openskies.ledger.replan import replan

        day = self._in_year(as_of, "as_of")
        return replan(self, day, options)

    def commit(self, result: ScheduleResult, *, routes: bool = True) -> int:
        """Store a re-planned calendar as the current one (a ``calendar`` event).

        Parameters
        ----------
        result
            From :meth:`replan`.
        routes
            Plan the routes of the new missions (the scenario's sites and
            solver settings); otherwise they are stored without a route.

        Returns
        -------
        int
            The event's sequence number.

        Raises
        ------
        LedgerRuleError
            If the calendar breaks a timeline rule (``result.reasons``), is of
            another year, or drops a mission that has an outcome.
        OptionsError
            If ``result`` is not a ScheduleResult.
        """
        from openskies.ledger.replan import commit

        return commit(self, result, routes=routes)

    # ------------------------------------------------------------------ internals
    def _in_year(self, value: object, name: str = "date") -> dt.date:
        """Return ``value`` as a day of the quota year, or raise."""
        day = _day(value, name)
        if day.year != self.year:
            raise LedgerRuleError(
                "R1 (Art. III.I.4)",
                f"{name} {day.isoformat()} is outside the quota year {self.year} of "
                f"this ledger; quotas are per calendar year: use a date in {self.year}",
            )
        return day

    @staticmethod
    def _note(note: object) -> str:
        """Return ``note`` if it is text."""
        if not isinstance(note, str) or "\0" in note:
            raise OptionsError(f"note must be text without NUL, got {note!r:.40}")
        return note

    def _current_mission(self, mission_id: object) -> Mission:
        """Return the mission of the current calendar, or raise UnknownStateError."""
        known = {m.id: m for m in self.missions()}
        key = str(mission_id).strip().upper() if isinstance(mission_id, str) else None
        if key not in known:
            raise UnknownStateError(mission_id, known, what="mission id")
        return known[key]

    def _any_mission(self, mission_id: object) -> Mission:
        """Return the mission of any calendar (the latest), or raise."""
        if not isinstance(mission_id, str):
            raise UnknownStateError(mission_id, (), what="mission id")
        row = self._con.execute(
            f"SELECT {MISSION_COLUMNS} FROM missions WHERE mission_id = ?"
            " ORDER BY calendar DESC LIMIT 1",
            (mission_id.strip().upper(),),
        ).fetchone()
        if row is None:
            known = [r[0] for r in self._con.execute("SELECT mission_id FROM missions")]
            raise UnknownStateError(mission_id, known, what="mission id")
        return mission_from(row)

    def _snapshots(
        self, event: Mapping[str, Any]
    ) -> Iterator[tuple[dt.date, dict[tuple[str, str], tuple[int, ...]]]]:
        """Yield the balance with ``event`` added on each event date from its own.

        An event changes the balance from its date on; the quotas must hold on
        every later day that has an event (where the balance changes), not only
        at the end of the year (a flight cannot use quota transferred later).
        """
        events = [*self._event_rows(), event]
        since = event["date"]
        for day in sorted({e["date"] for e in events if e["date"] >= since}):
            rows = balance_rows(
                self._distribution,
                self._passive,
                events,
                dt.date.fromisoformat(day),
            )
            yield dt.date.fromisoformat(day), {(r[0], r[1]): r[2:] for r in rows}

    def _check_quota(self, event: Mapping[str, Any], mission: Mission) -> None:
        """Refuse a counted flight beyond the active or passive quota left (R5)."""
        pair = (mission.observer, mission.observed)
        for day, balance in self._snapshots(event):
            remaining, quota, passive_left = (balance[pair][i] for i in (4, 5, 7))
            if remaining < 0:
                raise LedgerRuleError(
                    "R5 (Art. III.I.8)",
                    f"{mission.observer} has no active quota left over "
                    f"{mission.observed} for mission {mission.id} on "
                    f"{day.isoformat()}: the flight cannot count; record it as not "
                    "counted or transfer quota first",
                )
            if passive_left < 0:
                raise LedgerRuleError(
                    "R1 (Art. III.I.4)",
                    f"{mission.observed} has used its whole passive quota {quota} "
                    f"on {day.isoformat()}; it need not accept mission {mission.id}",
                )

    def _check_transfer(self, event: Mapping[str, Any]) -> None:
        """Refuse a transfer beyond what remains (R6) or the receiver's cap (R4)."""
        giver, target = event["observer"], event["observed"]
        receiver, flights = event["receiver"], event["flights"]
        for day, balance in self._snapshots(event):
            left = balance[(giver, target)][4]
            if left < 0:
                raise LedgerRuleError(
                    "R6 (Art. III.I.9)",
                    f"{giver} has {left + flights} flights over {target} left on "
                    f"{day.isoformat()}; it cannot transfer {flights}",
                )
            held = balance[(receiver, target)]
            holding = held[0] + held[1] - held[2]
            total = sum(
                v[0] + v[1] - v[2] for (o, _), v in balance.items() if o == receiver
            )
            cap = pair_cap(
                self.pair_cap_reading,
                self._passive.get(receiver, 0),
                total,
                self._passive.get(target, 0),
            )
            if holding > cap:
                raise LedgerRuleError(
                    "R4 (Art. III.I.10)",
                    f"{receiver} would hold {holding} flights over {target} on "
                    f"{day.isoformat()}; its per-pair cap is {cap} (reading "
                    f"{self.pair_cap_reading!r}); transfer at most "
                    f"{max(0, flights - (holding - cap))}",
                )

    def _append(self, event: Mapping[str, Any]) -> int:
        """Insert ``event`` (inside a transaction); rewrite the balance table.

        Only outcomes and transfers change the balance; imagery requests and
        calendars leave the table as it is.
        """
        fields = {"recorded_at": now(), **event}
        names = ", ".join(fields)
        cursor = self._con.execute(
            f"INSERT INTO events ({names}) VALUES ({', '.join('?' * len(fields))})",
            tuple(fields.values()),
        )
        seq = cursor.lastrowid
        assert seq is not None
        changed = ["events"]
        if event["kind"] in (EventKind.OUTCOME, EventKind.TRANSFER):
            changed.append("balance")
            self._con.execute("DELETE FROM balance")
            self._con.executemany(
                f"INSERT INTO balance VALUES ({', '.join('?' * len(BALANCE_COLUMNS))})",
                balance_rows(self._distribution, self._passive, self._event_rows()),
            )
        self._con.execute(
            "UPDATE gpkg_contents"
            " SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
            f" WHERE table_name IN ({', '.join('?' * len(changed))})",
            changed,
        )
        return seq

    def _treaty(self) -> Treaty:
        """Return the bundled treaty data."""
        from openskies.loading import load_treaty

        return load_treaty()
