"""The catalogue of route rules: one frozen record per rule, with its article.

Every rule a route is checked against has a stable id (:class:`RuleId`), the
treaty article it comes from and the template of its message
(:data:`RULES`).  A restriction in force is reported under its own id (a data
value, e.g. ``KGD-500``); its kind gives the template (:data:`RESTRICTION_RULES`).
The checks themselves are written once, in :mod:`openskies.rules.kernel`, and
shared by :func:`~openskies.check_route`, :func:`~openskies.check_routes`, the
planner's free space and the reachable area.

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-5, Annex A III, Annex E; treaty.md
R16-R17 and section 5 (restrictions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "RESTRICTION_RANK",
    "RESTRICTION_RULES",
    "RULES",
    "Rule",
    "RuleId",
    "rank_of",
]


class RuleId(StrEnum):
    """Stable ids of the treaty's route rules (those of the developer reference)."""

    START = "R17-start"
    END = "R17-end"
    TERRITORY = "R17-territory"
    DISTANCE = "R16"
    BORDER = "R17-border"
    REPEAT = "R17-repeat"


@dataclass(frozen=True)
class Rule:
    """One route rule.

    Attributes
    ----------
    id
        Stable id: a :class:`RuleId`, or for a restriction its kind.
    article
        Where the rule comes from (treaty article or treaty.md section).
    summary
        What the rule checks, in one line.
    message
        Template of the message of a breach (``str.format`` fields).
    rank
        Place of the rule among the findings of one route (ascending).
    """

    id: str
    article: str
    summary: str
    message: str
    rank: int

    def say(self, **fields: object) -> str:
        """Return the message of a breach, the template filled with ``fields``."""
        return self.message.format(**fields)


def _catalogue(*rules: Rule) -> Mapping[str, Rule]:
    return MappingProxyType({rule.id: rule for rule in rules})


#: The treaty's route rules, by id.
RULES: Mapping[str, Rule] = _catalogue(
    Rule(
        RuleId.START,
        "Art. VI.II.4, Annex E",
        "starts within the tolerance of an Open Skies airfield or point of entry "
        "of the observed party with a maximum flight distance in force",
        "the route starts {km:,.1f} km from {airfield}, the {how} airfield; it "
        "must start within {tolerance:g} km of {what}",
        0,
    ),
    Rule(
        RuleId.END,
        "Art. VI.II.4",
        "ends within the tolerance of an Open Skies airfield or point of exit "
        "of the observed party",
        "the route ends {km:,.1f} km from {airfield}, the {how} airfield; it "
        "must end within {tolerance:g} km of {what}",
        1,
    ),
    Rule(
        RuleId.TERRITORY,
        "Art. II.11, VI.II.2",
        "observation legs, followed along their geodesics, stay in the observed "
        "party's territory",
        "observation legs leave the territory of {observed} for {km:,.1f} km; "
        "keep them inside or declare those legs transit (sensors off)",
        2,
    ),
    Rule(
        RuleId.DISTANCE,
        "Art. VI.II.4(A), Annex A III",
        "observation length at most the starting airfield's maximum flight distance",
        "observation length {km:,.1f} km exceeds the maximum flight distance "
        "{limit:,.0f} km of {airfield} (Annex A III); shorten the route or "
        "declare legs outside the territory as transit",
        3,
    ),
    Rule(
        RuleId.BORDER,
        "Art. VI.II.4",
        "observation legs keep 10 km from every adjacent non-party state",
        "observation legs come within {border:g} km of non-party {near}{closest}; "
        "keep 10 km from the border of non-party states",
        4,
    ),
    Rule(
        RuleId.REPEAT,
        "Art. VI.II.4",
        "no waypoint declared twice, except an end equal to the start",
        "{count} waypoint(s) declared twice, e.g. lon {lon}, lat {lat}; a route may "
        "not pass the same point twice except to end where it started",
        1000,
    ),
)

#: Rank of the first restriction among the findings of a route; restrictions
#: follow in the order of the rule set.
RESTRICTION_RANK = 100

#: Restriction rules a route can break, by restriction kind (treaty.md section 5).
RESTRICTION_RULES: Mapping[str, Rule] = _catalogue(
    Rule(
        "mission_ban",
        "treaty.md section 5",
        "the observed party refuses the observer's missions",
        "{observed} refuses missions by {observer} ({status})",
        RESTRICTION_RANK,
    ),
    Rule(
        "distance_sublimit",
        "treaty.md section 5",
        "observation length inside a region at most the sub-limit",
        "{km:,.1f} km of observation track over {region} exceeds the sub-limit "
        "of {limit:g} km ({status})",
        RESTRICTION_RANK,
    ),
    Rule(
        "no_fly",
        "treaty.md section 5",
        "no track (transit included) inside the area",
        "track enters a no-fly area ({status})",
        RESTRICTION_RANK,
    ),
    Rule(
        "buffer_corridor",
        "treaty.md section 5",
        "observation track keeps the given distance from the geometry",
        "observation track comes {km:,.1f} km from {where}, closer than {limit:g} "
        "km ({status})",
        RESTRICTION_RANK,
    ),
)


def rank_of(rule: str, order: int = 0) -> int:
    """Return the rank of ``rule`` among a route's findings.

    ``order`` is the position of a restriction in its rule set; the treaty's
    rules keep their catalogue rank.
    """
    known = RULES.get(rule)
    return known.rank if known is not None else RESTRICTION_RANK + order
