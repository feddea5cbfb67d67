"""Scenario files: one TOML file that states every input of an annual plan.

A scenario names the year, the requests (a CSV file or inline tables), last year's
distribution and the disputed targets, the objective, the aircraft and blackout
files, the sites each observer wants to photograph, the reading of disputed
restrictions and the solvers' time limits.  :func:`load_scenario` reads and
checks it: every error names the file, the line and the key (or, for a CSV file
it points to, the file, row and field).  Relative paths are relative to the
scenario file.

The bundled scenario (:func:`default_scenario_path`,
``quotas/scenario_2020_illustrative.toml``) is illustrative: its requests and
sites are made up to exercise the planner; they are not the states' requests.

References
----------
Treaty on Open Skies, Art. III Section I (quotas, the annual review), Annex L
Section II (requests), Annex H (quarterly plans), Art. VI Section II (routes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from openskies.annual.membership import Membership
from openskies.errors import DataError, OptionsError
from openskies.files.user_files import shown
from openskies.options import (
    MAX_SWATH_KM,
    Objective,
    PairCap,
    Reading,
    SolveOptions,
    choose,
)

if TYPE_CHECKING:
    from openskies.allocation.problem import Request
    from openskies.calendar.types import Blackout
    from openskies.geo.sites import Site
    from openskies.treaty.aircraft import Aircraft
    from openskies.treaty.distribution import Distribution
    from openskies.treaty.model import Treaty

__all__ = [
    "DEFAULT_SCENARIO",
    "Scenario",
    "ScenarioError",
    "SolverSettings",
    "default_scenario_path",
]

#: The bundled illustrative scenario, in ``quotas/``.
DEFAULT_SCENARIO = "scenario_2020_illustrative.toml"
#: Years a scenario may plan: from the treaty's entry into force (1 January 2002)
#: to 2100, a bound that keeps dates and solver arithmetic in range.
YEARS = (2002, 2100)


class ScenarioError(DataError):
    """A scenario file is malformed; the message names the file, line and key.

    Attributes
    ----------
    key
        Dotted key path, e.g. ``solver.schedule.time_limit_s`` or
        ``requests[2].flights``.
    line
        1-based line of the key in the file, if known.
    """

    def __init__(
        self, message: str, *, file: object, key: str | None, line: int | None
    ) -> None:
        super().__init__(message, file=file, field=key)
        self.key = key
        self.line = line
        where = [str(file)]
        where += [] if line is None else [f"line {line}"]
        where += [] if key is None else [f"key {key!r}"]
        self.args = (f"{', '.join(where)}: {message}",)


@dataclass(frozen=True, slots=True)
class SolverSettings:
    """Solver options per stage of the plan.

    Attributes
    ----------
    allocation
        For :func:`openskies.allocation.allocate.allocate` (all its stages together).
    schedule
        For :func:`openskies.calendar.schedule.schedule`.
    routes
        For each route planned by :func:`openskies.routing.planner.plan_route`.
    """

    allocation: SolveOptions = field(default_factory=SolveOptions)
    schedule: SolveOptions = field(default_factory=SolveOptions)
    routes: SolveOptions = field(default_factory=lambda: SolveOptions(time_limit_s=0.5))


@dataclass(frozen=True)
class Scenario:
    """Every input of an annual plan (see :func:`load_scenario` for the file).

    Attributes
    ----------
    year
        The quota year, in 2002..2100 (:data:`YEARS`; the treaty entered into
        force on 2002-01-01).
    requests
        The states' requests for the year.
    as_of
        Date of the treaty data that gives the year's parties and quotas, in
        ``year``; None means 1 January (see :attr:`date`).
    title
        Free text shown in the report.
    objective
        An :class:`~openskies.options.Objective` or its value, ``fair``,
        ``weighted`` or ``total`` (:func:`~openskies.allocation.allocate.allocate`).
    pair_cap
        Reading of the per-pair cap, a :class:`~openskies.options.PairCap` or
        its value, ``entitlement`` or ``distributed``.
    reciprocity
        Whether to impose reciprocity (Art. III.I.3).
    previous
        Last year's distribution, if any.
    disputed
        Targets without agreement, which keep last year's flights; needs
        ``previous``.
    aircraft
        The fleet; None for the bundled one.
    blackouts
        Periods in which a party hosts and flies no mission.
    allow_partial
        Schedule as many flights as fit instead of failing.
    sites
        Site lists by observer party code; the key ``"*"`` applies to every
        observer without its own list.  Empty: no routes are planned.
    reading
        A :class:`~openskies.options.Reading` or its value, ``treaty`` or
        ``observed-party``: how disputed restrictions bind routes.
    swath_km
        Sites within this distance of an observation leg count as covered [km].
    revisit_value
        Share of its value a site keeps for the observer's later missions over
        the same party after a route visited it, in [0, 1].
    solver
        Time limits, seed and workers per stage.
    membership
        Who leaves or joins the treaty, and when (a what-if, see
        :mod:`openskies.annual.membership`); empty by default.
    source
        The scenario file, if it was read from one.
    document
        The parsed TOML of that file, which :meth:`with_overrides` reads again
        with the overrides merged in; None for a scenario built in code.
    reread
        The reader of ``document`` (set by
        :func:`~openskies.annual.scenario_reader.load_scenario`).

    Raises
    ------
    OptionsError
        If a value is of the wrong type or out of range (the message names the
        attribute and what it accepts).
    """

    year: int
    requests: tuple[Request, ...]
    as_of: dt.date | None = None
    title: str = ""
    objective: Objective = Objective.FAIR
    pair_cap: PairCap = PairCap.ENTITLEMENT
    reciprocity: bool = True
    previous: Distribution | None = None
    disputed: tuple[str, ...] = ()
    aircraft: tuple[Aircraft, ...] | None = None
    blackouts: tuple[Blackout, ...] = ()
    allow_partial: bool = True
    sites: Mapping[str, tuple[Site, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    reading: Reading = Reading.TREATY
    swath_km: float = 25.0
    revisit_value: float = 0.5
    solver: SolverSettings = field(default_factory=SolverSettings)
    membership: Membership = field(default_factory=Membership)
    source: Path | None = None
    document: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    reread: Callable[..., Scenario] | None = field(
        default=None, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        """Check the types and values of every attribute."""
        for name, kind in CHOICES.items():
            object.__setattr__(self, name, choose(kind, name, getattr(self, name)))
        for name, check in CHECKS.items():
            check(getattr(self, name))
        _check_parts(self)
        if self.date.year != self.year:
            raise OptionsError(
                f"as_of {self.date.isoformat()} is not in year {self.year}; the "
                f"year's parties are those in force on a date of that year, "
                f"normally {self.year}-01-01"
            )
        if self.disputed and self.previous is None:
            raise OptionsError(
                "disputed targets keep last year's flights (Art. III.I.7): give "
                "previous, last year's distribution"
            )
        object.__setattr__(self, "requests", tuple(self.requests))
        object.__setattr__(self, "disputed", tuple(self.disputed))
        object.__setattr__(self, "sites", MappingProxyType(dict(self.sites)))

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle by value (a mapping proxy cannot be pickled), e.g. for Dask."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["sites"] = dict(self.sites)
        return (_rebuild, (values,))

    @property
    def date(self) -> dt.date:
        """The date of the treaty data: ``as_of``, or 1 January of ``year``."""
        return dt.date(self.year, 1, 1) if self.as_of is None else self.as_of

    def sites_for(self, observer: str) -> tuple[Site, ...]:
        """Return the sites of ``observer`` (its own list, else the ``"*"`` list)."""
        return self.sites.get(observer, self.sites.get("*", ()))

    def replace(self, **changes: Any) -> Scenario:
        """Return a copy with ``changes``, checked like a new scenario.

        Raises
        ------
        OptionsError
            If a changed value is out of range.
        """
        return dataclasses.replace(self, **changes)

    def with_overrides(
        self, overrides: Mapping[str, Any], *, treaty: Treaty | None = None
    ) -> Scenario:
        """Return this scenario with ``overrides`` merged into its file's keys.

        ``overrides`` follows the scenario file's own key structure, e.g.
        ``{"objective": "total"}``, ``{"routes": {"reading": "observed-party"}}``,
        ``{"solver": {"seed": 3}}``, ``{"membership": {"leave": {"USA":
        datetime.date(2020, 6, 1)}}}`` or ``{"requests": "other.csv"}``.  Tables
        are merged key by key; any other value replaces the file's.  The result
        is read again exactly as the file is (relative paths relative to it).

        Parameters
        ----------
        overrides
            Nested mapping of keys to new values.
        treaty
            The treaty to check codes against; the bundled data by default.

        Returns
        -------
        Scenario
            A new scenario (this one for empty ``overrides``); this one is
            unchanged.

        Raises
        ------
        ScenarioError
            If a key is unknown (the message names it) or a value is invalid,
            as :func:`~openskies.annual.scenario_reader.load_scenario` would
            raise for the same file.
        OptionsError
            If ``overrides`` is not a mapping, or the scenario was not read from
            a file (built in code: use :meth:`replace`).
        """
        if not isinstance(overrides, Mapping):
            raise OptionsError(
                f"overrides must be a mapping of scenario keys, got {shown(overrides)}"
            )
        if not overrides:
            return self
        if self.document is None or self.reread is None or self.source is None:
            raise OptionsError(
                "with_overrides needs a scenario read by load_scenario; for a "
                "scenario built in code use Scenario.replace(...)"
            )
        return self.reread(
            merged(self.document, overrides), file=self.source, treaty=treaty
        )


def _rebuild(values: dict[str, Any]) -> Scenario:
    return Scenario(**values)


def merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``overrides`` merged in, table by table."""
    out = dict(base)
    for key, value in overrides.items():
        old = out.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            out[key] = merged(old, value)
        else:
            out[key] = value
    return out


