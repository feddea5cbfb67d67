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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from openskies._tables import parse_date
from openskies.errors import NotAPartyError, UnknownStateError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "AIRFIELD_ROLES",
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

#: How sure a value is: treaty text, observed practice, our inference, or unconfirmed.
STATUSES = ("confirmed", "practice", "inferred", "unconfirmed")
#: Airfield roles: point of entry/exit, Open Skies airfield, refuelling airfield,
#: calibration target, entry/exit fix.
AIRFIELD_ROLES = ("POE", "OSA", "REF", "CAL", "FIX")
#: Kinds of restriction (treaty.md section 5).
RESTRICTION_KINDS = (
    "distance_sublimit",
    "buffer_corridor",
    "no_fly",
    "altitude_floor",
    "mission_ban",
    "quota_freeze",
    "airfield_limit",
    "designation",
)
#: Date the treaty entered into force.
ENTRY_INTO_FORCE = dt.date(2002, 1, 1)


def _within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    """Whether ``day`` lies in the half-open period ``[start, end)``."""
    return (start is None or start <= day) and (end is None or day < end)


@dataclass(frozen=True, slots=True)
class State:
    """A sovereign state known to the treaty data.

    Attributes
    ----------
    iso3
        ISO 3166 alpha-3 code.
    name
        English short name.
    in_force
        Date the treaty entered into force for it; None if never a party.
    left
        Date its withdrawal took effect (first day it is no longer a party).
    in_force_status
        How sure ``in_force`` is (one of :data:`STATUSES`).
    note
        Free text.
    """

    iso3: str
    name: str
    in_force: dt.date | None
    left: dt.date | None
    in_force_status: str = "confirmed"
    note: str = ""

    def is_party_on(self, day: dt.date) -> bool:
        """Whether the state is a State Party on ``day``."""
        return self.in_force is not None and _within(day, self.in_force, self.left)


@dataclass(frozen=True, slots=True)
class PartyInfo:
    """A quota-holding unit's identity (a state, Benelux, or a common-quota group)."""

    code: str
    name: str
    kind: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class PartyMembership:
    """``state`` holds its quota through ``party`` in ``[valid_from, valid_to)``."""

    state: str
    party: str
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True, slots=True)
class PassiveQuota:
    """Passive quota of ``party`` in ``[valid_from, valid_to)`` (Annex A I).

    ``status`` says whether the value is confirmed (treaty text), observed practice,
    or an unconfirmed placeholder.
    """

    party: str
    valid_from: dt.date
    valid_to: dt.date | None
    value: int
    status: str
    source: str


@dataclass(frozen=True, slots=True)
class Party:
    """A quota-holding party on a given date, as returned by :class:`TreatyView`.

    Attributes
    ----------
    code
        ``BENELUX``, ``RUS_BLR`` or the state's ISO3 code.
    name
        Its name.
    kind
        ``state``, ``single_party`` (Benelux) or ``common_quota_group``.
    passive_quota
        Flights it must accept per calendar year [flights].
    quota_status
        How sure the passive quota is (one of :data:`STATUSES`).
    states
        ISO3 codes of its member states on that date.
    """

    code: str
    name: str
    kind: str
    passive_quota: int
    quota_status: str
    states: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FlightDistance:
    """A maximum flight distance from one airfield (Annex A III).

    Rows with no ``valid_from`` are announced values of unknown date: kept as data,
    never applied.  Rows with a ``condition`` apply only to flights meeting it
    (e.g. flights that include the Scilly Isles) and are not applied by default.
    """

    max_km: float
    valid_from: dt.date | None
    valid_to: dt.date | None
    status: str
    condition: str
    source: str

    def applies_on(self, day: dt.date) -> bool:
        """Whether this is the unconditional distance in force on ``day``."""
        return (
            self.valid_from is not None
            and not self.condition
            and _within(day, self.valid_from, self.valid_to)
        )


@dataclass(frozen=True, slots=True)
class Airfield:
    """An Open Skies airfield, point of entry or other designated site.

    Attributes
    ----------
    id
        Identifier: the ICAO code where there is one.
    state
        ISO3 code of the state it lies in.
    name
        Its name.
    icao
        ICAO location indicator ('' if none); see ``icao_status``.
    icao_status
        ``treaty`` (code printed in the treaty), ``unconfirmed`` or ``none``.
    roles
        Subset of :data:`AIRFIELD_ROLES`.
    inspection
        Whether pre-flight inspection is possible there.
    lon, lat
        Position [degrees, WGS84].
    position_status
        ``confirmed`` (treaty coordinates) or ``unconfirmed`` (placeholder).
    distances
        Every maximum flight distance recorded for flights starting here.
    max_distance_km
        The distance in force on the view's date [km]; None if none is known
        (always None on airfields taken from :class:`Treaty` rather than a view).
    valid_from, valid_to
        Half-open period in which the site is designated (None: open).
    note
        Free text.
    """

    id: str
    state: str
    name: str
    icao: str
    icao_status: str
    roles: frozenset[str]
    inspection: bool
    lon: float
    lat: float
    position_status: str
    distances: tuple[FlightDistance, ...] = ()
    max_distance_km: float | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    note: str = ""

    def in_use_on(self, day: dt.date) -> bool:
        """Whether the airfield is designated on ``day`` (open periods: always)."""
        return _within(day, self.valid_from, self.valid_to)

    def max_distance_on(self, day: dt.date) -> float | None:
        """Return the unconditional maximum flight distance in force on ``day`` [km]."""
        for distance in self.distances:
            if distance.applies_on(day):
                return distance.max_km
        return None


