"""The treaty's records: states, parties, quotas, airfields, restrictions.

Small frozen value types, one per row of the ``quotas/`` and ``geodata/`` tables
(or, for :class:`Party`, one per party in force on a date).  The
:class:`~openskies.treaty.model.Treaty` holds them;
:mod:`openskies.treaty.territory` and :mod:`openskies.treaty.loading` build them
from the files.

References
----------
Treaty on Open Skies (Helsinki, 24 March 1992): Art. III (quotas), Art. XIV
(Benelux), Annex A (quotas and maximum flight distances), Annex E (airfields).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "AIRFIELD_ROLES",
    "ENTRY_INTO_FORCE",
    "MAX_FLIGHTS",
    "RESTRICTION_KINDS",
    "SIGNATURE",
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
    "within",
]

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
#: Date the treaty was signed in Helsinki; no treaty date in the data is earlier.
SIGNATURE = dt.date(1992, 3, 24)
#: Largest quota or flight count a table may hold [flights per year]; the largest
#: real passive quota is 42 (Annex A I), so this only catches corrupt values.
MAX_FLIGHTS = 1000


def within(day: dt.date, start: dt.date | None, end: dt.date | None) -> bool:
    """Return whether ``day`` lies in the half-open period ``[start, end)``."""
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
    rejoined
        Date a later accession took effect after ``left`` (what-if scenarios,
        Art. XVII); None if it never rejoined.
    iso2
        ISO 3166-1 alpha-2 code (``quotas/states.csv`` column ``iso2``);
        ``""`` when the table has no such column.
    """

    iso3: str
    name: str
    in_force: dt.date | None
    left: dt.date | None
    in_force_status: str = "confirmed"
    note: str = ""
    rejoined: dt.date | None = None
    iso2: str = ""

    def is_party_on(self, day: dt.date) -> bool:
        """Whether the state is a State Party on ``day``."""
        if self.rejoined is not None and day >= self.rejoined:
            return True
        return self.in_force is not None and within(day, self.in_force, self.left)


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
    Rows with status ``inferred`` (our derived bounds, e.g. Annex E 5) apply only
    when asked for (``inferred=True``), and then only where no other row applies.
    ``source`` names the publisher, date and title or address of the value (see
    ``geodata/README.md``).
    """

    max_km: float
    valid_from: dt.date | None
    valid_to: dt.date | None
    status: str
    condition: str
    source: str

    def applies_on(self, day: dt.date, *, inferred: bool = False) -> bool:
        """Whether this is the unconditional distance in force on ``day``.

        ``inferred`` rows count only if ``inferred`` is true.
        """
        return (
            self.valid_from is not None
            and not self.condition
            and (inferred or self.status != "inferred")
            and within(day, self.valid_from, self.valid_to)
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
    distance
        The :class:`FlightDistance` row in force on the view's date, with its
        ``status`` and ``source``; None like ``max_distance_km``.
    valid_from, valid_to
        Half-open period in which the site is designated (None: open).
    note
        Free text.
    source
        Where the site (designation, position) comes from.
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
    distance: FlightDistance | None = None
    source: str = ""

    def in_use_on(self, day: dt.date) -> bool:
        """Whether the airfield is designated on ``day`` (open periods: always)."""
        return within(day, self.valid_from, self.valid_to)

    def distance_on(
        self, day: dt.date, *, inferred: bool = False
    ) -> FlightDistance | None:
        """Return the unconditional distance row in force on ``day``, or None.

        An ``inferred`` row (only with ``inferred=True``) is returned only when
        no other row applies: a derived bound never overrides a known value.
        """
        applying = [d for d in self.distances if d.applies_on(day, inferred=inferred)]
        known = [d for d in applying if d.status != "inferred"]
        chosen = known or applying
        return chosen[0] if chosen else None

    def max_distance_on(self, day: dt.date, *, inferred: bool = False) -> float | None:
        """Return the unconditional maximum flight distance in force on ``day`` [km]."""
        distance = self.distance_on(day, inferred=inferred)
        return None if distance is None else distance.max_km


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
        return within(day, self.valid_from, self.valid_to)

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
