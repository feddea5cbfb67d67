"""The facts a year's distribution depends on, and the states' requests.

:class:`QuotaProblem` holds the parties in force in a year, their passive quotas
and any quota freeze; :func:`quota_problem` builds it from a treaty view, and it
can be built directly for synthetic treaties.  :class:`Request` and
:func:`requested_flights` read the states' requests for the year, resolving state
codes to their party and naming the row of any bad value.  Both the validator
(:mod:`openskies.rules.distribution_check`) and the allocator
(:mod:`openskies.allocation.allocate`) start
from these; neither shares rule arithmetic with the other.

References
----------
Treaty on Open Skies, Art. III Section I paras 4-6; Art. XIV (Benelux);
Annex A Sections I and II; Annex L Section II (requests).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from openskies.errors import DataError, NotAPartyError, OptionsError, UnknownStateError
from openskies.files.user_files import input_file, shown
from openskies.options import PairCap
from openskies.treaty.distribution import Distribution
from openskies.treaty.model import ENTRY_INTO_FORCE

if TYPE_CHECKING:
    import pandas as pd

    from openskies.treaty.model import Treaty, TreatyView

    #: Requests as public functions take them (see :func:`requested_flights`).
    Requests: TypeAlias = "pd.DataFrame | Iterable[Request]"

__all__ = [
    "PAIR_CAP_READINGS",
    "PairCap",
    "QuotaFreeze",
    "QuotaProblem",
    "Request",
    "RequestList",
    "as_problem",
    "check_year",
    "first_distribution",
    "quota_problem",
    "read_requests",
    "requested_flights",
]

#: Readings of the per-pair cap of Art. III.I.10 (see :func:`check_distribution`).
PAIR_CAP_READINGS = tuple(PairCap)
#: Last year in which a party accepts at most 75 % of its passive quota (R9).
LAST_REDUCED_YEAR = 2005


@dataclass(frozen=True, slots=True)
class Request:
    """A request by ``observer`` for ``flights`` flights over ``observed`` in a year.

    Attributes
    ----------
    observer, observed
        State or party codes; a state stands for the party that holds its quota
        (``BEL`` for ``BENELUX``).
    flights
        Flights asked for [flights], a whole number >= 0.
    priority
        Weight of each flight in the ``"weighted"`` and ``"fair"`` objectives, a
        whole number >= 1.

    References
    ----------
    Treaty on Open Skies, Annex L Section II (requests for the next year).
    """

    observer: str
    observed: str
    flights: int
    priority: int = 1


@dataclass(frozen=True, slots=True)
class QuotaFreeze:
    """A ``quota_freeze`` restriction resolved to the parties it covers.

    Attributes
    ----------
    id
        The restriction's id (e.g. ``Y2018-NONE``).
    observers, targets
        Party codes it covers; None means every party.
    limit
        Flights allowed per covered pair while it is in force.
    disputed
        Whether its legality is contested.
    legal_status
        The restriction's legal status.
    """

    id: str
    observers: frozenset[str] | None
    targets: frozenset[str] | None
    limit: int
    disputed: bool
    legal_status: str

    def covers(self, observer: str, observed: str) -> bool:
        """Whether flights of ``observer`` over ``observed`` are frozen."""
        return (self.observers is None or observer in self.observers) and (
            self.targets is None or observed in self.targets
        )


@dataclass(frozen=True)
class QuotaProblem:
    """The facts a year's distribution depends on, independent of any solver.

    Build it from a treaty view with :func:`quota_problem`, or directly for
    synthetic treaties (benchmarks, what-if studies).

    Parameters
    ----------
    year
        The calendar year distributed, >= 2002.
    passive
        Passive quota per party code [flights per year].
    aliases
        State code -> party code (``BEL`` -> ``BENELUX``); every party code
        answers for itself without being listed.
    freezes
        Quota freezes in force during the year.
    view
        The treaty view it was built from, if any (used to tell unknown codes
        from codes that are not parties in that year).

    Raises
    ------
    OptionsError
        If the year is before 2002 or a quota is not a whole number >= 0.
    """

    year: int
    passive: Mapping[str, int]
    aliases: Mapping[str, str] = field(default_factory=dict)
    freezes: tuple[QuotaFreeze, ...] = ()
    view: TreatyView | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Validate the year and the quotas."""
        check_year(self.year)
        for code, quota in self.passive.items():
            if not isinstance(quota, int) or isinstance(quota, bool) or quota < 0:
                raise OptionsError(
                    f"passive quota of {code} must be a whole number >= 0, "
                    f"got {quota!r}"
                )
        object.__setattr__(self, "passive", dict(sorted(self.passive.items())))
        aliases = {code: code for code in self.passive}
        aliases.update(self.aliases)
        object.__setattr__(self, "aliases", aliases)

    @property
    def parties(self) -> tuple[str, ...]:
        """Party codes, sorted."""
        return tuple(self.passive)

    def resolve(self, code: object) -> str:
        """Return the party code for a state or party code.

        Raises
        ------
        UnknownStateError
            If the code is unknown.
        NotAPartyError
            If it is known to the treaty but not a party in this year.
        """
        key = code.strip().upper() if isinstance(code, str) else code
        if isinstance(key, str) and key in self.aliases:
            return self.aliases[key]
        if self.view is not None:
            self.view.party_of(str(code))  # raises the precise error
        raise UnknownStateError(code, self.aliases)


