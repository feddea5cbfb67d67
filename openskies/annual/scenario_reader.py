"""Read a scenario file into a :class:`~openskies.annual.scenario.Scenario`.

:func:`load_scenario` parses the TOML and hands it to :class:`Reader`, whose every
check raises a :class:`~openskies.annual.scenario.ScenarioError` naming the key
and its line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.annual.membership import Membership
from openskies.annual.scenario import (
    CHECKS,
    CHOICES,
    Scenario,
    ScenarioError,
    SolverSettings,
    default_scenario_path,
)
from openskies.errors import DataError, OpenSkiesError, OptionsError
from openskies.files.tables import INTEGER_MAX
from openskies.files.toml_lines import KeyPath, line_of
from openskies.files.user_files import input_file, read_user_text, shown
from openskies.options import Reading, SolveOptions, choose

if TYPE_CHECKING:
    from openskies.allocation.problem import Request
    from openskies.geo.sites import Site
    from openskies.treaty.distribution import Distribution
    from openskies.treaty.model import Treaty, TreatyView

__all__ = ["Reader", "load_scenario"]

_TOP_KEYS = (
    "title",
    "year",
    "as_of",
    "objective",
    "pair_cap",
    "reciprocity",
    "requests",
    "previous",
    "disputed",
    "aircraft",
    "blackouts",
    "allow_partial",
    "routes",
    "solver",
    "membership",
)
_SCALARS = (
    ("title", str),
    ("objective", str),
    ("pair_cap", str),
    ("reciprocity", bool),
    ("allow_partial", bool),
)
_ROUTE_KEYS = ("sites", "reading", "swath_km", "revisit_value")
_REQUEST_KEYS = ("observer", "observed", "flights", "priority")
_STAGES = ("allocation", "schedule", "routes")
_OPTION_KEYS = ("time_limit_s", "seed", "workers", "iteration_limit")
_KINDS = {str: "a string", int: "a whole number", bool: "true or false"}
_NUMBER = (int, float)


@dataclass(frozen=True)
class _Routes:
    """The checked ``[routes]`` table, with the scenario's defaults."""

    sites: Mapping[str, tuple[Site, ...]]
    reading: Reading
    swath_km: float
    revisit_value: float


def _dotted(path: KeyPath) -> str:
    return "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p)
        for i, p in enumerate(path)
    )


