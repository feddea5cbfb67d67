"""The balance of active and passive quotas, computed from the events.

For each pair (observer, observed) of the distribution or of a transfer:
``remaining = distributed + transferred_in - transferred_out - flown``, where
``flown`` counts the flights that consume quota under R5 (Art. III.I.8): a flown
flight, a curtailed one unless the observer chose not to count it after a cause
on the observed party's side (R21, Art. VIII.II.5); prohibited, declined and
cancelled missions count for nobody (VIII.I.3, VIII.I.5).  Each observed party's
passive quota used is the sum of its pairs' ``flown``; ``passive_left`` is its
passive quota minus that (R1, R5).  These are the fields of the OSCC's OS Format
1 per observed party.

References
----------
Treaty on Open Skies, Art. III.I.4, III.I.8, III.I.9, VIII.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from openskies.ledger.types import EventKind

__all__ = ["BalanceRow", "balance_rows"]

BalanceRow = tuple[str, str, int, int, int, int, int, int, int, int]


def balance_rows(
    distribution: Mapping[tuple[str, str], int],
    passive: Mapping[str, int],
    events: Iterable[Mapping[str, Any]],
    as_of: dt.date | None = None,
) -> list[BalanceRow]:
    """Return the balance rows (``BALANCE_COLUMNS`` of the schema) sorted by pair.

    Parameters
    ----------
    distribution
        ``{(observer, observed): flights}`` distributed for the year.
    passive
        Passive quota of each party [flights/year].
    events
        Event rows (mappings with the ``events`` table's columns).
    as_of
        Only events dated on or before this day; all events if None.
    """
    incoming: Counter[tuple[str, str]] = Counter()
    outgoing: Counter[tuple[str, str]] = Counter()
    flown: Counter[tuple[str, str]] = Counter()
    for event in events:
        if as_of is not None and dt.date.fromisoformat(event["date"]) > as_of:
            continue
        pair = (event["observer"], event["observed"])
        if event["kind"] == EventKind.TRANSFER:
            outgoing[pair] += event["flights"]
            incoming[(event["receiver"], event["observed"])] += event["flights"]
        elif event["kind"] == EventKind.OUTCOME and event["counted"]:
            flown[pair] += 1
    pairs = sorted({*distribution, *incoming, *outgoing, *flown})
    used: Counter[str] = Counter()
    for (_, observed), n in flown.items():
        used[observed] += n
    rows: list[BalanceRow] = []
    for observer, observed in pairs:
        pair = (observer, observed)
        given = distribution.get(pair, 0)
        quota = passive.get(observed, 0)
        rows.append(
            (
                observer,
                observed,
                given,
                incoming[pair],
                outgoing[pair],
                flown[pair],
                given + incoming[pair] - outgoing[pair] - flown[pair],
                quota,
                used[observed],
                quota - used[observed],
            )
        )
    return rows
