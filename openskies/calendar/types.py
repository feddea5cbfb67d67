"""The mission calendar's value types: missions, results, blackouts, preferences.

They sit at the bottom of :mod:`openskies.calendar` so that the independent
validator (:func:`openskies.rules.schedule_check.check_schedule`) reads them
without importing the scheduler it checks.

References
----------
Treaty on Open Skies, Art. VI.I.1 (aircraft, taxi option), VI.I.9 (96 h mission),
Annex B App. 1 (flight identifiers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from openskies.arguments import FIRST_YEAR, LAST_YEAR
from openskies.errors import OptionsError
from openskies.files.tables import parse_date
from openskies.treaty.distribution import Distribution

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from openskies.options import SolveStatus
    from openskies.treaty.aircraft import Aircraft
    from openskies.violations import Violation

__all__ = [
    "FRAME_COLUMNS",
    "Blackout",
    "Mission",
    "MissionsLike",
    "Preference",
    "ScheduleResult",
    "utc_moment",
]

#: Columns of :meth:`ScheduleResult.to_frame`.
FRAME_COLUMNS = (
    "mission_id",
    "observer",
    "observed",
    "poe",
    "aircraft",
    "notice",
    "arrival",
    "end",
)


@dataclass(frozen=True, slots=True)
class Mission:
    """One observation flight on the calendar.

    Attributes
    ----------
    id
        Flight identifier per Annex B: ``"OS"``, the last digit of the quota
        year and a serial of at least 3 digits (more only beyond 999 missions).
    observer, observed
        Party codes.
    poe
        Id of the point of entry (an airfield of the observed party with role
        ``POE``).
    notice
        When the observer notifies the flight (UTC), >= 72 h before arrival.
    arrival
        Estimated time of arrival at the point of entry (UTC, whole hour).
    end
        End of the mission (UTC), <= 96 h after arrival.
    aircraft
        Id of the aircraft, or None if neither the observer nor the observed
        party has one in service (to be arranged with another party).
    taxi
        Whether the aircraft is the observed party's (taxi option).
    """

    id: str
    observer: str
    observed: str
    poe: str
    notice: dt.datetime
    arrival: dt.datetime
    end: dt.datetime
    aircraft: str | None
    taxi: bool = False


@dataclass(frozen=True)
class ScheduleResult:
    """The outcome of :func:`schedule`.

    Attributes
    ----------
    status
        OPTIMAL (every stage proven), FEASIBLE, INFEASIBLE or UNKNOWN.
    objective
        The spreading objective of ``missions``: the sum over observed parties of
        the most missions arriving in any 30-day window; None without a plan.
    bound
        A proven lower bound of that objective.
    runtime_s
        Wall-clock time of the whole call [s].
    missions
        The calendar, sorted by arrival.
    year
        The quota year.
    left_out
        ``(observer, observed)`` once per granted flight not placed (only with
        ``allow_partial=True``).
    reasons
        Why the flights cannot all be placed (with INFEASIBLE).
    busiest
        The busiest 30-day window of each observed party [missions].
    preferences_met
        Missions arriving in a month their observer prefers.
    first_solution_s
        Time until a complete calendar was known [s].
    granted
        The distribution that was scheduled, with party codes.
    fleet
        The aircraft considered.
    blackouts
        The blackouts applied, with party codes.
    """

    status: SolveStatus
    objective: float | None
    bound: float | None
    runtime_s: float
    missions: tuple[Mission, ...]
    year: int
    left_out: tuple[tuple[str, str], ...] = ()
    reasons: tuple[Violation, ...] = ()
    busiest: Mapping[str, int] = field(default_factory=dict)
    preferences_met: int = 0
    first_solution_s: float | None = None
    granted: Distribution = field(default_factory=lambda: Distribution({}))
    fleet: tuple[Aircraft, ...] = ()
    blackouts: tuple[Blackout, ...] = ()

    def __repr__(self) -> str:
        """Summarise the calendar in one line."""
        return (
            f"ScheduleResult({self.year} {self.status}: {len(self.missions)} "
            f"missions, {len(self.left_out)} left out)"
        )

    def _repr_html_(self) -> str:
        """Return a compact HTML summary for notebooks."""
        from openskies.files.display import html_summary

        return html_summary(
            repr(self),
            [
                ("status", str(self.status)),
                ("missions", len(self.missions)),
                ("left out", len(self.left_out)),
                ("busiest 30-day windows [missions]", self.objective),
                ("time [s]", self.runtime_s),
            ],
        )

    def plot_calendar(self, ax: Axes | None = None) -> Axes:
        """Draw the missions on matplotlib axes and return them.

        One row per observed party, a bar per mission (arrival to end) coloured
        by observer, the quarters of the quota year marked; see
        :func:`openskies.calendar.chart.plot_calendar`.
        """
        from openskies.calendar.chart import plot_calendar

        return plot_calendar(self.missions, self.year, ax)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per mission with :data:`FRAME_COLUMNS`.

        ``notice``, ``arrival`` and ``end`` are timezone-aware UTC datetimes;
        ``aircraft`` is missing where no aircraft is assigned.
        """
        import pandas as pd

        rows = [
            (
                m.id,
                m.observer,
                m.observed,
                m.poe,
                m.aircraft,
                m.notice,
                m.arrival,
                m.end,
            )
            for m in self.missions
        ]
        frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
        for column in FRAME_COLUMNS[:5]:
            frame[column] = frame[column].astype("string")
        for column in FRAME_COLUMNS[5:]:
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame


def utc_moment(value: dt.date | dt.datetime | str, *, end: bool) -> dt.datetime:
    """Return ``value`` as an aware UTC datetime.

    A date (or a date string) means the start of that day, or with ``end`` the
    end of it (so that an end date is inclusive); a naive datetime is UTC.

    Raises
    ------
    OptionsError
        If ``value`` is not a date, datetime or ISO 8601 string (a ``ValueError``),
        or its year is outside ``FIRST_YEAR..LAST_YEAR``.
    """
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise OptionsError(
                f"expected a date, datetime or ISO 8601 string, got {value!r:.60}"
            ) from None
    elif isinstance(value, str):
        value = parse_date(value)
    if isinstance(value, dt.date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise OptionsError(
            f"{value.isoformat()} is outside the years {FIRST_YEAR}..{LAST_YEAR} "
            "a calendar can cover"
        )
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
    if isinstance(value, dt.date):
        day = value + dt.timedelta(days=1) if end else value
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    raise OptionsError(
        f"expected a date, datetime or ISO 8601 string, got {value!r:.60}"
    )


@dataclass(frozen=True, slots=True)
class Blackout:
    """A period in which a party neither hosts nor flies observation missions.

    Attributes
    ----------
    party
        State or party code; a state's blackout applies to its party.
    start, end
        The half-open period ``[start, end)`` (aware UTC datetimes).  Build one
        from dates or strings with :meth:`between`.
    note
        Free text.

    Raises
    ------
    OptionsError
        If ``end`` is not after ``start``, they are not datetimes, or a date
        lies outside the years 1992..9998.
    """

    party: str
    start: dt.datetime
    end: dt.datetime
    note: str = ""

    def __post_init__(self) -> None:
        """Make naive datetimes UTC and check the party and the order."""
        if not isinstance(self.party, str):
            raise OptionsError(
                f"blackout party must be a state or party code, got {self.party!r}"
            )
        if not isinstance(self.start, dt.datetime) or not isinstance(
            self.end, dt.datetime
        ):
            raise OptionsError(
                "Blackout start and end must be datetimes; use Blackout.between() "
                "for dates or ISO strings"
            )
        try:
            object.__setattr__(self, "start", utc_moment(self.start, end=False))
            object.__setattr__(self, "end", utc_moment(self.end, end=True))
        except ValueError as err:
            raise OptionsError(f"blackout of {self.party}: {err}") from None
        if self.end <= self.start:
            raise OptionsError(
                f"blackout of {self.party} ends ({self.end:%Y-%m-%d %H:%M}) before it "
                f"starts ({self.start:%Y-%m-%d %H:%M}); swap start and end"
            )

    @classmethod
    def between(
        cls,
        party: str,
        start: dt.date | dt.datetime | str,
        end: dt.date | dt.datetime | str,
        note: str = "",
    ) -> Blackout:
        """Return the blackout of ``party`` from ``start`` to ``end``.

        Dates are whole days and ``end`` is inclusive: ``between("DEU",
        "2020-12-24", "2020-12-26")`` blocks the three days; datetimes are
        instants (naive means UTC) and ``end`` is exclusive.

        Raises
        ------
        OptionsError
            If a value is not a date or datetime, or ``end`` is before ``start``.
        """
        try:
            return cls(
                party, utc_moment(start, end=False), utc_moment(end, end=True), note
            )
        except ValueError as err:
            if isinstance(err, OptionsError):
                raise
            raise OptionsError(f"blackout of {party}: {err}") from None


@dataclass(frozen=True, slots=True)
class Preference:
    """Months in which ``observer`` prefers to fly (over ``observed``, or anywhere).

    A preference naming ``observed`` replaces the observer's general one for
    flights over that party.

    Raises
    ------
    OptionsError
        If ``months`` is empty or holds a value outside 1..12.
    """

    observer: str
    months: tuple[int, ...]
    observed: str | None = None

    def __post_init__(self) -> None:
        """Check the months."""
        months = tuple(self.months)
        if not months or any(
            not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12
            for m in months
        ):
            raise OptionsError(
                f"preferred months of {self.observer} must be whole numbers 1..12, "
                f"got {self.months!r}"
            )
        object.__setattr__(self, "months", months)


#: Missions as validators and writers take them: a schedule's result, or missions.
MissionsLike: TypeAlias = "ScheduleResult | Iterable[Mission]"
