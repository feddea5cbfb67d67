"""The treaty as an immutable data model and its view on a date.

A :class:`Treaty` holds every table (states, parties, passive quotas, airfields,
restrictions, territories) over the whole life of the treaty; ``Treaty.as_of(date)``
returns a :class:`TreatyView` that answers what was in force on that date.

References
----------
Treaty on Open Skies (Helsinki, 24 March 1992): Art. III (quotas), Art. XIV
(Benelux), Art. XV and XVII (withdrawal, accession), Annex A (quotas and maximum
flight distances), Annex E (airfields).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from openskies.caching import BoundedCache
from openskies.errors import NotAPartyError, OptionsError, UnknownStateError
from openskies.files.tables import parse_date
from openskies.treaty import lookup
from openskies.treaty.frames import ViewFrames
from openskies.treaty.identity import LoadedData
from openskies.treaty.records import (
    AIRFIELD_ROLES,
    ENTRY_INTO_FORCE,
    RESTRICTION_KINDS,
    STATUSES,
    Airfield,
    DistributionEntry,
    FlightDistance,
    Party,
    PartyInfo,
    PartyMembership,
    PassiveQuota,
    Restriction,
    State,
    within,
)

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

# the records are re-exported: ``from openskies.treaty.model import Airfield``
__all__ = [
    "AIRFIELD_ROLES",
    "ENTRY_INTO_FORCE",
    "RESTRICTION_KINDS",
    "STATUSES",
    "Airfield",
    "DistributionEntry",
    "FlightDistance",
    "Party",
    "PartyInfo",
    "PartyMembership",
    "PassiveQuota",
    "Restriction",
    "State",
    "Treaty",
    "TreatyView",
]

_T = TypeVar("_T")
#: Most unions of territories a treaty keeps (a party's states, per date).
_UNIONS_KEPT = 64


class Treaty(LoadedData):
    """The Treaty on Open Skies as data over its whole life.

    Build it with :func:`openskies.load_treaty`; query it with :meth:`as_of`.
    """

    def __init__(
        self,
        *,
        states: Mapping[str, State],
        parties: Mapping[str, PartyInfo],
        memberships: tuple[PartyMembership, ...],
        passive_quotas: tuple[PassiveQuota, ...],
        airfields: tuple[Airfield, ...],
        restrictions: tuple[Restriction, ...],
        territories: Mapping[str, BaseGeometry],
        first_distribution: tuple[DistributionEntry, ...] = (),
        sources: Mapping[str, str] | None = None,
        inferred: bool = False,
    ) -> None:
        super().__init__()
        self._states = dict(states)
        self._parties = dict(parties)
        self._memberships = memberships
        self._passive_quotas = passive_quotas
        self._airfields = airfields
        self._restrictions = restrictions
        self._territories = dict(territories)
        self.first_distribution = first_distribution
        self.sources = dict(sources or {})
        #: Whether views apply ``inferred`` values (e.g. Annex E 5 lower bounds).
        self.inferred = inferred
        # the unions of several states' territories, by their sorted codes
        self._unions: BoundedCache[tuple[str, ...], BaseGeometry] = BoundedCache(
            _UNIONS_KEPT
        )
        # the non-party neighbours of some states, by states and parties
        self._neighbours: BoundedCache[
            tuple[tuple[str, ...], frozenset[str]], tuple[str, ...]
        ] = BoundedCache(_UNIONS_KEPT)

    def __repr__(self) -> str:
        """Summarise the data held."""
        return (
            f"Treaty({len(self._states)} states, {len(self._parties)} parties, "
            f"{len(self._airfields)} airfields, {len(self._restrictions)} restrictions)"
        )

    @property
    def states(self) -> tuple[State, ...]:
        """Every state in the data, parties or not, in table order."""
        return tuple(self._states.values())

    @property
    def state_codes(self) -> frozenset[str]:
        """ISO3 codes of every state in the data, parties or not."""
        return frozenset(self._states)

    @property
    def party_codes(self) -> frozenset[str]:
        """Codes of every party in the data (a state's, or a group's: BENELUX)."""
        return frozenset(self._parties)

    @property
    def known_codes(self) -> frozenset[str]:
        """Every state and party code the data know."""
        return self.state_codes | self.party_codes

    @property
    def passive_quota_history(self) -> tuple[PassiveQuota, ...]:
        """Every passive quota row with its period and status."""
        return self._passive_quotas

    @property
    def memberships(self) -> tuple[PartyMembership, ...]:
        """Which party each state held its quota through, and when."""
        return self._memberships

    @property
    def all_airfields(self) -> tuple[Airfield, ...]:
        """Every airfield with all its recorded distances."""
        return self._airfields

    @property
    def all_restrictions(self) -> tuple[Restriction, ...]:
        """Every restriction, whatever its period."""
        return self._restrictions

    def state(self, code: str) -> State:
        """Return the :class:`State` with ISO3 ``code``.

        Raises
        ------
        UnknownStateError
            If ``code`` is not a known state code.
        """
        return self._lookup(self._states, code)

    def party_info(self, code: str) -> PartyInfo:
        """Return the identity of the party with ``code``.

        Raises
        ------
        UnknownStateError
            If ``code`` is not a known party code.
        """
        return self._lookup(self._parties, code)

    def _lookup(self, table: Mapping[str, _T], code: str) -> _T:
        try:
            return table[self.normalise(code)]
        except KeyError:
            raise UnknownStateError(code, self.known_codes) from None

    def normalise(self, code: object) -> str:
        """Return the code of ``code`` (ISO3, ISO2 or name, any case), checking it.

        Raises
        ------
        UnknownStateError
            If ``code`` is not a string naming a known state or party.
        """
        if not isinstance(code, str):
            raise UnknownStateError(code, self.known_codes)
        if (text := lookup.resolve(code, self._states)) in self.known_codes:
            return text
        names = {c: s.name for c, s in self._states.items()}
        hints = lookup.suggest(code, sorted(self.known_codes), names)
        raise UnknownStateError(code, self.known_codes, suggestions=hints)

    def state_territory(self, iso3: str) -> BaseGeometry:
        """Return the land plus territorial sea of any state in the geodata.

        Unlike :meth:`TreatyView.territory` this also answers for non-party
        neighbours (needed for the 10 km border rule) and ignores dates.

        Raises
        ------
        UnknownStateError
            If the geodata hold no territory for ``iso3``.
        """
        key = iso3.strip().upper() if isinstance(iso3, str) else iso3
        try:
            return self._territories[key]
        except KeyError:
            raise UnknownStateError(iso3, self._territories) from None

    def union_territory(self, states: tuple[str, ...]) -> BaseGeometry:
        """Return the union of the territories of ``states`` (cached)."""
        if len(states) == 1:
            return self.state_territory(states[0])
        key = tuple(sorted(states))
        return self._unions.get(key, lambda: self._union(key))

    def _union(self, states: tuple[str, ...]) -> BaseGeometry:
        from shapely import union_all

        return union_all([self.state_territory(s) for s in states])

    def neighbours(
        self, states: tuple[str, ...], parties: Iterable[str]
    ) -> tuple[str, ...]:
        """Return the states not in ``parties`` touching the union of ``states``.

        ISO3 codes in the order of :attr:`territory_codes`, cached by content:
        the non-party neighbours whose border flights keep 10 km from
        (Art. VI.II.4).  Raises UnknownStateError for a state without territory.
        """
        key = (tuple(sorted(states)), frozenset(parties))
        return self._neighbours.get(key, lambda: self._touching(*key))

    def _touching(
        self, states: tuple[str, ...], parties: frozenset[str]
    ) -> tuple[str, ...]:
        import shapely

        territory = self.union_territory(states)
        shapely.prepare(territory)
        return tuple(
            code
            for code in self.territory_codes
            if code not in parties
            and shapely.intersects(territory, self.state_territory(code))
        )

    @property
    def territory_codes(self) -> tuple[str, ...]:
        """ISO3 codes of every state whose territory is in the geodata."""
        return tuple(self._territories)

    def using_inferred(self, inferred: bool = True) -> Treaty:
        """Return this treaty with ``inferred`` values applied (or not).

        ``inferred`` values are our derived bounds (``status = inferred`` in the
        tables, e.g. Georgia's Annex E 5 lower bound on its maximum flight
        distance); they are off by default.  The copy shares all parsed data.

        References
        ----------
        Treaty on Open Skies, Annex E, para 5(A).
        """
        twin = self._variant()
        twin.inferred = inferred
        return twin

    def as_of(self, day: dt.date | dt.datetime | str) -> TreatyView:
        """Return the treaty as it stood on ``day``.

        Parameters
        ----------
        day
            A date, datetime or ISO 8601 date string.

        Raises
        ------
        OptionsError
            If ``day`` is not a date (also a ``ValueError``).
        """
        parsed = parse_date(day)
        if parsed != parsed:  # pandas.NaT is a datetime whose .date() is NaT
            raise OptionsError(f"expected a date such as 2020-01-01, got {day!r}")
        return TreatyView(self, parsed)


class TreatyView(ViewFrames):
    """The treaty in force on one date; obtained from :meth:`Treaty.as_of`."""

    def __init__(self, treaty: Treaty, day: dt.date) -> None:
        self.treaty = treaty
        self.date = day

    def __repr__(self) -> str:
        """Summarise the view."""
        return (
            f"TreatyView({self.date.isoformat()}: {len(self.members)} states parties, "
            f"{len(self.parties)} quota-holding parties)"
        )

    @cached_property
    def members(self) -> tuple[str, ...]:
        """ISO3 codes of the states parties in force on the view's date."""
        return tuple(s.iso3 for s in self.treaty.states if s.is_party_on(self.date))

    @cached_property
    def _party_states(self) -> dict[str, tuple[str, ...]]:
        members = set(self.members)
        grouped: dict[str, list[str]] = {}
        for membership in self.treaty.memberships:
            if membership.state in members and within(
                self.date, membership.valid_from, membership.valid_to
            ):
                grouped.setdefault(membership.party, []).append(membership.state)
        return {code: tuple(states) for code, states in grouped.items()}

    @cached_property
    def parties(self) -> tuple[Party, ...]:
        """The quota-holding parties in force on the view's date."""
        result = []
        for code, states in self._party_states.items():
            info = self.treaty.party_info(code)
            quota = self._quota_row(code)
            result.append(
                Party(
                    code=code,
                    name=info.name,
                    kind=info.kind,
                    passive_quota=quota.value,
                    quota_status=quota.status,
                    states=states,
                )
            )
        return tuple(result)

    def _quota_row(self, party: str) -> PassiveQuota:
        for row in self.treaty.passive_quota_history:
            if row.party == party and within(self.date, row.valid_from, row.valid_to):
                return row
        from openskies.errors import DataError

        raise DataError(
            f"no passive quota for {party} on {self.date.isoformat()}; add a row to "
            "passive_quotas.csv",
            file="passive_quotas.csv",
        )

    def _not_a_party(self, code: str) -> NotAPartyError:
        if code in self.treaty.state_codes:
            state = self.treaty.state(code)
            return NotAPartyError(code, self.date, state.in_force, state.left)
        spans = [m for m in self.treaty.memberships if m.party == code]
        start = min((m.valid_from for m in spans), default=None)
        ends = [m.valid_to for m in spans]
        end = None if not ends or None in ends else max(e for e in ends if e)
        return NotAPartyError(code, self.date, start, end)

    def _member_states(self, code: str) -> tuple[str, ...]:
        """Return ``(code,)`` for a member state, else the states of its party."""
        key = self.treaty.normalise(code)
        return (key,) if key in self.members else self.party(key).states

    def party(self, code: str) -> Party:
        """Return the party holding the quota of state or party ``code``.

        Raises
        ------
        UnknownStateError
            If ``code`` is unknown.
        NotAPartyError
            If it is not in force on the view's date.
        """
        key = self.treaty.normalise(code)
        for party in self.parties:
            if party.code == key or key in party.states:
                return party
        raise self._not_a_party(key)

    def party_of(self, state: str) -> str:
        """Return the code of the party that holds ``state``'s quota.

        A party code answers for itself (``party_of("BENELUX") == "BENELUX"``).

        Raises
        ------
        UnknownStateError
            If ``state`` is unknown.
        NotAPartyError
            If it is not in force on the view's date.

        Examples
        --------
        >>> from openskies import load_treaty
        >>> load_treaty().as_of("2019-06-01").party_of("BEL")
        'BENELUX'
        """
        return self.party(state).code

    def passive_quota(self, code: str) -> int:
        """Return the passive quota of a party; a state answers for its party.

        Raises
        ------
        UnknownStateError
            If ``code`` is unknown.
        NotAPartyError
            If it is not in force on the view's date.
        """
        return self.party(code).passive_quota

    def territory(self, code: str) -> BaseGeometry:
        """Return the territory (land plus 12 nmi sea, EPSG:4326) of a state or party.

        A state answers with its own territory; a party with the union of its
        member states' territories on the view's date.

        Raises
        ------
        UnknownStateError
            If ``code`` is unknown.
        NotAPartyError
            If it is not in force on the view's date.
        """
        return self.treaty.union_territory(self._member_states(code))

    def airfields(self, code: str, role: str | None = None) -> tuple[Airfield, ...]:
        """Return the airfields of a state or party with the distances in force.

        Parameters
        ----------
        code
            State or party code; a party answers for all its states.
        role
            Keep only airfields with this role (one of :data:`AIRFIELD_ROLES`).

        Raises
        ------
        UnknownStateError
            If ``code`` is unknown.
        NotAPartyError
            If it is not in force on the view's date.
        OptionsError
            If ``role`` is not one of :data:`AIRFIELD_ROLES` (also a ``ValueError``).
        """
        states = self._member_states(code)
        if role is not None and (
            not isinstance(role, str) or role not in AIRFIELD_ROLES
        ):
            raise OptionsError(
                f"unknown airfield role {role!r}; "
                f"use one of {', '.join(AIRFIELD_ROLES)} or None for all"
            )
        return tuple(
            self._in_force(a)
            for a in self.treaty.all_airfields
            if a.state in states
            and a.in_use_on(self.date)
            and (role is None or role in a.roles)
        )

    def airfield(self, ident: str) -> Airfield:
        """Return the airfield with id or ICAO code ``ident`` as of the view's date.

        Raises
        ------
        UnknownStateError
            If ``ident`` is not a non-empty string naming an airfield by id or
            ICAO code (the message says "airfield").
        """
        key = ident.strip().upper() if isinstance(ident, str) else ""
        for airfield in self.treaty.all_airfields if key else ():
            if key in (airfield.id, airfield.icao):
                return self._in_force(airfield)
        known = (a.id for a in self.treaty.all_airfields) if key else ()
        raise UnknownStateError(ident, known, what="airfield")

    def _in_force(self, airfield: Airfield) -> Airfield:
        """``airfield`` with the distance row in force on the view's date."""
        distance = airfield.distance_on(self.date, inferred=self.treaty.inferred)
        return replace(
            airfield,
            distance=distance,
            max_distance_km=None if distance is None else distance.max_km,
        )

    def restrictions(
        self, observed: str | None = None, observer: str | None = None
    ) -> tuple[Restriction, ...]:
        """Return the restrictions in force on the view's date.

        Parameters
        ----------
        observed
            Keep those concerning this state's or party's territory.
        observer
            Keep those that apply to flights by this state or party.

        Raises
        ------
        UnknownStateError
            If a code is unknown.
        """
        observed_states = self._states_of(observed)
        observer_states = self._states_of(observer)
        return tuple(
            r
            for r in self.treaty.all_restrictions
            if r.in_force_on(self.date)
            and (
                observed_states is None
                or r.observed == "all"
                or r.observed in observed_states
            )
            and (observer_states is None or r.applies_to_observer(observer_states))
        )

    def _states_of(self, code: str | None) -> tuple[str, ...] | None:
        if code is None:
            return None
        key = self.treaty.normalise(code)
        for party in self.parties:
            if party.code == key:
                return party.states
        if key in self.treaty.party_codes and key not in self.treaty.state_codes:
            return tuple(m.state for m in self.treaty.memberships if m.party == key)
        return (key,)

    def adjacent_non_parties(self, code: str) -> tuple[str, ...]:
        """Return the non-party states whose territory touches that of ``code``.

        These are the states whose border an observation flight must keep 10 km
        from (Art. VI.II.4); a state that has withdrawn counts from its exit date.

        Raises
        ------
        UnknownStateError
            If ``code`` is unknown.
        NotAPartyError
            If it is not in force on the view's date.
        """
        return self.treaty.neighbours(self._member_states(code), self.members)
