"""Membership what-ifs: a party leaving, a state joining or rejoining.

A scenario's ``[membership]`` table (see
:func:`~openskies.annual.scenario_reader.load_scenario`) changes who is a party::

    [membership]
    leave = { DEU = 2020-03-01 }
    join = { USA = { date = 2021-06-01, passive_quota = 42 } }

:func:`apply_membership` turns it into a new :class:`~openskies.treaty.model.Treaty`
built from the same tables, so every stage of the plan sees it through the usual
views, exactly as it sees the real exits (the United States on 2020-11-22,
Russia on 2021-12-18):

* **leave** ``STATE = DATE``: ``DATE`` is the first day the state is no longer a
  party (Art. XV: effective six months after notice).  Its party memberships and,
  for a party of that state alone, its passive quota end on ``DATE``; the
  schedule places none of its missions, as observer or observed, from that day
  (:func:`openskies.calendar.problem.party_exit`).  A party code (``BENELUX``)
  stands for all of its states.  A state leaving a group (``RUS`` from
  ``RUS_BLR``) leaves the group's quota to the other members unchanged.
* **join** ``STATE = { date = DATE, passive_quota = N }``: the state is a party
  from ``DATE`` (Art. XVII: effective 60 days after deposit), as a party of its
  own with passive quota ``N`` (Annex A II.4).  A state that was a party before
  gets its territory and airfields back from the data, and its last passive
  quota if ``passive_quota`` is left out; a state that never was one must be in
  the data (``states.csv``, its territory in ``territories.geojson``, at least
  one Open Skies airfield in ``airfields.csv``) and needs ``passive_quota``.
  The schedule places none of its missions before ``DATE``
  (:func:`openskies.calendar.problem.party_entry`).

Semantics (decisions): the year's distribution is among the parties in force on
the scenario's ``as_of`` date (1 January by default), as for real accessions; a
state joining later in the year takes part when ``as_of`` is on or after its
join date.  A state may leave or join in one scenario, not both.

References
----------
Treaty on Open Skies, Art. XV (withdrawal), Art. XVII (accession), Annex A
Section II para 4 (quotas of a new party); treaty.md rule R26.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from openskies.errors import OpenSkiesError, OptionsError
from openskies.files.user_files import shown
from openskies.treaty.model import (
    PartyInfo,
    PartyMembership,
    PassiveQuota,
    Treaty,
)
from openskies.treaty.records import ENTRY_INTO_FORCE, MAX_FLIGHTS

__all__ = [
    "LATEST",
    "Join",
    "Membership",
    "MembershipError",
    "apply_membership",
]

#: Latest date a what-if may name (the scenario years end in 2100).
LATEST = dt.date(2100, 12, 31)
_SOURCE = "scenario [membership] (what-if)"


class MembershipError(OptionsError):
    """A membership what-if is malformed or impossible.

    Attributes
    ----------
    key
        Where, as a key path of the scenario file, e.g.
        ``("membership", "join", "USA", "date")``.
    """

    def __init__(self, message: str, key: tuple[str, ...]) -> None:
        super().__init__(f"{'.'.join(key)}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True, slots=True)
class Join:
    """A state joining (or rejoining) the treaty.

    Attributes
    ----------
    date
        First day it is a party (Art. XVII).
    passive_quota
        Flights it must accept per year [flights]; None: its last quota.
    """

    date: dt.date
    passive_quota: int | None = None


@dataclass(frozen=True)
class Membership:
    """The ``[membership]`` what-if of a scenario; empty changes nothing.

    Attributes
    ----------
    leave
        Exit date by state or party code.
    join
        :class:`Join` by state code.
    """

    leave: Mapping[str, dt.date] = field(default_factory=lambda: MappingProxyType({}))
    join: Mapping[str, Join] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        """Freeze the mappings and check their types."""
        for name in ("leave", "join"):
            if not isinstance(getattr(self, name), Mapping):
                raise MembershipError(
                    f"expected a table of codes, got {shown(getattr(self, name))}",
                    ("membership", name),
                )
        for code in (*self.leave, *self.join):
            if not isinstance(code, str):
                raise MembershipError(
                    f"expected a state code, got {shown(code)}", ("membership",)
                )
        for code, day in self.leave.items():
            _check_date(day, ("membership", "leave", str(code)))
        for code, join in self.join.items():
            if not isinstance(join, Join):
                raise MembershipError(
                    f"expected a Join, got {shown(join)}",
                    ("membership", "join", str(code)),
                )
            _check_join(join, ("membership", "join", str(code)))
        object.__setattr__(self, "leave", MappingProxyType(dict(self.leave)))
        object.__setattr__(self, "join", MappingProxyType(dict(self.join)))

    def __bool__(self) -> bool:
        """Whether the what-if changes anything."""
        return bool(self.leave or self.join)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle the mappings as dicts (a mapping proxy cannot be pickled)."""
        return (Membership, (dict(self.leave), dict(self.join)))

    @classmethod
    def from_table(cls, table: object) -> Membership:
        """Return the what-if of a parsed ``[membership]`` TOML table.

        Raises
        ------
        MembershipError
            If a key is unknown or a value has the wrong type (names the key).
        """
        path: tuple[str, ...] = ("membership",)
        table = _table(table, path)
        for key in table:
            if key not in ("leave", "join"):
                raise MembershipError(
                    f"unknown key {shown(key)}; allowed keys are leave, join",
                    (*path, str(key)),
                )
        leave = {
            str(code): _check_date(day, (*path, "leave", str(code)))
            for code, day in _table(table.get("leave", {}), (*path, "leave")).items()
        }
        joins = {}
        for code, spec in _table(table.get("join", {}), (*path, "join")).items():
            where = (*path, "join", str(code))
            spec = _table(spec, where)
            for key in spec:
                if key not in ("date", "passive_quota"):
                    raise MembershipError(
                        f"unknown key {shown(key)}; allowed keys are date, "
                        "passive_quota",
                        (*where, str(key)),
                    )
            if "date" not in spec:
                raise MembershipError("the key 'date' is missing", where)
            joins[str(code)] = Join(
                _check_date(spec["date"], (*where, "date")),
                _check_quota(spec.get("passive_quota"), (*where, "passive_quota")),
            )
        return cls(leave, joins)


