"""Resolve state and party codes typed by a user: ISO3, ISO2 or names, any case."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openskies.treaty.records import State


def aliases(states: Mapping[str, State]) -> dict[str, str]:
    """Return upper-cased ISO2 codes and names mapped to their ISO3 code.

    Parameters
    ----------
    states
        The states by ISO3 code; each one's ``iso2`` (the ``iso2`` column of
        ``quotas/states.csv``) and English short ``name`` are aliases.
    """
    table = {s.iso2.upper(): iso3 for iso3, s in states.items() if s.iso2}
    table.update({s.name.strip().upper(): iso3 for iso3, s in states.items()})
    return table


def _score(text: str, code: str, name: str) -> float:
    """Return the similarity in [0, 1] of ``text`` to a code or its name."""
    name = name.upper()
    return max(
        difflib.SequenceMatcher(None, text, candidate).ratio()
        for candidate in (code, name, name[: len(text)])
    )


def suggest(
    text: str, codes: Iterable[str], names: Mapping[str, str], n: int = 3
) -> tuple[str, ...]:
    """Return up to ``n`` codes most similar to ``text``, best first.

    Similarity is the ``difflib`` ratio to the code, the name or the name's
    prefix of the same length; ties go to the alphabetically first code.
    """
    key = text.strip().upper()
    if not key:
        return ()
    scored = sorted(
        ((-_score(key, code, names.get(code, "")), code) for code in codes),
    )
    return tuple(code for score, code in scored[:n] if -score >= 0.3)


def resolve(text: str, states: Mapping[str, State]) -> str:
    """Return the ISO3 code that ``text`` names, else ``text`` upper-cased.

    ``text`` may be an ISO3 or ISO2 code, a name, or the start (at least four
    letters) of exactly one name (``"Russia"`` for the Russian Federation), in
    any case; ``states`` are the states by ISO3 code.
    """
    key = text.strip().upper()
    if key in states:
        return key
    found = aliases(states).get(key)
    if found is None and len(key) >= 4:
        starts = [c for c, s in states.items() if s.name.upper().startswith(key)]
        found = starts[0] if len(starts) == 1 else None
    return found or key
