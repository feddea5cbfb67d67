"""Re-planning the rest of the year: fixed missions, remaining flights, routes.

Method of :func:`replan`:

1. The current calendar's missions are split: **fixed** are those recorded as
   flown or curtailed and those without an outcome whose notice was given
   before ``as_of`` (under way, or flown but not yet recorded); the others
   (not yet notified, or prohibited, declined or cancelled) are dropped.
2. The flights to place per pair are the balance's ``remaining`` (all events)
   minus the fixed missions still without an outcome.
3. :func:`openskies.calendar.schedule.schedule` cannot take fixed missions, so they
   enter as :class:`~openskies.calendar.schedule.Blackout` periods (no change to the
   scheduler): every party of the flights to place is blacked out from
   1 January to ``as_of`` + 72 h (so every new notice is on or after
   ``as_of``, Art. VI.I.5), and each fixed mission blacks out its observer and
   observed party (whose aircraft it flies) for its 96 h plus :data:`MARGIN`
   (48 h) before and after, for the aircraft's positioning flights.  This is
   conservative: it also keeps the observer from hosting and the observed
   party from observing during that time.  Flights that cannot be placed
   (e.g. after a party's exit date) are ``left_out`` (``allow_partial``).
4. New missions take flight ids after the highest serial used in the ledger
   (Annex B App. 1), the calendar is the fixed plus the new missions, and
   :func:`openskies.rules.schedule_check.check_schedule` checks it whole; its
   binding findings are the result's ``reasons``.

:func:`commit` stores it as a ``calendar`` event dated the first new notice
(31 December without new missions); the new missions get routes
planned with the scenario's sites and solver settings (``plan_year``'s routes).

References
----------
Treaty on Open Skies, Art. VI.I.3, VI.I.5, VI.I.9, XV; Annex B App. 1; Annex H.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from typing import TYPE_CHECKING

from openskies.calendar.schedule import Blackout, Mission, ScheduleResult, schedule
from openskies.errors import OptionsError
from openskies.ledger import store
from openskies.ledger.rows import PlannedRoute, mission_row
from openskies.ledger.types import EventKind, LedgerRuleError, Outcome

if TYPE_CHECKING:
    from openskies.annual.scenario import Scenario
    from openskies.ledger.ledger import Ledger
    from openskies.options import SolveOptions

__all__ = ["commit", "replan"]

NOTICE = dt.timedelta(hours=72)
#: Time kept free around a fixed mission for its aircraft's positioning flights.
MARGIN = dt.timedelta(hours=48)
_SERIAL = re.compile(r"^OS\d(\d+)$")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _outcomes(ledger: Ledger) -> dict[str, str]:
    """Return ``{mission_id: outcome}`` of the recorded outcomes."""
    return dict(
        ledger._con.execute(
            "SELECT mission_id, outcome FROM events WHERE kind = ?",
            (EventKind.OUTCOME.value,),
        ).fetchall()
    )


def fixed_missions(ledger: Ledger, as_of: dt.date) -> tuple[Mission, ...]:
    """Return the current calendar's missions that a re-plan keeps (see step 1)."""
    outcomes = _outcomes(ledger)
    start = _midnight(as_of)
    return tuple(
        m
        for m in ledger.missions()
        if outcomes.get(m.id) in (Outcome.FLOWN, Outcome.CURTAILED)
        or (m.id not in outcomes and m.notice < start)
    )