def _is_whole(value: object, low: int, high: int) -> bool:
    """Whether ``value`` is an int (not a bool) in ``low..high``."""
    return (
        isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    )


def _check_year(value: object) -> None:
    low, high = YEARS
    if not _is_whole(value, low, high):
        raise OptionsError(
            f"year must be a whole number >= {low} (the treaty entered into force "
            f"on {low}-01-01) and <= {high}, got {shown(value)}"
        )


def _check_text(name: str) -> Callable[[object], None]:
    def check(value: object) -> None:
        if not isinstance(value, str):
            raise OptionsError(f"{name} must be text, got {shown(value)}")

    return check


def _items(name: str, value: object, kinds: Any, what: str) -> None:
    """Refuse ``value`` unless it is a list or tuple of ``kinds``."""
    if not isinstance(value, list | tuple):
        raise OptionsError(f"{name} must be a tuple of {what}, got {shown(value)}")
    for number, item in enumerate(value, start=1):
        if not isinstance(item, kinds):
            raise OptionsError(
                f"{name} item {number} must be {what}, got {shown(item)}"
            )


def _check_parts(scenario: Scenario) -> None:
    """Check the attributes that hold other objects (types only)."""
    from openskies.allocation.problem import Request
    from openskies.calendar.types import Blackout
    from openskies.geo.sites import Site
    from openskies.treaty.aircraft import Aircraft
    from openskies.treaty.distribution import Distribution

    _items("requests", scenario.requests, Request, "a Request")
    for number, request in enumerate(scenario.requests, start=1):
        _check_request(request, number)
    _items("disputed", scenario.disputed, str, "a party code")
    _items("blackouts", scenario.blackouts, Blackout, "a Blackout")
    if scenario.aircraft is not None:
        _items("aircraft", scenario.aircraft, Aircraft, "an Aircraft")
    if scenario.previous is not None and not isinstance(
        scenario.previous, Distribution
    ):
        raise OptionsError(
            f"previous must be a Distribution or None, got {shown(scenario.previous)}"
        )
    if not isinstance(scenario.sites, Mapping):
        raise OptionsError(
            f"sites must map observer codes to tuples of Site, got "
            f"{shown(scenario.sites)}"
        )
    for observer, sites in scenario.sites.items():
        if not isinstance(observer, str):
            raise OptionsError(f"sites keys must be party codes, got {shown(observer)}")
        _items(f"sites[{observer!r}]", sites, Site, "a Site")
    if not isinstance(scenario.membership, Membership):
        raise OptionsError(
            f"membership must be a Membership, got {shown(scenario.membership)}"
        )
    if not isinstance(scenario.solver, SolverSettings):
        raise OptionsError(
            f"solver must be a SolverSettings, got {shown(scenario.solver)}"
        )
    if scenario.source is not None and not isinstance(scenario.source, Path):
        raise OptionsError(
            f"source must be a Path or None, got {shown(scenario.source)}"
        )


