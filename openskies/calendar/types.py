"""The mission calendar's value types: :class:`Mission` and :class:`ScheduleResult`.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openskies.treaty.distribution import Distribution

if TYPE_CHECKING:
    import pandas as pd

    from openskies.calendar.inputs import Blackout
    from openskies.options import SolveStatus
    from openskies.treaty.aircraft import Aircraft
    from openskies.violations import Violation

__all__ = ["FRAME_COLUMNS", "Mission", "ScheduleResult"]

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