def check_year(year: object) -> int:
    """Return ``year`` if it is a whole year the treaty was in force.

    Raises
    ------
    OptionsError
        If ``year`` is not an integer >= 2002.
    """
    if not isinstance(year, int) or isinstance(year, bool):
        raise OptionsError(f"year must be a whole number such as 2020, got {year!r}")
    if year < ENTRY_INTO_FORCE.year:
        raise OptionsError(
            f"year {year} is before the treaty entered into force on "
            f"{ENTRY_INTO_FORCE.isoformat()}; quotas are distributed from 2002 on"
        )
    return year


def quota_problem(view: TreatyView, year: int) -> QuotaProblem:
    """Return the quota facts of ``year`` as seen by ``view``.

    Parameters
    ----------
    view
        The treaty on a date of ``year``, normally ``treaty.as_of(f"{year}-01-01")``
        (a year's distribution concerns the parties in force on 1 January).
    year
        The year distributed.

    Returns
    -------
    QuotaProblem
        Parties and passive quotas of the view, and every ``quota_freeze``
        restriction in force at any time during the year.

    Raises
    ------
    OptionsError
        If ``year`` is before 2002 or the view is dated in another year.

    References
    ----------
    Treaty on Open Skies, Art. III Section I para 4; Annex A Section I.
    """
    check_year(year)
    if view.date.year != year:
        raise OptionsError(
            f"the treaty view is dated {view.date.isoformat()} but year is {year}; "
            f"use treaty.as_of('{year}-01-01')"
        )
    aliases = {state: p.code for p in view.parties for state in p.states}
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    freezes = tuple(
        QuotaFreeze(
            id=r.id,
            observers=_parties_of(view, r.applies_to),
            targets=None if r.observed == "all" else _parties_of(view, (r.observed,)),
            limit=int(r.value or 0),
            disputed=r.disputed,
            legal_status=r.legal_status,
        )
        for r in view.treaty.all_restrictions
        if r.kind == "quota_freeze"
        and r.valid_from < end
        and (r.valid_to is None or r.valid_to > start)
    )
    return QuotaProblem(
        year=year,
        passive={p.code: p.passive_quota for p in view.parties},
        aliases=aliases,
        freezes=freezes,
        view=view,
    )


def _parties_of(view: TreatyView, states: tuple[str, ...]) -> frozenset[str] | None:
    """Return the parties of ``states`` in force on the view's date; None if empty."""
    if not states:
        return None
    codes = set()
    for state in states:
        try:
            codes.add(view.party_of(state))
        except NotAPartyError:
            continue
    return frozenset(codes)