def replan(
    ledger: Ledger, as_of: dt.date, options: SolveOptions | None = None
) -> ScheduleResult:
    """Reschedule the flights that remain after ``as_of`` (see the module docstring).

    Returns
    -------
    ScheduleResult
        The whole new calendar (fixed and new missions); ``reasons`` holds the
        binding findings of ``check_schedule`` (empty when every rule holds).
    """
    from openskies.options import SolveOptions
    from openskies.rules.schedule_check import check_schedule
    from openskies.treaty.distribution import Distribution

    if options is None:
        options = SolveOptions(time_limit_s=10, seed=0, workers=1)
    if not isinstance(options, SolveOptions):
        raise OptionsError(
            f"options must be a SolveOptions, got {type(options).__name__}"
        )
    outcomes = _outcomes(ledger)
    fixed = fixed_missions(ledger, as_of)
    pending = Counter((m.observer, m.observed) for m in fixed if m.id not in outcomes)
    balance = ledger.balance()
    todo = {
        (o, t): int(left) - pending[(o, t)]
        for o, t, left in zip(
            balance["observer"], balance["observed"], balance["remaining"], strict=True
        )
        if int(left) - pending[(o, t)] > 0
    }
    scenario = _scenario(ledger)
    view = ledger._treaty().as_of(dt.date(ledger.year, 1, 1))
    opening = _midnight(dt.date(ledger.year, 1, 1))
    parties = sorted({p for pair in todo for p in pair})
    blackouts = [
        Blackout(p, opening, _midnight(as_of) + NOTICE, "before the re-plan")
        for p in parties
    ]
    blackouts += [
        Blackout(p, m.arrival - MARGIN, m.end + MARGIN, f"fixed mission {m.id}")
        for m in fixed
        if m.end + MARGIN > _midnight(as_of) + NOTICE
        for p in (m.observer, m.observed)
        if p in parties
    ]
    result = schedule(
        view,
        Distribution(todo),
        ledger.year,
        aircraft=scenario.aircraft,
        blackouts=[*scenario.blackouts, *blackouts],
        allow_partial=True,
        options=options,
    )
    serial = max(
        (int(s.group(1)) for s in map(_SERIAL.match, _all_ids(ledger)) if s), default=0
    )
    new = [
        dataclasses.replace(m, id=f"OS{ledger.year % 10}{serial + k:03d}")
        for k, m in enumerate(result.missions, start=1)
    ]
    missions = tuple(sorted([*fixed, *new], key=lambda m: (m.arrival, m.id)))
    granted = Counter((m.observer, m.observed) for m in missions)
    granted.update(result.left_out)
    whole = dataclasses.replace(
        result,
        missions=missions,
        granted=Distribution(dict(granted)),
        blackouts=(),
    )
    found = check_schedule(view, whole)
    return dataclasses.replace(whole, reasons=tuple(v for v in found if v.binding))


def _all_ids(ledger: Ledger) -> list[str]:
    return [r[0] for r in ledger._con.execute("SELECT mission_id FROM missions")]


def commit(ledger: Ledger, result: ScheduleResult, *, routes: bool = True) -> int:
    """Store ``result`` as the current calendar (see :meth:`Ledger.commit`)."""
    if not isinstance(result, ScheduleResult):
        raise OptionsError(
            f"result must be a ScheduleResult from Ledger.replan, got "
            f"{type(result).__name__}"
        )
    if result.year != ledger.year:
        raise LedgerRuleError(
            "R1 (Art. III.I.4)",
            f"the calendar is of {result.year}; this ledger is of {ledger.year}",
        )
    if result.reasons:
        raise LedgerRuleError(
            str(result.reasons[0].rule),
            f"the calendar breaks {len(result.reasons)} rule(s), first: "
            f"{result.reasons[0]}; re-plan with another date or longer time limit",
        )
    old = {m.id for m in ledger.missions()}
    new = [m for m in result.missions if m.id not in old]
    planned = _routes(ledger, new) if routes else {}
    with store.transaction(ledger._con):
        ids = {m.id for m in result.missions}
        outcomes = _outcomes(ledger)
        done = sorted(
            mid
            for mid in old - ids
            if outcomes.get(mid) in (Outcome.FLOWN, Outcome.CURTAILED)
        )
        if done:
            raise LedgerRuleError(
                "Art. VIII",
                f"the calendar drops mission(s) {', '.join(done)} already flown; "
                "re-plan again from the ledger as it is now",
            )
        payload = json.dumps(
            {"missions": sorted(ids), "new": sorted(m.id for m in new)},
            separators=(",", ":"),
        )
        first = min((m.notice.date() for m in new), default=None)
        seq = ledger._append(
            {
                "kind": EventKind.CALENDAR.value,
                "date": (first or dt.date(ledger.year, 12, 31)).isoformat(),
                "note": f"{len(new)} new missions, {len(ids) - len(new)} kept",
                "payload": payload,
            }
        )
        kept = {
            row[0]: row[1:]
            for row in ledger._con.execute(
                "SELECT mission_id, route_status, geom FROM missions WHERE calendar ="
                " (SELECT MAX(calendar) FROM missions WHERE calendar < ?)",
                (seq,),
            )
        }
        for m in result.missions:
            sql, params = mission_row(seq, m, planned.get(m.id))
            if m.id in kept:  # keep the stored route blob as it is
                status, blob = kept[m.id]
                params = (blob, *params[1:-1], status)
            ledger._con.execute(sql, params)
    return seq


def _routes(ledger: Ledger, missions: list[Mission]) -> dict[str, PlannedRoute]:
    """Plan the routes of new missions with the ledger's scenario."""
    from openskies.annual.routes import plan_routes

    if not missions:
        return {}
    return {
        r.mission_id: (r.status, None if r.route is None else r.route.line)
        for r in plan_routes(ledger._treaty(), missions, _scenario(ledger))
    }


def _scenario(ledger: Ledger) -> Scenario:
    """Return the scenario the ledger's plan came from (the bundled one if none).

    Its fleet and blackouts hold for the re-plan, its route settings for the
    routes of new missions.
    """
    from openskies.annual.scenario_reader import load_scenario

    return load_scenario(ledger._scenario or None, treaty=ledger._treaty())
