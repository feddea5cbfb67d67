"""The year as it happens: :class:`Ledger`, a mission ledger in a GeoPackage.

A ledger starts from an :class:`~openskies.annual.plan.AnnualPlan` and records, as an
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
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Self

from openskies.errors import OptionsError
from openskies.ledger import store
from openskies.ledger.balance import balance_rows
from openskies.ledger.events import LedgerEvents
from openskies.ledger.rows import PlannedRoute, as_day, creation_statements
from openskies.ledger.rules import Membership
from openskies.ledger.schema import (
    BALANCE_COLUMNS,
    EVENT_COLUMNS,
)

if TYPE_CHECKING:
    import pandas as pd

    from openskies.annual.plan import AnnualPlan
    from openskies.calendar.types import Mission, ScheduleResult
    from openskies.options import SolveOptions
    from openskies.treaty.model import TreatyView

__all__ = ["Ledger"]


class Ledger(LedgerEvents):
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
        from openskies.annual.plan import AnnualPlan

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

        day = None if as_of is None else as_day(as_of, "as_of")
        rows = balance_rows(self._distribution, self._passive, self._event_rows(), day)
        return pd.DataFrame(rows, columns=list(BALANCE_COLUMNS))

    def replan(
        self, as_of: object, *, options: SolveOptions | None = None
    ) -> ScheduleResult:
        """Reschedule the flights that remain after ``as_of``.

        Missions flown or curtailed, and those notified before ``as_of`` (under
        way), stay as they are; the flights that remain (the balance, less
        those missions still without an outcome) are placed with notices from
        ``as_of`` on; the whole calendar is checked by
        :func:`~openskies.rules.schedule_check.check_schedule`.  Nothing is stored:
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
