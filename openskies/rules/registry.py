"""The rules an observation route is checked against, built once and cached.

A :class:`RuleSet` gathers, for one observer, observed party and date, the
observed territory (prepared), the eligible starting and ending airfields, the
10 km zone around adjacent non-party states (buffered geodesically, per
neighbour, once) and each restriction in force turned into a testable area.
:func:`openskies.rules.legality.check_route` and
:func:`openskies.rules.batch.check_routes` both read it.

References
----------
Treaty on Open Skies, Art. VI.II.4 (10 km from non-party states), Annex A III,
Annex E; treaty.md section 5 (restrictions).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openskies.caching import cached
from openskies.errors import OptionsError
from openskies.geo.geodesy import geodesic_buffer
from openskies.options import Reading
from openskies.rules.airfields import End, eligible

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

    from openskies.treaty.model import Airfield, Restriction, Treaty, TreatyView

__all__ = [
    "BORDER_KM",
    "READINGS",
    "REPEAT_DECIMALS",
    "TOLERANCE_KM",
    "RestrictionCheck",
    "RuleSet",
    "as_view",
    "check_options",
    "neighbour_buffer",
    "route_rules",
    "rule_set",
]

#: Readings of disputed restrictions: the treaty text, or the observed party's
#: (:class:`~openskies.options.Reading`).
READINGS = tuple(Reading)
#: Least distance from an adjacent non-party state [km] (Art. VI.II.4).
BORDER_KM = 10.0
#: Default tolerance between a route's end points and an airfield [km].
TOLERANCE_KM = 5.0
#: Decimals of a degree to which waypoints are compared for repeats.
REPEAT_DECIMALS = 6
_IGNORED_KINDS = ("quota_freeze", "designation")
_NOT_ROUTE_KINDS = ("altitude_floor", "airfield_limit")


@dataclass(frozen=True)
class RestrictionCheck:
    """A restriction turned into something a track can be tested against.

    Attributes
    ----------
    restriction
        The restriction.
    area
        Prepared geometry tested against the track: the region of a distance
        sub-limit, the buffered corridor, the no-fly area; None for a ban.
    label
        Key of the region in ``distance_by_region`` (distance sub-limits).
    """

    restriction: Restriction
    area: BaseGeometry | None
    label: str = ""

    def binding(self, reading: str) -> bool:
        """Whether a breach makes the route illegal under ``reading``."""
        return reading == "observed-party" or not self.restriction.disputed


@dataclass(frozen=True)
class RuleSet:
    """Everything a route is checked against, for one observer, party and date.

    Built once per (treaty, date, observer, observed) by :func:`rule_set` and
    shared by :func:`check_route` and :func:`~openskies.check_routes`.
    """

    date: dt.date
    observer: str
    observed: str
    states: tuple[str, ...]
    territory: BaseGeometry
    state_territories: tuple[BaseGeometry, ...]
    start_airfields: tuple[Airfield, ...]
    end_airfields: tuple[Airfield, ...]
    border_states: tuple[str, ...]
    border: BaseGeometry | None
    checks: tuple[RestrictionCheck, ...]
    unchecked: tuple[str, ...]
    treaty: Treaty = field(repr=False)


def check_options(reading: object, tolerance_km: object) -> None:
    """Refuse an unknown ``reading`` or a ``tolerance_km`` that is not > 0 [km]."""
    if not isinstance(reading, str) or reading not in READINGS:
        raise OptionsError(
            f"reading {reading!r} is not known; use one of {', '.join(READINGS)}"
        )
    if not (
        isinstance(tolerance_km, int | float)
        and not isinstance(tolerance_km, bool)
        and 0 < tolerance_km < math.inf
    ):
        raise OptionsError(
            f"tolerance_km must be a positive number of km; got {tolerance_km!r}"
        )


def as_view(view: object) -> TreatyView:
    """Return ``view`` if it is a TreatyView, else raise an OptionsError."""
    from openskies.treaty.model import TreatyView

    if not isinstance(view, TreatyView):
        raise OptionsError(
            "view must be a TreatyView such as load_treaty().as_of('2019-06-01'), "
            f"got {type(view).__name__}"
        )
    return view


def route_rules(view: TreatyView, observer: object, observed: object) -> RuleSet:
    """Return the rules of a flight by ``observer`` over ``observed``; both required.

    Unlike :func:`rule_set`, a missing observer (None) is refused: a route is
    always flown by someone, and leaving it out would silently drop every
    restriction aimed at particular observers.

    Raises
    ------
    UnknownStateError
        If a code is not a string naming a known state or party (None included).
    NotAPartyError
        If observer or observed is not a party on the view's date.
    OptionsError
        If both belong to the same party.
    """
    return rule_set(
        view, view.treaty.normalise(observer), view.treaty.normalise(observed)
    )


def rule_set(view: TreatyView, observer: str | None, observed: str) -> RuleSet:
    """Return the rules a route by ``observer`` over ``observed`` must keep.

    With ``observer=None`` only the restrictions that apply to every observer
    are included.

    Raises
    ------
    UnknownStateError
        If a code is unknown.
    NotAPartyError
        If observer or observed is not a party on the view's date.
    OptionsError
        If both belong to the same party.
    """
    observed_party = view.party_of(observed)
    if observer is None:
        return _rule_set(_Keyed(view), "", observed_party)
    if view.party_of(observer) == observed_party:
        raise OptionsError(
            f"{observer} cannot observe {observed}: both belong to {observed_party}"
        )
    return _rule_set(_Keyed(view), view.treaty.normalise(observer), observed_party)


@dataclass(frozen=True)
class _Keyed:
    """A view as a cache key: equal for views of one treaty on one date."""

    view: TreatyView = field(compare=False)
    treaty: Treaty = field(init=False)
    date: dt.date = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "treaty", self.view.treaty)
        object.__setattr__(self, "date", self.view.date)


@cached(maxsize=256)
def _rule_set(keyed: _Keyed, observer: str, observed: str) -> RuleSet:
    import shapely

    view, treaty = keyed.view, keyed.treaty
    states = view.party(observed).states
    territory = view.territory(observed)
    shapely.prepare(territory)
    own = tuple(treaty.state_territory(s) for s in states)
    shapely.prepare(list(own))
    airfields = view.airfields(observed)
    neighbours = treaty.neighbours(states, view.members)
    border = _border_zone(treaty, states, neighbours) if neighbours else None
    checks: list[RestrictionCheck] = []
    unchecked: list[str] = []
    for restriction in view.restrictions(observed=observed, observer=observer or None):
        if not observer and restriction.applies_to:
            continue  # no observer named: only restrictions on every observer
        check, reason = _restriction_check(treaty, restriction)
        if check is not None:
            checks.append(check)
        elif reason:
            unchecked.append(
                f"{restriction.id} ({restriction.kind}, {restriction.legal_status}) "
                f"not checked: {reason}"
            )
    return RuleSet(
        date=view.date,
        observer=observer,
        observed=observed,
        states=states,
        territory=territory,
        state_territories=own,
        start_airfields=eligible(airfields, End.START),
        end_airfields=eligible(airfields, End.END),
        border_states=neighbours,
        border=border,
        checks=tuple(checks),
        unchecked=tuple(unchecked),
        treaty=treaty,
    )


@cached(maxsize=64)
def neighbour_buffer(
    treaty: Treaty, neighbour: str, states: tuple[str, ...]
) -> BaseGeometry:
    """Return the 10 km band of ``neighbour`` next to ``states`` (Art. VI.II.4)."""
    return geodesic_buffer(
        treaty.state_territory(neighbour),
        BORDER_KM,
        near=treaty.union_territory(states),
    )


@cached(maxsize=64)
def _border_zone(
    treaty: Treaty, states: tuple[str, ...], neighbours: tuple[str, ...]
) -> BaseGeometry:
    import shapely

    zone = shapely.union_all([neighbour_buffer(treaty, n, states) for n in neighbours])
    shapely.prepare(zone)
    return zone


@cached(maxsize=64)
def _corridor(treaty: Treaty, restriction: Restriction) -> BaseGeometry:
    import shapely

    assert restriction.geometry is not None
    assert restriction.value is not None
    zone = geodesic_buffer(restriction.geometry, restriction.value)
    shapely.prepare(zone)
    return zone


def _restriction_check(
    treaty: Treaty, restriction: Restriction
) -> tuple[RestrictionCheck | None, str]:
    """Return the check for a restriction, or why it cannot be checked."""
    import shapely

    kind, geometry, value = restriction.kind, restriction.geometry, restriction.value
    if kind in _IGNORED_KINDS:
        return None, ""
    if kind == "mission_ban":
        return RestrictionCheck(restriction, None), ""
    if kind in _NOT_ROUTE_KINDS:
        return None, "a route holds no altitudes or airfield stops"
    if geometry is None:
        return None, "the data hold no area for it"
    if kind == "no_fly":
        shapely.prepare(geometry)
        return RestrictionCheck(restriction, geometry), ""
    if value is None or restriction.unit != "km":
        return None, "the data hold no distance in km for it"
    if kind == "distance_sublimit":
        shapely.prepare(geometry)
        label = "+".join(restriction.geometry_refs) or restriction.id
        return RestrictionCheck(restriction, geometry, label), ""
    return RestrictionCheck(restriction, _corridor(treaty, restriction)), ""
