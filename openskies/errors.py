"""Exceptions and warnings raised by openskies.

Every error the library raises on bad input is an :class:`OpenSkiesError`; each
subclass also inherits the matching builtin so that callers can catch either.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

__all__ = [
    "DataError",
    "GeometryError",
    "NotAPartyError",
    "OpenSkiesError",
    "OpenSkiesWarning",
    "OptionsError",
    "OutputError",
    "SolverError",
    "UnknownStateError",
]


class OpenSkiesError(Exception):
    """Root of every error raised by openskies."""


class DataError(OpenSkiesError, ValueError):
    """A data file or table is malformed.

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    file
        The file (or table) concerned, if any.
    row
        The 1-based data row, if any; 0 is the header, which the message
        calls "the header".
    field
        The column or key concerned, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        file: object = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.row = row
        self.field = field
        where = [
            part
            for part in (
                self.file,
                None if row is None else f"row {row}" if row else "the header",
                None if field is None else f"field {field!r}",
            )
            if part is not None
        ]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class UnknownStateError(OpenSkiesError, KeyError):
    """A state or party code is not known to the treaty data.

    Parameters
    ----------
    code
        The code that was asked for.
    known
        All codes that would have been accepted; the closest are suggested.
    what
        What the code names, for the message (e.g. ``"airfield"``).
    suggestions
        Codes to suggest, best first; computed from ``known`` when omitted.
    """

    def __init__(
        self,
        code: object,
        known: Iterable[str],
        what: str = "state or party code",
        suggestions: tuple[str, ...] | None = None,
    ) -> None:
        import difflib

        self.code = code
        self.suggestions = (
            suggestions
            if suggestions is not None
            else tuple(
                difflib.get_close_matches(code.upper(), sorted(known), n=3, cutoff=0.3)
            )
            if isinstance(code, str) and code.strip()
            else ()
        )
        hint = (
            f"; did you mean {', '.join(self.suggestions)}?"
            if self.suggestions
            else "; use ISO 3166 alpha-3 codes (e.g. DEU) or BENELUX, RUS_BLR"
            if what == "state or party code"
            else ""
        )
        super().__init__(f"unknown {what} {code!r}{hint}")

    def __str__(self) -> str:
        """Return the message without the quotes that ``KeyError`` adds."""
        return str(self.args[0])


class NotAPartyError(OpenSkiesError, ValueError):
    """A state or party is not in force on the date asked about.

    Parameters
    ----------
    code
        The state or party code.
    on
        The date asked about.
    in_force
        Date from which it was a party, if ever.
    left
        Date from which it was no longer a party, if it left.
    """

    def __init__(
        self,
        code: str,
        on: dt.date,
        in_force: dt.date | None = None,
        left: dt.date | None = None,
    ) -> None:
        self.code = code
        self.on = on
        self.in_force = in_force
        self.left = left
        if in_force is None:
            span = "it has never been a party to the Treaty on Open Skies"
        elif left is None:
            span = f"it is a party from {in_force.isoformat()}"
            if on < in_force:
                span += f"; ask about a later date, e.g. --as-of {in_force.isoformat()}"
        else:
            last = (left - dt.timedelta(days=1)).isoformat()
            span = (
                f"it was a party from {in_force.isoformat()} until its withdrawal "
                f"took effect on {left.isoformat()}; ask about an earlier date, "
                f"e.g. --as-of {last}"
            )
        super().__init__(f"{code} is not a party on {on.isoformat()}: {span}")


class GeometryError(OpenSkiesError, ValueError):
    """A geometry or coordinate is invalid, empty or out of range."""


class OptionsError(OpenSkiesError, ValueError):
    """A solver option or function argument is out of its allowed range."""


class OutputError(OpenSkiesError, FileExistsError):
    """An output path exists and may not be replaced (e.g. not a previous plan)."""


class SolverError(OpenSkiesError, RuntimeError):
    """A solver broke an invariant it guarantees (a bug: please report it)."""


class OpenSkiesWarning(UserWarning):
    """Warnings issued by openskies (e.g. use of an unconfirmed value)."""