def _check_request(request: Any, number: int) -> None:
    """Check the types and ranges of one request (flights 0.., priority 1..)."""
    from openskies.files.tables import INTEGER_MAX

    for name in ("observer", "observed"):
        if not isinstance(getattr(request, name), str):
            raise OptionsError(
                f"requests item {number}: {name} must be a party code, got "
                f"{shown(getattr(request, name))}"
            )
    for name, low in (("flights", 0), ("priority", 1)):
        value = getattr(request, name)
        if not _is_whole(value, low, INTEGER_MAX):
            raise OptionsError(
                f"requests item {number}: {name} must be a whole number in "
                f"{low}..{INTEGER_MAX:,}, got {shown(value)}"
            )


def _flag(name: str) -> Callable[[object], None]:
    def check(value: object) -> None:
        if not isinstance(value, bool):
            raise OptionsError(f"{name} must be true or false, got {shown(value)}")

    return check


def _number(name: str, low: float, high: float) -> Callable[[object], None]:
    def check(value: object) -> None:
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not low <= value <= high
        ):
            raise OptionsError(
                f"{name} must be a number in [{low:g}, {high:g}], got {shown(value)}"
            )

    return check


def _check_as_of(value: object) -> None:
    if value is not None and (
        not isinstance(value, dt.date) or isinstance(value, dt.datetime)
    ):
        raise OptionsError(
            f"as_of must be a date such as 2020-01-01, got {shown(value)}"
        )


#: The named choices among the attributes, converted to their enum once.
CHOICES: dict[str, type[enum.StrEnum]] = {
    "objective": Objective,
    "pair_cap": PairCap,
    "reading": Reading,
}
#: Check of each scalar attribute; raises OptionsError naming it.
CHECKS: dict[str, Callable[[object], None]] = {
    "year": _check_year,
    "as_of": _check_as_of,
    "title": _check_text("title"),
    "reciprocity": _flag("reciprocity"),
    "allow_partial": _flag("allow_partial"),
    "swath_km": _number("swath_km", 0.0, MAX_SWATH_KM),
    "revisit_value": _number("revisit_value", 0.0, 1.0),
}


def default_scenario_path() -> Path:
    """Return the path of the bundled illustrative scenario."""
    from openskies.treaty.resources import bundled_dir

    return bundled_dir("quotas") / DEFAULT_SCENARIO
