"""The year as it happens: a mission ledger in a GeoPackage.

:class:`Ledger` records outcomes, transfers, imagery requests and re-planned
calendars of a quota year, validated against the treaty, in one GeoPackage file.
"""

from __future__ import annotations

from openskies.ledger.ledger import Ledger
from openskies.ledger.types import Cause, EventKind, LedgerRuleError, Outcome

__all__ = ["Cause", "EventKind", "Ledger", "LedgerRuleError", "Outcome"]