def as_problem(view: TreatyView | QuotaProblem, year: int) -> QuotaProblem:
    """Return ``view`` as a :class:`QuotaProblem` for ``year``.

    Raises
    ------
    OptionsError
        If the year is before 2002 or does not match the view or problem.
    """
    if isinstance(view, QuotaProblem):
        if view.year != check_year(year):
            raise OptionsError(
                f"the quota problem is for {view.year} but year is {year}"
            )
        return view
    return quota_problem(view, year)


def first_distribution(treaty: Treaty) -> Distribution:
    """Return the first distribution of active quotas (Annex A Section II).

    The 1992 table names the Russia-Belarus group ``RUS_BLR`` and maps the CSFR
    to the Czech Republic; three flights over Ukraine are shared by two observers
    each (``Distribution.shared``).

    Raises
    ------
    DataError
        If the table is empty (the data do not include it).

    References
    ----------
    Treaty on Open Skies, Annex A Section II para 1.
    """
    entries = treaty.first_distribution
    if not entries:
        raise DataError(
            "the quota tables hold no first distribution",
            file="first_distribution_1992.csv",
        )
    return Distribution(
        {(e.observer, e.observed): e.flights for e in entries},
        shared={(e.observer, e.observed): e.shared for e in entries if e.shared},
    )


#: Columns that identify a request row: one row per pair.
_PAIR = ("observer", "observed")


class RequestList(list[Request]):
    """The requests read from a file; ``source`` names the file for messages.

    :func:`requested_flights` (and so :func:`~openskies.allocation.allocate.allocate`)
    reports a bad row of it as ``<file>, row N`` rather than ``requests, row N``.
    """

    source: str | None = None


def read_requests(path: str | Path) -> RequestList:
    """Read requests from a CSV file with ``observer, observed, flights[, priority]``.

    Codes are checked later, by :func:`allocate` or :func:`check_distribution`,
    against the year's parties; the row numbers of this file are kept.  The
    CSV format is that of :func:`openskies.files.tables.read_table` (a byte-order
    mark, header names in any case and ``;`` separators are accepted);
    ``flights`` is a whole number in 0..1,000,000 and ``priority``, if given, in
    1..1,000,000 (plain digits: ``3_0`` or ``3.0`` are refused).

    Raises
    ------
    DataError
        If the file is missing or not a regular file, a value is malformed, or
        two rows name the same observer and observed (names file, both rows and
        the field).

    References
    ----------
    Treaty on Open Skies, Annex L Section II (requests for the next year).
    """
    from openskies.files.tables import read_table

    file = input_file(path, what="requests file")
    rows = read_table(file, ("observer", "observed", "flights"), unique=_PAIR)
    found = RequestList(
        Request(
            observer=row.text("observer"),
            observed=row.text("observed"),
            flights=row.integer("flights"),
            priority=row.integer("priority", minimum=1)
            if row.text("priority", required=False)
            else 1,
        )
        for row in rows
    )
    found.source = str(file)
    return found


