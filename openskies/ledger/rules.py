"""Treaty rules that an event must satisfy before the ledger stores it.

- R5 / R21 (Art. III.I.8, VIII): which outcomes count (:func:`counts`); a
  counted flight needs an active quota left for its pair and a passive quota
  left for the observed party.
- R6 (Art. III.I.9): a transfer of active quota needs the overflown party's
  consent and may not exceed what the giver has left.
- R4 (Art. III.I.10): the receiver's flights over the observed party stay within
  the per-pair cap (:func:`pair_cap`), under the plan's reading.
- Art. IX.IV and XV: copies of a flight's data go only to states that are
  parties on the date of the request (:class:`Membership`).

References
----------
Treaty on Open Skies, Art. III.I.4, III.I.8-10, VIII.I.2-5, VIII.II.5, IX.IV, XV.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from openskies.errors import NotAPartyError, OptionsError, UnknownStateError
from openskies.ledger.types import CHOSEN_CAUSES, Cause, LedgerRuleError, Outcome

__all__ = ["Membership", "counts", "pair_cap"]


def counts(outcome: Outcome, cause: Cause | None, counted: bool | None) -> bool:
    """Return whether a mission's outcome consumes quota (R5, R21).

    Parameters
    ----------
    outcome
        The outcome.
    cause
        Why a ``curtailed`` flight was cut short; required for it and only for it.
    counted
        The observer's choice after a curtailment on the observed party's side
        (:data:`~openskies.ledger.types.CHOSEN_CAUSES`); required then, refused
        otherwise.

    Raises
    ------
    OptionsError
        If ``cause`` or ``counted`` is missing where needed or given where the
        treaty leaves no choice.

    References
    ----------
    Treaty on Open Skies, Art. III.I.8, VIII.I.3, VIII.I.5, VIII.II.5.
    """
    if outcome is not Outcome.CURTAILED:
        if cause is not None or counted is not None:
            raise OptionsError(
                f"cause and counted apply only to a curtailed flight, not to "
                f"{outcome.value!r}; leave them out"
            )
        return outcome is Outcome.FLOWN
    if cause is None:
        raise OptionsError(
            "a curtailed flight needs its cause (R21, Art. VIII.II.5): one of "
            + ", ".join(c.value for c in Cause)
        )
    if cause in CHOSEN_CAUSES:
        if counted is None:
            raise OptionsError(
                f"after a curtailment caused by {cause.value!r} the observer "
                "chooses whether the flight counts (R21, Art. VIII.II.5): pass "
                "counted=True or counted=False"
            )
        return counted
    if counted is not None:
        raise OptionsError(
            f"a flight curtailed for {cause.value!r} counts for both parties "
            "(R21, Art. VIII.II.5); the observer has no choice: leave counted out"
        )
    return True


def pair_cap(
    reading: str,
    passive_observer: int,
    distributed_observer: int,
    passive_observed: int,
) -> int:
    """Return the per-pair cap of Art. III.I.10 (R4) [flights].

    ``min(ceil(A/2), ceil(P(t)/2))`` where ``A`` is the observer's entitlement
    (its passive quota, reading ``entitlement``, the default) or its distributed
    total (reading ``distributed``).
    """
    base = passive_observer if reading == "entitlement" else distributed_observer
    return min(math.ceil(base / 2), math.ceil(passive_observed / 2))


@dataclass(frozen=True, slots=True)
class _Member:
    state: str
    party: str
    in_force: dt.date | None
    left: dt.date | None

    def on(self, day: dt.date) -> bool:
        return (
            self.in_force is not None
            and self.in_force <= day
            and (self.left is None or day < self.left)
        )


class Membership:
    """States, their quota-holding parties and membership dates, as stored."""

    def __init__(self, rows: Iterable[tuple[str, str, str | None, str | None]]) -> None:
        self._states = {
            state: _Member(
                state,
                party,
                None if start is None else dt.date.fromisoformat(start),
                None if end is None else dt.date.fromisoformat(end),
            )
            for state, party, start, end in rows
        }
        self._parties: dict[str, list[_Member]] = {}
        for member in self._states.values():
            self._parties.setdefault(member.party, []).append(member)

    def party(self, code: object, day: dt.date) -> str:
        """Return the party code of state or party ``code`` on ``day``.

        Raises
        ------
        UnknownStateError
            If the code is not in the ledger.
        NotAPartyError
            If it is not a party on ``day`` (e.g. after its withdrawal, Art. XV).
        """
        key = str(code).strip().upper()
        if key in self._parties:
            members = self._parties[key]
        elif key in self._states:
            members = [self._states[key]]
        else:
            raise UnknownStateError(code, [*self._states, *self._parties])
        if not any(m.on(day) for m in members):
            first = members[0]
            raise NotAPartyError(key, day, first.in_force, first.left)
        return members[0].party

    def states_on(self, day: dt.date) -> tuple[str, ...]:
        """Return the states that are parties on ``day``, sorted (Art. IX.IV)."""
        return tuple(sorted(s for s, m in self._states.items() if m.on(day)))

    def require_state(self, code: object, day: dt.date, rule: str) -> str:
        """Return state ``code`` if it is a party on ``day``, else raise.

        Raises
        ------
        UnknownStateError
            If the code is not a state of the ledger.
        LedgerRuleError
            If it is not a party on ``day``; the message names ``rule``.
        """
        key = str(code).strip().upper()
        member = self._states.get(key)
        if member is None:
            raise UnknownStateError(code, self._states)
        if not member.on(day):
            span = (
                "it has never been a party"
                if member.in_force is None
                else f"it is a party from {member.in_force}"
                if member.left is None or day < member.in_force
                else f"its withdrawal took effect on {member.left}"
            )
            raise LedgerRuleError(
                rule,
                f"{key} is not a state party on {day.isoformat()} ({span}); copies "
                "of a flight's data go only to states parties on the date of the "
                f"request; those are: {', '.join(self.states_on(day))}",
            )
        return key