@dataclass
class Reader:
    """Reads one scenario file's parsed TOML, locating every error."""

    file: Path
    lines: Mapping[KeyPath, int]
    treaty: Treaty

    def error(self, path: KeyPath, message: str) -> ScenarioError:
        """Return an error located at the key ``path``."""
        return ScenarioError(
            message,
            file=self.file,
            key=_dotted(path) or None,
            line=line_of(self.lines, path),
        )

    def scenario(self, data: Mapping[str, Any]) -> Scenario:
        """Return the checked scenario."""
        from openskies.calendar.inputs import read_blackouts
        from openskies.treaty.aircraft import read_aircraft

        self._known(data, _TOP_KEYS, ())
        for key in ("year", "requests"):
            if key not in data:
                raise self.error((), f"the key {key!r} is missing")
        year = self._checked(self._typed(data, "year", int, ()), ("year",))
        as_of = self._as_of(data["as_of"], year) if "as_of" in data else None
        # the what-if first: the requests are checked against the treaty it makes
        membership = (
            self._membership(data["membership"]) if "membership" in data else None
        )
        view = self.treaty.as_of(as_of or dt.date(year, 1, 1))
        given = {
            key: self._checked(self._typed(data, key, kind, ()), (key,))
            for key, kind in _SCALARS
            if key in data
        }
        requests = self._requests(data, view)
        previous = self._previous(data) if "previous" in data else None
        disputed: tuple[str, ...] = ()
        if "disputed" in data:
            if "previous" not in data:
                raise self.error(
                    ("disputed",),
                    "disputed targets keep last year's flights (Art. III.I.7); "
                    'add previous = "<last year\'s distribution CSV>"',
                )
            disputed = self._disputed(data["disputed"], view)
        codes = self.treaty.known_codes
        aircraft = (
            read_aircraft(self._file(data, "aircraft", ()), known_codes=codes)
            if "aircraft" in data
            else None
        )
        blackouts = (
            read_blackouts(self._file(data, "blackouts", ()), known_codes=codes)
            if "blackouts" in data
            else ()
        )
        routes = self._routes(self._table(data, "routes", ()), view)
        return Scenario(
            year=year,
            requests=tuple(requests),
            as_of=as_of,
            title=given.get("title", Scenario.title),
            objective=given.get("objective", Scenario.objective),
            pair_cap=given.get("pair_cap", Scenario.pair_cap),
            reciprocity=given.get("reciprocity", Scenario.reciprocity),
            previous=previous,
            disputed=disputed,
            aircraft=aircraft,
            blackouts=blackouts,
            allow_partial=given.get("allow_partial", Scenario.allow_partial),
            sites=routes.sites,
            reading=routes.reading,
            swath_km=routes.swath_km,
            revisit_value=routes.revisit_value,
            solver=self._solver(self._table(data, "solver", ())),
            source=self.file,
            membership=Membership() if membership is None else membership,
            document=data,
            reread=reread,
        )

    # ----------------------------------------------------------------- helpers

    def _known(
        self, table: Mapping[str, Any], allowed: tuple[str, ...], path: KeyPath
    ) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else f"allowed keys are {', '.join(allowed)}"
                )
                raise self.error((*path, key), f"unknown key {shown(key)}; {hint}")

    def _typed(
        self, table: Mapping[str, Any], key: str, kind: Any, path: KeyPath
    ) -> Any:
        value = table[key]
        if not isinstance(value, kind) or (
            isinstance(value, bool) and kind is not bool
        ):
            expected = "a number" if kind == _NUMBER else _KINDS[kind]
            raise self.error((*path, key), f"expected {expected}, got {shown(value)}")
        return value

    def _table(self, data: Mapping[str, Any], key: str, path: KeyPath) -> Any:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.error(
                (*path, key), f"expected a table [{key}], got {shown(value)}"
            )
        return value

    def _checked(self, value: Any, path: KeyPath) -> Any:
        key = str(path[-1])
        check = CHECKS.get(key)
        try:
            if key in CHOICES:
                return choose(CHOICES[key], key, value)
            if check is not None:
                check(value)
        except OptionsError as err:
            raise self.error(path, str(err)) from None
        return value

    def _file(self, table: Mapping[str, Any], key: str, path: KeyPath) -> Path:
        name: str = self._typed(table, key, str, path)
        try:
            return input_file(self.file.parent / name).resolve()
        except DataError as err:
            raise self.error((*path, key), str(err)) from None

    def _as_of(self, value: Any, year: int) -> dt.date:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise self.error(
                ("as_of",), f"expected a date such as {year}-01-01, got {shown(value)}"
            )
        if value.year != year:
            raise self.error(
                ("as_of",),
                f"{value.isoformat()} is not in year {year}; use a date of the "
                "year planned (its parties are those in force on that date)",
            )
        return value

    def _code(self, value: Any, view: TreatyView, path: KeyPath) -> str:
        if not isinstance(value, str):
            raise self.error(
                path, f"expected a state or party code, got {shown(value)}"
            )
        try:
            view.party_of(value)
        except OpenSkiesError as err:
            raise self.error(path, str(err)) from None
        return value.strip().upper()

    def _rows(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        rows = data[key]
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise self.error(
                (key,),
                f"expected a CSV file name or a list of tables ([[{key}]]), "
                f"got {shown(rows)}",
            )
        return rows

    def _row(self, row: Mapping[str, Any], path: KeyPath, keys: tuple[str, ...]) -> int:
        """Check a request-like row's keys; return its flights."""
        self._known(row, keys, path)
        for key in _REQUEST_KEYS[:3]:
            if key not in row:
                raise self.error(path, f"the key {key!r} is missing")
        return self._whole(row, "flights", 0, path)

    def _whole(
        self, row: Mapping[str, Any], key: str, minimum: int, path: KeyPath
    ) -> int:
        """Return ``row[key]``, a whole number in ``minimum..INTEGER_MAX``."""
        value: int = self._typed(row, key, int, path)
        if value < minimum:
            raise self.error((*path, key), f"{value} is below {minimum}")
        if value > INTEGER_MAX:
            raise self.error(
                (*path, key), f"{shown(value)} is above the maximum {INTEGER_MAX:,}"
            )
        return value

    # ------------------------------------------------------------------ inputs

    def _membership(self, table: Any) -> Membership:
        """Read ``[membership]`` and check the treaty to plan with (R26)."""
        from openskies.annual.membership import (
            Membership,
            MembershipError,
            apply_membership,
        )

        try:
            membership = Membership.from_table(table)
            self.treaty = apply_membership(self.treaty, membership)
        except MembershipError as err:
            raise self.error(err.key, err.message) from None
        return membership

    def _requests(self, data: Mapping[str, Any], view: TreatyView) -> list[Request]:
        from openskies.allocation.problem import Request, read_requests

        if isinstance(data["requests"], str):
            target = self._file(data, "requests", ())
            found = read_requests(target)
            for number, request in enumerate(found, start=1):
                for name in ("observer", "observed"):
                    code = getattr(request, name)
                    try:
                        view.party_of(code)
                    except OpenSkiesError as err:
                        message = (
                            str(err)
                            if len(code) <= 40
                            else (f"{shown(code)} is not a state or party code")
                        )
                        raise DataError(
                            message, file=target, row=number, field=name
                        ) from None
            return found
        out = []
        for i, row in enumerate(self._rows(data, "requests")):
            path: KeyPath = ("requests", i)
            flights = self._row(row, path, _REQUEST_KEYS)
            priority = 1
            if "priority" in row:
                priority = self._whole(row, "priority", 1, path)
            observer = self._code(row["observer"], view, (*path, "observer"))
            observed = self._code(row["observed"], view, (*path, "observed"))
            out.append(Request(observer, observed, flights, priority))
        return out

    def _previous(self, data: Mapping[str, Any]) -> Distribution:
        from openskies.treaty.distribution import Distribution

        if isinstance(data["previous"], str):
            return Distribution.read_csv(self._file(data, "previous", ()))
        records = []
        for i, row in enumerate(self._rows(data, "previous")):
            path: KeyPath = ("previous", i)
            flights = self._row(row, path, _REQUEST_KEYS[:3])
            codes = []
            for key in _REQUEST_KEYS[:2]:
                code = str(self._typed(row, key, str, path)).strip().upper()
                if code not in self.treaty.known_codes:
                    raise self.error(
                        (*path, key), f"unknown state or party code {shown(code)}"
                    )
                codes.append(code)
            records.append((codes[0], codes[1], flights))
        return Distribution.from_records(records, source=f"{self.file} [[previous]]")

    def _disputed(self, value: Any, view: TreatyView) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            raise self.error(
                ("disputed",), f"expected a list of codes, got {shown(value)}"
            )
        return tuple(self._code(code, view, ("disputed",)) for code in items)

    def _routes(self, table: Mapping[str, Any], view: TreatyView) -> _Routes:
        from openskies.geo.sites import bundled_sites

        path: KeyPath = ("routes",)
        self._known(table, _ROUTE_KEYS, path)
        given = {
            key: self._checked(self._typed(table, key, kind, path), (*path, key))
            for key, kind in (
                ("reading", str),
                ("swath_km", _NUMBER),
                ("revisit_value", _NUMBER),
            )
            if key in table
        }
        return _Routes(
            sites=(
                self._sites(table["sites"], view)
                if "sites" in table
                else {"*": bundled_sites()}
            ),
            reading=given.get("reading", Scenario.reading),
            swath_km=given.get("swath_km", Scenario.swath_km),
            revisit_value=given.get("revisit_value", Scenario.revisit_value),
        )

    def _sites(self, spec: object, view: TreatyView) -> dict[str, tuple[Site, ...]]:
        from openskies.geo.sites import read_sites

        path: KeyPath = ("routes",)
        if isinstance(spec, str):
            spec = {"*": spec}
        if not isinstance(spec, dict):
            raise self.error(
                (*path, "sites"),
                "expected a CSV file name, or a table of file names by observer "
                f'("*" for every other observer), got {shown(spec)}',
            )
        sites: dict[str, tuple[Site, ...]] = {}
        for observer in spec:
            where: KeyPath = (*path, "sites", observer)
            key = "*" if observer == "*" else self._code(observer, view, where)
            target = self._file(spec, observer, (*path, "sites"))
            sites["*" if key == "*" else view.party_of(key)] = read_sites(
                target, treaty=self.treaty
            )
        return sites

    def _solver(self, table: Mapping[str, Any]) -> SolverSettings:
        path: KeyPath = ("solver",)
        self._known(table, (*_OPTION_KEYS, *_STAGES), path)
        shared = {k: table[k] for k in _OPTION_KEYS if k in table}
        defaults = SolverSettings()
        stages = {}
        for stage in _STAGES:
            own = self._table(table, stage, path)
            self._known(own, _OPTION_KEYS, (*path, stage))
            merged = {**dataclasses.asdict(getattr(defaults, stage)), **shared, **own}
            for key, value in merged.items():
                if value is None:  # an unset optional limit
                    continue
                where = (*path, stage, key) if key in own else (*path, key)
                kind = _NUMBER if key == "time_limit_s" else int
                self._typed({key: value}, key, kind, where[:-1])
            for key, value in merged.items():  # locate a bad value by its key
                try:
                    SolveOptions(**{key: value})
                except OptionsError as err:
                    where = (*path, stage, key) if key in own else (*path, key)
                    raise self.error(where, str(err)) from None
            try:
                stages[stage] = SolveOptions(**merged)
            except OptionsError as err:  # values that clash with each other
                raise self.error((*path, stage), str(err)) from None
        return SolverSettings(**stages)


def load_scenario(
    path: str | Path | None = None, *, treaty: Treaty | None = None
) -> Scenario:
    """Read and check a scenario file.

    The format (TOML; every key but ``year`` and ``requests`` is optional)::

        title = "Illustrative annual plan 2020"
        year = 2020
        as_of = 2020-01-01          # date of the treaty data, in `year`
        objective = "fair"          # fair | weighted | total
        pair_cap = "entitlement"    # entitlement | distributed
        reciprocity = true
        requests = "requests.csv"   # or inline [[requests]] tables
        previous = "previous.csv"   # or inline [[previous]] tables
        disputed = ["RUS"]          # needs `previous`
        aircraft = "aircraft.csv"   # the bundled fleet by default
        blackouts = "blackouts.csv"
        allow_partial = true

        [routes]
        sites = "sites.csv"         # or a table by observer, "*" for the rest
        reading = "treaty"          # treaty | observed-party
        swath_km = 25
        revisit_value = 0.5

        [membership]                # what-ifs (openskies.annual.membership)
        leave = { DEU = 2020-03-01 }                          # exit date
        join = { USA = { date = 2021-06-01, passive_quota = 42 } }

        [solver]                    # defaults for every stage
        seed = 0
        workers = 1
        [solver.allocation]
        time_limit_s = 5
        [solver.schedule]
        time_limit_s = 10
        [solver.routes]             # for each route
        time_limit_s = 0.5

    Without a ``sites`` key the bundled illustrative site list applies to every
    observer; ``sites = {}`` plans no routes.

    Parameters
    ----------
    path
        The scenario file; the bundled illustrative scenario by default.
    treaty
        The treaty to check codes against; the bundled data by default.

    Returns
    -------
    Scenario
        With requests, previous distribution, aircraft, blackouts and sites read
        from their files.

    Raises
    ------
    ScenarioError
        If the TOML is malformed, a key is unknown, missing or of the wrong type,
        a value is out of range, a file is missing, or a code is unknown or not
        a party on ``as_of`` (names file, line and key).
    DataError
        If a file the scenario points to is malformed (names file, row and
        field).

    References
    ----------
    Treaty on Open Skies, Art. III Section I paras 3, 7 and 10; Annex L
    Section II; Annex H.
    """
    from openskies.files.toml_lines import key_lines
    from openskies.treaty.loading import load_treaty

    file = default_scenario_path() if path is None else path
    text = read_user_text(file, what="scenario file")
    file = Path(file)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ScenarioError(
            "the TOML is nested too deeply to be a scenario",
            file=file,
            key=None,
            line=None,
        ) from None
    except tomllib.TOMLDecodeError as err:
        line = getattr(err, "lineno", None)
        raise ScenarioError(
            f"not valid TOML: {getattr(err, 'msg', err)}",
            file=file,
            key=None,
            line=line,
        ) from None
    reader = Reader(file, key_lines(text), load_treaty() if treaty is None else treaty)
    return reader.scenario(data)


def reread(
    data: Mapping[str, Any], *, file: Path, treaty: Treaty | None = None
) -> Scenario:
    """Read a scenario file's parsed TOML ``data`` again (with overrides).

    Errors name the key but no line: the values need not come from the file.
    See :meth:`~openskies.annual.scenario.Scenario.with_overrides`.
    """
    from openskies.treaty.loading import load_treaty

    reader = Reader(file, {}, load_treaty() if treaty is None else treaty)
    return reader.scenario(data)
