"""Checks of plain arguments shared by the entry points: years and collections.

Every check raises :class:`~openskies.errors.OptionsError` naming the argument
and the accepted values.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

from openskies.errors import OptionsError

__all__ = ["FIRST_YEAR", "LAST_YEAR", "check_year", "iterable_of"]

#: Years a calendar can hold: from the signature (1992) to the last whole year
#: that ``datetime`` can hold with a 72 h notice before it.
FIRST_YEAR, LAST_YEAR = 1992, 9998


def check_year(year: Any) -> int:
    """Return ``year`` as an int in ``FIRST_YEAR..LAST_YEAR`` or raise OptionsError."""
    if not isinstance(year, numbers.Integral) or isinstance(year, bool):
        raise OptionsError(
            f"year must be a whole number such as 2019, got {str(year)[:40]!r}"
        )
    if not FIRST_YEAR <= int(year) <= LAST_YEAR:
        raise OptionsError(
            f"year {str(year)[:40]} is outside {FIRST_YEAR}..{LAST_YEAR}; "
            "give a quota year such as 2019"
        )
    return int(year)


def iterable_of(name: str, value: Any) -> Iterable[Any]:
    """Return ``value`` if it is a list-like collection, else raise OptionsError."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise OptionsError(
            f"{name} must be a list of objects (or a CSV file), "
            f"got {type(value).__name__}"
        )
    return value
