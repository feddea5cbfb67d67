"""Value types of the ledger: outcomes, causes, event kinds and the rule error.

The outcomes are those of Article VIII as rules R5 and R21 count them (see
:func:`openskies.ledger.rules.counts`):

========== ===================================================== ===============
outcome    meaning                                               counts (R5/R21)
========== ===================================================== ===============
flown      the observation flight was conducted                  observer and
                                                                 observed
curtailed  cut short (VIII.II.5); the :class:`Cause` decides     both, or the
                                                                 observer's
                                                                 choice
prohibited prohibited by the observed party (VIII.I.2-3)         nobody
declined   declined by the observer after a failed 8 h           nobody
           negotiation of the mission plan (VIII.I.5)
cancelled  withdrawn before the mission (no Article VIII         nobody
           outcome; the flight stays available)
========== ===================================================== ===============

References
----------
Treaty on Open Skies, Art. III.I.8 (R5), III.I.9 (R6), VIII.I.2-5, VIII.II.5
(R21), IX.IV (copies of data).
"""

from __future__ import annotations

import enum

from openskies.errors import OpenSkiesError

__all__ = [
    "CHOSEN_CAUSES",
    "Cause",
    "EventKind",
    "LedgerRuleError",
    "Outcome",
]


class Outcome(enum.StrEnum):
    """What became of a mission (Art. VIII)."""

    FLOWN = "flown"
    CURTAILED = "curtailed"
    PROHIBITED = "prohibited"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Cause(enum.StrEnum):
    """Why a flight was curtailed (Art. VIII.II.5, rule R21).

    ``weather`` and ``observer`` (the observer's own aircraft, sensors or
    decision) leave the flight counted for both parties; the three causes on the
    observed party's side (:data:`CHOSEN_CAUSES`) let the observer choose.
    """

    WEATHER = "weather"
    OBSERVER = "observer"
    TARGET_AIRCRAFT = "target-aircraft"
    TARGET_MEDICAL = "target-medical"
    ATC_FORCE_MAJEURE = "atc-force-majeure"


#: Causes after which the observer chooses whether the flight counts (VIII.II.5).
CHOSEN_CAUSES = frozenset(
    {Cause.TARGET_AIRCRAFT, Cause.TARGET_MEDICAL, Cause.ATC_FORCE_MAJEURE}
)


class EventKind(enum.StrEnum):
    """Kinds of events in the ledger."""

    OUTCOME = "outcome"
    TRANSFER = "transfer"
    IMAGERY = "imagery"
    CALENDAR = "calendar"


class LedgerRuleError(OpenSkiesError, ValueError):
    """An event breaks a rule of the treaty and is refused (nothing is stored).

    Parameters
    ----------
    rule
        The rule and article, e.g. ``"R6 (Art. III.I.9)"``.
    message
        What is wrong, the value, and what would be allowed.
    """

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(f"{rule}: {message}")
