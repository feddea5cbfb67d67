"""Compact displays of result objects for notebooks (internal).

Jupyter shows an object by its ``_repr_html_``; these helpers write the small
key/value table every result class uses, and the ``__geo_interface__`` dicts
(the Python geospatial protocol that shapely, geopandas and folium read).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

__all__ = ["feature", "feature_collection", "html_summary"]


def html_summary(title: str, rows: Iterable[tuple[str, object]]) -> str:
    """Return an HTML table of ``(label, value)`` rows under a bold title.

    Every text is escaped; floats are shown to 0.1, large integers with
    thousands separators.
    """
    body = "".join(
        f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
        f"<td style='text-align:left'>{html.escape(_text(value))}</td></tr>"
        for label, value in rows
    )
    return (
        f"<div><b>{html.escape(title)}</b>"
        f"<table style='border-collapse:collapse'>{body}</table></div>"
    )


def _text(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: ""}[value]
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def feature(geometry: Any, **properties: Any) -> dict[str, Any]:
    """Return a GeoJSON Feature dict; ``geometry`` is a shapely geometry or None."""
    return {
        "type": "Feature",
        "geometry": None if geometry is None else geometry.__geo_interface__,
        "properties": properties,
    }


def feature_collection(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection dict of ``features``."""
    return {"type": "FeatureCollection", "features": list(features)}
