"""The year's mission calendar: CP-SAT scheduling of a distribution's flights.

:func:`schedule` turns a distribution of active quotas into dated
:class:`Mission` objects: point of entry, notice, arrival, end and aircraft, such
that every observed party hosts one mission at a time (R15), at most 16 per
quarter (R14), every aircraft flies one mission at a time with time to position
between points of entry, blackouts and exit dates are respected, and the
busiest 30-day window of each observed party is as light as possible.

Times are whole hours in UTC.  A mission holds the observed party for the 96 h
from its arrival (``end = arrival + 96 h``); its notice is 72 h before arrival
and may fall in the previous year (only arrival and end must lie in the year).

References
----------
Treaty on Open Skies, Art. VI.I.1 (aircraft, taxi option), VI.I.3 (one flight at
a time within 96 h), VI.I.5 (72 h notice), VI.I.9 (96 h mission), Annex B App. 1
(flight identifiers), Annex H (quarterly plans, at most 16 per quarter), Art. XV
(withdrawal).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from openskies.calendar.inputs import (
    Blackout,
    Preference,
    read_blackouts,
    resolve_inputs,
)
from openskies.calendar.types import FRAME_COLUMNS, Mission, ScheduleResult
from openskies.errors import OptionsError
from openskies.options import Deadline, SolveOptions, SolveStatus

if TYPE_CHECKING:
    from openskies.calendar.inputs import DistributionLike
    from openskies.treaty.aircraft import Aircraft
    from openskies.treaty.model import TreatyView

__all__ = [
    "FRAME_COLUMNS",
    "Blackout",
    "Mission",
    "Preference",
    "ScheduleResult",
    "read_blackouts",
    "schedule",
]


def schedule(
    view: TreatyView,
    distribution: DistributionLike,
    year: int,
    *,
    aircraft: Iterable[Aircraft] | str | Path | None = None,
    blackouts: Iterable[Blackout] | str | Path = (),
    preferences: Iterable[Preference] = (),
    allow_partial: bool = False,
    options: SolveOptions = SolveOptions(),  # noqa: B008 - frozen, immutable
) -> ScheduleResult:
    """Place every granted flight of ``year`` on a calendar of missions.

    Parameters
    ----------
    view
        The treaty; its data are used as of 1 January of ``year`` (parties,
        points of entry, aircraft owners), and a party's exit date during the
        year bounds its missions.
    distribution
        An ``AllocationResult`` (anything with a ``distribution`` attribute), a
        :class:`~openskies.treaty.distribution.Distribution`, or a DataFrame with
        columns ``observer, observed, flights``.  State codes are resolved to
        their parties; shared flights are scheduled once per sharer.
    year
        The quota year.
    aircraft
        The fleet: None for the bundled one
        (:func:`openskies.treaty.aircraft.load_fleet`),
        :class:`~openskies.treaty.aircraft.Aircraft` objects, or a CSV file.
    blackouts
        :class:`Blackout` periods, or a CSV file (:func:`read_blackouts`); a
        party's blackout applies to missions over it and by it.
    preferences
        :class:`Preference` months, honoured as a third objective.
    allow_partial
        Place the largest feasible subset instead of answering INFEASIBLE; the
        flights left out are listed in ``left_out``.  The spreading stage then
        keeps the subset chosen first.
    options
        Time limit (shared by the stages), seed and workers.

    Returns
    -------
    ScheduleResult
        Objectives in order: every flight placed (or as many as possible), then
        the sum over observed parties of the busiest 30-day window (by arrival
        day) as small as possible, then as many missions as possible in
        preferred months.

    Raises
    ------
    OptionsError
        If ``year``, ``distribution``, ``options`` or another argument is of the
        wrong kind, ``year`` is outside 1992..9998, a pair observes itself, a
        pair asks for more than 64 flights (Annex H) or a blackout date lies
        outside 1992..9998.
    UnknownStateError, NotAPartyError
        If a code is unknown or not a party on 1 January of ``year``.
    DataError
        If an aircraft or blackout file is malformed (names file, row, field).
    OpenSkiesError
        If an observed party has neither a point of entry nor an Open Skies
        airfield in the airfield data.

    Notes
    -----
    Each party's term of the spreading objective has a proven lower bound (an
    earliest-first placement that is optimal for the party's own rules; see
    :mod:`openskies.calendar.greedy`).  A greedy calendar spread to those
    bounds, improved party by party with CP-SAT (everything else fixed), is
    the hint of the CP-SAT interval model; when it meets the bounds CP-SAT only
    checks it, otherwise CP-SAT searches from it until the time limit.  Calendars
    whose spreading model would need more than 40,000 literals (about the sum
    over observed parties of their flights squared; about 1,100 flights over 30
    parties) keep the improved greedy spreading, FEASIBLE with the proven bound,
    and skip preferences.

    Modelling choices: every mission holds its observed party and its aircraft
    for the full 96 h; an aircraft enters at the observed party's point of entry
    nearest its home base (a party without one in the data enters at its Open
    Skies airfields); positioning flights are rounded up to whole hours; the
    24 h overlap allowed for demonstration flights (VI.I.3) is not used.  The
    result is deterministic for a given seed unless a time limit cuts a search.

    References
    ----------
    Treaty on Open Skies, Art. VI.I.1, VI.I.3, VI.I.5, VI.I.9, XV; Annex B
    App. 1; Annex H.

    Examples
    --------
    >>> from openskies import load_treaty
    >>> from openskies.treaty.distribution import Distribution
    >>> view = load_treaty().as_of("2019-01-01")
    >>> result = schedule(view, Distribution({("SWE", "POL"): 2}), 2019)
    >>> result.status.value, [m.id for m in result.missions]
    ('optimal', ['OS9001', 'OS9002'])
    """
    from openskies.calendar.greedy import diagnose
    from openskies.calendar.problem import build_problem
    from openskies.calendar.stages import failed, solve_stages

    if not isinstance(options, SolveOptions):
        raise OptionsError(
            f"options must be a SolveOptions, got {type(options).__name__}"
        )
    deadline = Deadline.of(options)
    if not isinstance(allow_partial, bool):
        raise OptionsError(
            f"allow_partial must be True or False, got {allow_partial!r}"
        )
    inputs = resolve_inputs(view, distribution, year, aircraft, blackouts, preferences)
    problem = build_problem(
        inputs.view,
        inputs.pairs,
        year,
        inputs.fleet,
        inputs.blackouts,
        inputs.preferences,
    )
    if not allow_partial:
        reasons = diagnose(problem)
        if reasons:
            return failed(SolveStatus.INFEASIBLE, reasons, deadline, inputs, year)
    return solve_stages(problem, inputs, allow_partial, options, deadline)