@dataclass(frozen=True, slots=True)
class Restriction:
    """A time-bounded rule that narrows what observation flights may do.

    Attributes
    ----------
    id
        Identifier, e.g. ``KGD-500``.
    kind
        One of :data:`RESTRICTION_KINDS`.
    imposed_by
        ISO3 code of the imposing state ('' for a collective fact).
    observed
        ISO3 code of the state whose territory it concerns, or ``all``.
    applies_to
        Observer codes it applies to; empty means every observer.
    geometry_refs
        Ids of features in ``restriction_areas.geojson``.
    geometry
        The union of those features (None if the restriction has no geometry).
    value, unit
        Its value (None if unknown) and unit (``km``, ``m``, ``flights``).
    value_status, dates_status
        How sure the value and the dates are.
    valid_from, valid_to
        Half-open period in force.
    legal_status
        ``agreed``, ``disputed``, ``de_facto``, ``fact`` or ``rejected``.
    note
        Free text.
    """

    id: str
    kind: str
    imposed_by: str
    observed: str
    applies_to: tuple[str, ...]
    geometry_refs: tuple[str, ...]
    value: float | None
    unit: str
    value_status: str
    valid_from: dt.date
    valid_to: dt.date | None
    dates_status: str
    legal_status: str
    note: str = ""
    geometry: BaseGeometry | None = field(default=None, compare=False, repr=False)

    @property
    def disputed(self) -> bool:
        """Whether the restriction's legality under the treaty is contested."""
        return self.legal_status in ("disputed", "rejected", "de_facto")

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the restriction is in force on ``day``."""
        return _within(day, self.valid_from, self.valid_to)

    def applies_to_observer(self, observer_states: tuple[str, ...]) -> bool:
        """Whether it applies to an observer made of ``observer_states``."""
        return not self.applies_to or any(s in self.applies_to for s in observer_states)


@dataclass(frozen=True, slots=True)
class DistributionEntry:
    """One line of a distribution of active quotas.

    ``flights`` flights of ``observer`` over ``observed``; ``shared`` of them are
    shared with ``shared_with`` (one shared flight uses one unit of the observed
    party's passive quota).
    """

    observer: str
    observed: str
    flights: int
    shared: int = 0
    shared_with: str = ""


TerritoryLoader = Callable[[], Mapping[str, "BaseGeometry"]]


class Treaty:
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
    ) -> None:
        self._states = dict(states)
        self._parties = dict(parties)
        self._memberships = memberships
        self._passive_quotas = passive_quotas
        self._airfields = airfields
        self._restrictions = restrictions
        self._territories = dict(territories)
        self.first_distribution = first_distribution
        self.sources = dict(sources or {})
        self._unions: dict[tuple[str, ...], BaseGeometry] = {}

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
    def known_codes(self) -> frozenset[str]:
        """Every state and party code the data know."""
        return frozenset(self._states) | frozenset(self._parties)

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
        """Return ``code`` upper-cased and stripped, checking it is known.

        Raises
        ------
        UnknownStateError
            If ``code`` is not a string naming a known state or party.
        """
        if not isinstance(code, str):
            raise UnknownStateError(code, self.known_codes)
        text = code.strip().upper()
        if text not in self._states and text not in self._parties:
            raise UnknownStateError(code, self.known_codes)
        return text

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
        if key not in self._unions:
            from shapely import union_all

            self._unions[key] = union_all([self.state_territory(s) for s in key])
        return self._unions[key]

    @property
    def territory_codes(self) -> tuple[str, ...]:
        """ISO3 codes of every state whose territory is in the geodata."""
        return tuple(self._territories)

    def as_of(self, day: dt.date | dt.datetime | str) -> TreatyView:
        """Return the treaty as it stood on ``day``.

        Parameters
        ----------
        day
            A date, datetime or ISO 8601 date string.

        Raises
        ------
        ValueError
            If ``day`` is not a date.
        """
        return TreatyView(self, parse_date(day))


class TreatyView:
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
            if membership.state in members and _within(
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
            if row.party == party and _within(self.date, row.valid_from, row.valid_to):
                return row
        from openskies.errors import DataError

        raise DataError(
            f"no passive quota for {party} on {self.date.isoformat()}; add a row to "
            "passive_quotas.csv",
            file="passive_quotas.csv",
        )

    def _not_a_party(self, code: str) -> NotAPartyError:
        if code in self.treaty._states:
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
        ValueError
            If ``role`` is not a known role.
        """
        states = self._member_states(code)
        if role is not None and role not in AIRFIELD_ROLES:
            raise ValueError(
                f"unknown airfield role {role!r}; "
                f"use one of {', '.join(AIRFIELD_ROLES)}"
            )
        return tuple(
            replace(a, max_distance_km=a.max_distance_on(self.date))
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
            If no airfield has that id.
        """
        key = ident.strip().upper()
        for airfield in self.treaty.all_airfields:
            if key in (airfield.id, airfield.icao):
                return replace(
                    airfield, max_distance_km=airfield.max_distance_on(self.date)
                )
        raise UnknownStateError(ident, (a.id for a in self.treaty.all_airfields))

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
        if key in self.treaty._parties and key not in self.treaty._states:
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
        from shapely import intersects

        own = self.territory(code)
        members = set(self.members)
        return tuple(
            iso3
            for iso3 in self.treaty.territory_codes
            if iso3 not in members
            and intersects(own, self.treaty.state_territory(iso3))
        )
