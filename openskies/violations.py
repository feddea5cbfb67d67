"""The finding every validator returns: one broken rule, located and explained."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = ["Violation"]


@dataclass(frozen=True)
class Violation:
    """A rule that a distribution, schedule or route breaks.

    Attributes
    ----------
    rule
        The rule's reference, e.g. ``"III.I.5"`` (treaty article, section and
        paragraph) or a restriction id such as ``"KGD-500"``.
    message
        A sentence a user can act on: what is wrong, the value and the limit.
    parties
        The party or state codes concerned.
    value
        The offending quantity (flights, km, hours), if there is one.
    limit
        The limit it breaks, if there is one.
    where
        The offending piece of geometry (EPSG:4326), for route findings.
    restriction
        Id of the restriction broken, for restriction findings.
    legal_status
        The restriction's legal status (``agreed``, ``disputed``...), if any.
    binding
        False for findings reported under a reading that does not make the plan
        illegal (e.g. a disputed restriction under the treaty reading).
    """

    rule: str
    message: str
    parties: tuple[str, ...] = ()
    value: float | None = None
    limit: float | None = None
    where: BaseGeometry | None = None
    restriction: str | None = None
    legal_status: str | None = None
    binding: bool = True

    def __str__(self) -> str:
        """Return ``rule: message``."""
        return f"{self.rule}: {self.message}"