def requested_flights(
    problem: QuotaProblem, requests: Requests, *, source: str = "requests"
) -> dict[tuple[str, str], tuple[int, int]]:
    """Return ``{(observer, observed): (flights, priority)}`` by party pair.

    State codes resolve to their party and the requests of states of one party
    are summed (priority: the largest given), but two rows naming the same
    observer and observed codes are refused (merge them: a silent sum would
    hide a typing error); pairs asking for 0 flights are dropped.
    ``flights`` is a whole number in 0..1,000,000, ``priority`` one in
    1..1,000,000; a missing priority (None, or an empty DataFrame cell, which
    pandas reads as NaN) is 1, a NaN priority of a :class:`Request` is
    refused.

    Parameters
    ----------
    problem
        The year's parties.
    requests
        A pandas DataFrame with columns ``observer, observed, flights`` and
        optionally ``priority``, or an iterable of :class:`Request`.
    source
        Name used in error messages; the file of a :class:`RequestList` read by
        :func:`read_requests` takes its place.

    Raises
    ------
    DataError
        If a row has a negative, fractional or too large number of flights, a
        priority outside its range, a code that is unknown or not a party in
        the year, an observer requesting flights over itself, or repeats the
        pair of an earlier row; the message names the row(s).

    References
    ----------
    Treaty on Open Skies, Art. XIV (Benelux); Art. III Section II (groups);
    Annex L Section II (requests).
    """
    if isinstance(requests, RequestList) and requests.source:
        source = requests.source
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    first_row: dict[tuple[str, str], int] = {}  # pairs as written
    parties: dict[tuple[object, str], str] = {}  # resolved codes, per role

    def party(code: object, role: str, number: int) -> str:
        key = (code, role)
        if not isinstance(code, str):
            return _party(problem, code, role, source, number)
        if key not in parties:
            parties[key] = _party(problem, code, role, source, number)
        return parties[key]

    for number, (observer, observed, flights, priority) in _request_rows(
        requests, source
    ):
        count = _whole(flights, "flights", 0, source, number)
        weight = (
            1 if _missing(priority) else _whole(priority, "priority", 1, source, number)
        )
        pair = (
            party(observer, "observer", number),
            party(observed, "observed", number),
        )
        if pair[0] == pair[1]:
            raise DataError(
                f"{observer} cannot request flights over {observed}: both belong "
                f"to {pair[0]}, and a party observes only other parties",
                file=source,
                row=number,
                field="observed",
            )
        written = (str(observer).strip().upper(), str(observed).strip().upper())
        if written in first_row:
            raise DataError(
                f"the request {shown(observer)} over {shown(observed)} repeats "
                f"row {first_row[written]}; merge the two rows into one",
                file=source,
                row=number,
                field="observed",
            )
        first_row[written] = number
        if count:
            before, prio = totals.get(pair, (0, 0))
            totals[pair] = (before + count, max(prio, weight))
    return dict(sorted(totals.items()))


def _request_rows(requests: Any, source: str) -> Iterable[tuple[int, tuple[Any, ...]]]:
    """Yield ``(row number, (observer, observed, flights, priority))``."""
    columns = getattr(requests, "columns", None)
    if columns is not None:
        missing = [c for c in ("observer", "observed", "flights") if c not in columns]
        if missing:
            raise DataError(
                f"missing column(s) {', '.join(missing)}; expected observer, "
                "observed, flights and optionally priority",
                file=source,
                row=0,
            )
        priority = (
            requests["priority"] if "priority" in columns else [1] * len(requests)
        )
        rows = zip(
            requests["observer"],
            requests["observed"],
            requests["flights"],
            priority,
            strict=True,
        )
        return enumerate(rows, start=1)
    if isinstance(requests, str | bytes | Mapping) or not isinstance(
        requests, Iterable
    ):
        raise OptionsError(
            "requests must be a pandas DataFrame or an iterable of Request, "
            f"got {type(requests).__name__}"
        )
    out = []
    for number, item in enumerate(requests, start=1):
        if not isinstance(item, Request):
            raise DataError(
                f"expected a Request, got {shown(item)}", file=source, row=number
            )
        if _missing(item.priority):  # only an empty DataFrame cell means 1
            raise DataError(
                f"{shown(item.priority)} is not a whole number >= 1",
                file=source,
                row=number,
                field="priority",
            )
        out.append(
            (number, (item.observer, item.observed, item.flights, item.priority))
        )
    return out


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _whole(value: object, name: str, minimum: int, source: str, number: int) -> int:
    """Return ``value`` as an integer in ``minimum..INTEGER_MAX`` or raise."""
    from openskies.files.tables import INTEGER_MAX

    whole: int | None = None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        whole = int(value)
    elif isinstance(value, numbers.Real):
        try:
            real = float(value)
        except OverflowError:  # e.g. a Fraction beyond the float range
            real = math.inf
        if math.isfinite(real) and real.is_integer():
            whole = int(real)
    if whole is not None and minimum <= whole <= INTEGER_MAX:
        return whole
    raise DataError(
        f"{shown(value)} is not a whole number in {minimum}..{INTEGER_MAX:,}",
        file=source,
        row=number,
        field=name,
    )


def _party(
    problem: QuotaProblem, code: object, name: str, source: str, row: int
) -> str:
    try:
        return problem.resolve(code)
    except (UnknownStateError, NotAPartyError) as err:
        raise DataError(str(err), file=source, row=row, field=name) from err
