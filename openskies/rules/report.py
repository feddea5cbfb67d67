"""The verdict on one route: :class:`LegalityReport`.

Returned by :func:`openskies.rules.legality.check_route`, with every finding
as a :class:`~openskies.violations.Violation`.

References
----------
Treaty on Open Skies, Art. II.11, VI.II.2-5, Annex A III.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import geopandas

    from openskies.violations import Violation

__all__ = ["LegalityReport"]


@dataclass(frozen=True)
class LegalityReport:
    """The verdict on one route.

    Attributes
    ----------
    legal
        True when no binding violation was found.
    violations
        Every finding, binding or not (see ``Violation.binding``).
    distance_km
        Length of the observation legs along WGS84 geodesics [km].
    distance_by_region
        Observation length per member state of the observed party, per region
        of a distance sub-limit in force (e.g. ``kaliningrad_oblast``), outside
        the territory (``outside``), and the length of transit legs
        (``transit``) [km].
    max_distance_km
        Maximum flight distance of the starting airfield in force [km].
    start_airfield, end_airfield
        Ids of the airfields the route was checked against (declared, else
        nearest eligible).
    observer, observed
        Observer code and observed party code.
    date
        Date the rules were taken from.
    reading
        ``treaty`` or ``observed-party``.
    unchecked
        Restrictions in force that apply but cannot be checked from the data.
    """

    legal: bool
    violations: tuple[Violation, ...]
    distance_km: float
    distance_by_region: Mapping[str, float]
    max_distance_km: float | None
    start_airfield: str | None
    end_airfield: str | None
    observer: str
    observed: str
    date: dt.date
    reading: str
    unchecked: tuple[str, ...] = ()

    @property
    def binding(self) -> tuple[Violation, ...]:
        """The violations that make the route illegal."""
        return tuple(v for v in self.violations if v.binding)

    @property
    def findings(self) -> tuple[Violation, ...]:
        """Findings that do not make the route illegal under the reading."""
        return tuple(v for v in self.violations if not v.binding)

    def __repr__(self) -> str:
        """Summarise the verdict in one line."""
        limit = (
            "" if self.max_distance_km is None else f" / {self.max_distance_km:,.0f}"
        )
        return (
            f"LegalityReport({'legal' if self.legal else 'illegal'}: {self.observer}"
            f" over {self.observed} on {self.date.isoformat()}, "
            f"{self.distance_km:,.0f}{limit} km, {len(self.binding)} violations, "
            f"{len(self.findings)} findings)"
        )

    def _repr_html_(self) -> str:
        """Return a compact HTML summary with the violations and findings."""
        from openskies.files.display import html_summary

        rows: list[tuple[str, object]] = [
            ("verdict", "legal" if self.legal else "illegal"),
            ("reading", self.reading),
            ("distance [km]", self.distance_km),
            ("maximum flight distance [km]", self.max_distance_km),
            ("start / end", f"{self.start_airfield} / {self.end_airfield}"),
        ]
        rows += [
            (v.rule, f"{'binding' if v.binding else 'finding'}: {v.message}")
            for v in self.violations
        ]
        return html_summary(repr(self), rows)

    @property
    def __geo_interface__(self) -> dict[str, Any]:
        """The located violations as a GeoJSON FeatureCollection."""
        from openskies.files.display import feature, feature_collection

        return feature_collection(
            feature(v.where, rule=v.rule, binding=v.binding, message=v.message)
            for v in self.violations
            if v.where is not None
        )

    def to_frame(self) -> geopandas.GeoDataFrame:
        """Return the findings as a GeoDataFrame (one row each, EPSG:4326)."""
        import geopandas

        return geopandas.GeoDataFrame(
            {
                "rule": [v.rule for v in self.violations],
                "binding": [v.binding for v in self.violations],
                "message": [v.message for v in self.violations],
                "value": [v.value for v in self.violations],
                "limit": [v.limit for v in self.violations],
                "restriction": [v.restriction for v in self.violations],
                "legal_status": [v.legal_status for v in self.violations],
            },
            geometry=[v.where for v in self.violations],
            crs="EPSG:4326",
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-compatible data (geometry as GeoJSON)."""
        from shapely.geometry import mapping

        return {
            "legal": self.legal,
            "observer": self.observer,
            "observed": self.observed,
            "date": self.date.isoformat(),
            "reading": self.reading,
            "distance_km": self.distance_km,
            "max_distance_km": self.max_distance_km,
            "distance_by_region": dict(self.distance_by_region),
            "start_airfield": self.start_airfield,
            "end_airfield": self.end_airfield,
            "violations": [
                {
                    "rule": v.rule,
                    "message": v.message,
                    "binding": v.binding,
                    "value": v.value,
                    "limit": v.limit,
                    "restriction": v.restriction,
                    "legal_status": v.legal_status,
                    "where": None if v.where is None else mapping(v.where),
                }
                for v in self.violations
            ],
            "unchecked": list(self.unchecked),
        }
