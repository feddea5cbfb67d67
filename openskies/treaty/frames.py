"""GeoDataFrames and the notebook display of a :class:`TreatyView` (a mixin).

Kept apart from :mod:`openskies.treaty.model` so that the view's core stays
small; :class:`~openskies.treaty.model.TreatyView` inherits these methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openskies.files.display import html_summary

if TYPE_CHECKING:
    import geopandas as gpd

    from openskies.treaty.records import Airfield, Party

__all__ = ["ViewFrames"]


class ViewFrames:
    """Tables of a treaty view as GeoDataFrames (EPSG:4326), and its HTML."""

    if TYPE_CHECKING:  # provided by TreatyView
        import datetime as dt

        date: dt.date

        @property
        def parties(self) -> tuple[Party, ...]: ...  # noqa: D102
        @property
        def members(self) -> tuple[str, ...]: ...  # noqa: D102
        def airfields(  # noqa: D102
            self, code: str, role: str | None = None
        ) -> tuple[Airfield, ...]: ...
        def territory(self, code: str) -> Any: ...  # noqa: D102

    def airfields_frame(self) -> gpd.GeoDataFrame:
        """Return one row per airfield of every party in force, as points.

        Columns: ``party``, ``airfield`` (id), ``name``, ``icao``, ``roles``
        (space-separated), ``max_distance_km`` (maximum flight distance in
        force [km], Annex A III; missing where none), ``position_status``,
        ``geometry`` (point, lon/lat degrees).
        """
        import geopandas as gpd
        from shapely.geometry import Point

        rows = [
            {
                "party": party.code,
                "airfield": a.id,
                "name": a.name,
                "icao": a.icao,
                "roles": " ".join(sorted(a.roles)),
                "max_distance_km": (
                    float("nan") if a.max_distance_km is None else a.max_distance_km
                ),
                "position_status": a.position_status,
                "geometry": Point(a.lon, a.lat),
            }
            for party in self.parties
            for a in self.airfields(party.code)
        ]
        columns = ["party", "airfield", "name", "icao", "roles", "max_distance_km"]
        return gpd.GeoDataFrame(
            rows,
            columns=[*columns, "position_status", "geometry"],
            geometry="geometry",
            crs="EPSG:4326",
        )

    def territories_frame(self) -> gpd.GeoDataFrame:
        """Return one row per party in force: its territory (land + 12 nmi).

        Columns: ``party``, ``name``, ``kind``, ``passive_quota`` [flights per
        year, Annex A I], ``states`` (space-separated ISO3), ``geometry``
        (lon/lat degrees).
        """
        import geopandas as gpd

        rows = [
            {
                "party": p.code,
                "name": p.name,
                "kind": p.kind,
                "passive_quota": p.passive_quota,
                "states": " ".join(p.states),
                "geometry": self.territory(p.code),
            }
            for p in self.parties
        ]
        return gpd.GeoDataFrame(
            rows,
            columns=["party", "name", "kind", "passive_quota", "states", "geometry"],
            geometry="geometry",
            crs="EPSG:4326",
        )

    def _repr_html_(self) -> str:
        """Return a compact HTML summary for notebooks: date, parties, quotas."""
        parties = sorted(self.parties, key=lambda p: p.code)
        return html_summary(
            f"Treaty on Open Skies in force on {self.date.isoformat()}",
            [
                ("states parties", len(self.members)),
                ("quota-holding parties", len(parties)),
                (
                    "passive quotas",
                    ", ".join(f"{p.code} {p.passive_quota}" for p in parties),
                ),
            ],
        )