def _table(value: object, path: tuple[str, ...]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise MembershipError(f"expected a table, got {shown(value)}", path)
    return value


def _check_date(value: object, path: tuple[str, ...]) -> dt.date:
    if (
        not isinstance(value, dt.date)
        or isinstance(value, dt.datetime)
        or not ENTRY_INTO_FORCE < value <= LATEST
    ):
        raise MembershipError(
            f"expected a date after {ENTRY_INTO_FORCE.isoformat()} and up to "
            f"{LATEST.isoformat()}, such as 2021-06-01, got {shown(value)}",
            path,
        )
    return value


def _check_quota(value: object, path: tuple[str, ...]) -> int | None:
    if value is not None and (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 0 <= value <= MAX_FLIGHTS
    ):
        raise MembershipError(
            f"expected a whole number of flights in 0..{MAX_FLIGHTS}, got "
            f"{shown(value)}",
            path,
        )
    return value


def _check_join(join: Join, path: tuple[str, ...]) -> None:
    _check_date(join.date, (*path, "date"))
    _check_quota(join.passive_quota, (*path, "passive_quota"))


def apply_membership(treaty: Treaty, membership: Membership) -> Treaty:
    """Return ``treaty`` with the parties changed by ``membership``.

    Parameters
    ----------
    treaty
        The treaty data; not modified.
    membership
        Who leaves and who joins, and when.

    Returns
    -------
    Treaty
        ``treaty`` itself if ``membership`` is empty, else a new treaty built
        from the same tables (territories and airfields shared).

    Raises
    ------
    MembershipError
        If a code is unknown, a leaving state is not a party the day before its
        exit, a joining state is already a party on its date or lacks data, or
        a state both leaves and joins (names the key).

    References
    ----------
    Treaty on Open Skies, Art. XV, Art. XVII, Annex A Section II para 4.
    """
    if not membership:
        return treaty
    states = {s.iso3: s for s in treaty.states}
    memberships = list(treaty.memberships)
    quotas = list(treaty.passive_quota_history)
    parties = _parties(treaty)
    leaving: set[str] = set()
    for code, day in membership.leave.items():
        for iso3 in _leaving(treaty, code, day):
            leaving.add(iso3)
            states[iso3] = replace(states[iso3], left=day)
            memberships = _end_memberships(memberships, iso3, day)
        quotas = _end_quotas(quotas, memberships, day)
    for code, join in membership.join.items():
        where = ("membership", "join", code)
        if code.strip().upper() in leaving:
            raise MembershipError(
                "a state may leave or join in one scenario, not both", where
            )
        iso3 = _joining(treaty, code, join.date, where)
        state = states[iso3]
        states[iso3] = (
            replace(state, rejoined=join.date)
            if state.in_force is not None
            else replace(state, in_force=join.date, in_force_status="inferred")
        )
        parties.setdefault(iso3, PartyInfo(iso3, state.name, "state", _SOURCE))
        memberships.append(PartyMembership(iso3, iso3, join.date, None))
        quota = _quota(treaty, iso3, join, where)
        quotas.append(PassiveQuota(iso3, join.date, None, quota, "inferred", _SOURCE))
    return Treaty(
        states=states,
        parties=parties,
        memberships=tuple(memberships),
        passive_quotas=tuple(quotas),
        airfields=treaty.all_airfields,
        restrictions=treaty.all_restrictions,
        territories={c: treaty.state_territory(c) for c in treaty.territory_codes},
        first_distribution=treaty.first_distribution,
        sources=treaty.sources,
        inferred=treaty.inferred,
    )


def _parties(treaty: Treaty) -> dict[str, PartyInfo]:
    codes = {m.party for m in treaty.memberships} | {
        q.party for q in treaty.passive_quota_history
    }
    return {code: treaty.party_info(code) for code in sorted(codes)}


def _leaving(treaty: Treaty, code: str, day: dt.date) -> tuple[str, ...]:
    """Return the states that leave with ``code``, checking they can."""
    where = ("membership", "leave", code)
    before = treaty.as_of(day - dt.timedelta(days=1))
    try:
        key = treaty.normalise(code)
        states = (key,) if key in before.members else before.party(key).states
    except OpenSkiesError as err:
        raise MembershipError(
            f"{err} (a state leaves from a date on which it is a party, the "
            f"day before {day.isoformat()})",
            where,
        ) from None
    return states


def _end_memberships(
    rows: list[PartyMembership], iso3: str, day: dt.date
) -> list[PartyMembership]:
    out = []
    for row in rows:
        if row.state != iso3 or (row.valid_to is not None and row.valid_to <= day):
            out.append(row)
        elif row.valid_from < day:
            out.append(replace(row, valid_to=day))
    return out


def _end_quotas(
    rows: list[PassiveQuota], memberships: list[PartyMembership], day: dt.date
) -> list[PassiveQuota]:
    """End the quota rows of parties that hold no state from ``day`` on."""
    alive = {m.party for m in memberships if m.valid_to is None or m.valid_to > day}
    out = []
    for row in rows:
        if row.party in alive or (row.valid_to is not None and row.valid_to <= day):
            out.append(row)
        elif row.valid_from < day:
            out.append(replace(row, valid_to=day))
    return out


def _joining(treaty: Treaty, code: str, day: dt.date, where: tuple[str, ...]) -> str:
    """Return the ISO3 code of a joining state, checking it has its data."""
    try:
        state = treaty.state(code)
    except OpenSkiesError as err:
        raise MembershipError(
            f"{err}; a new state needs its data: add it to states.csv, its "
            "territory to territories.geojson and its airfields to airfields.csv",
            where,
        ) from None
    if state.is_party_on(day):
        raise MembershipError(
            f"{state.iso3} is already a party on {day.isoformat()}", where
        )
    if state.in_force is not None and day < state.in_force:
        raise MembershipError(
            f"{state.iso3} becomes a party on {state.in_force.isoformat()} in the "
            f"data; a join must come after it left",
            where,
        )
    has_osa = any(
        a.state == state.iso3 and "OSA" in a.roles for a in treaty.all_airfields
    )
    if state.iso3 not in treaty.territory_codes or not has_osa:
        raise MembershipError(
            f"{state.iso3} has no territory or no Open Skies airfield in the "
            "data; a new state needs its data: add its territory to "
            "territories.geojson and its airfields to airfields.csv",
            where,
        )
    return state.iso3


def _quota(treaty: Treaty, iso3: str, join: Join, where: tuple[str, ...]) -> int:
    if join.passive_quota is not None:
        return join.passive_quota
    rows = [q for q in treaty.passive_quota_history if q.party == iso3]
    if not rows:
        raise MembershipError(
            f"{iso3} never held a passive quota; give passive_quota (Annex A II.4)",
            (*where, "passive_quota"),
        )
    return max(rows, key=lambda q: q.valid_from).value
