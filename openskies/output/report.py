"""Reports of an annual plan: a self-contained ``report.html`` and a ``map.png``.

``report.html`` is one file that works offline: the summary, tables of the
distribution, unmet requests, missions, routes and findings, and an interactive
map drawn with the vendored Leaflet 1.9.4 (``openskies/_static/leaflet``, BSD
2-Clause) inline, without a tile server: territories, airfields, sites and
routes are GeoJSON layers with popups.  The page records its own script errors
in a visible ``#openskies-errors`` box and marks the map ``data-ready="yes"``
once drawn.  ``map.png`` is the same map drawn by matplotlib.

Maps use plain longitude/latitude; territories and routes that cross the
antimeridian (Russia's and the United States' far east and west) are drawn
continuously by shifting the minority side by 360 degrees.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.output.map_layers import ROUTE_COLOURS, map_layers

if TYPE_CHECKING:
    from openskies.annual.plan import AnnualPlan
    from openskies.annual.routes import MissionRoute
    from openskies.calendar.types import Mission

__all__ = ["report_html", "script_json", "write_map_png", "write_report_html"]


_CAPTURE = """
window.openskiesErrors = [];
(function () {
  function show() {
    var box = document.getElementById("openskies-errors");
    if (box && window.openskiesErrors.length) {
      box.textContent = "The map could not be drawn completely:\\n" +
        window.openskiesErrors.join("\\n");
      box.hidden = false;
    }
  }
  function record(text) { window.openskiesErrors.push(String(text)); show(); }
  window.addEventListener("error", function (event) {
    if (event.target && event.target !== window) {
      record("failed to load " + (event.target.src || event.target.href));
    } else {
      record(event.message + " (line " + event.lineno + ")");
    }
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    record("unhandled rejection: " + event.reason);
  });
  var original = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  document.addEventListener("DOMContentLoaded", show);
})();
"""

_MAP_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("openskies-data").textContent);
  function esc(value) {
    return String(value).replace(/[&<>"]/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c];
    });
  }
  function popup(feature, layer) {
    var rows = Object.keys(feature.properties).filter(function (key) {
      return key.charAt(0) !== "_" && feature.properties[key] !== "";
    }).map(function (key) {
      return "<tr><th>" + esc(key) + "</th><td>" + esc(feature.properties[key]) +
        "</td></tr>";
    });
    layer.bindPopup("<table>" + rows.join("") + "</table>", {maxWidth: 480});
  }
  var map = L.map("map", {preferCanvas: false, worldCopyJump: false});
  var territories = L.geoJSON(data.territories, {
    style: function (f) {
      return {color: "#777", weight: 0.7, fillColor: f.properties._fill,
              fillOpacity: 0.8};
    },
    onEachFeature: popup
  }).addTo(map);
  var routes = L.geoJSON(data.routes, {
    style: function (f) { return {color: f.properties._colour, weight: 2,
                                  opacity: 0.85}; },
    onEachFeature: popup
  }).addTo(map);
  var airfields = L.geoJSON(data.airfields, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 4, color: "#0a3069", weight: 1,
                                     fillColor: "#54aeff", fillOpacity: 1});
    },
    onEachFeature: popup
  }).addTo(map);
  var sites = L.geoJSON(data.sites, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 2.5, color: "#6e40c9", weight: 1,
                                     fillOpacity: 0.7});
    },
    onEachFeature: popup
  });
  L.control.layers(null, {
    "Territories (land + 12 nmi)": territories,
    "Routes": routes,
    "Airfields": airfields,
    "Sites": sites
  }, {collapsed: false}).addTo(map);
  L.control.scale().addTo(map);
  var focus = data.routes.features.length ? routes : territories;
  map.fitBounds(focus.getBounds(), {padding: [10, 10]});
  var box = document.getElementById("map");
  box.dataset.features = String(data.territories.features.length +
    data.routes.features.length + data.airfields.features.length);
  box.dataset.ready = "yes";
})();
"""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
table.data { border-collapse: collapse; font-size: 0.85em; }
table.data th, table.data td { border: 1px solid #d0d7de; padding: 2px 6px;
  text-align: left; vertical-align: top; }
table.data th { background: #f6f8fa; }
#map { height: 620px; background: #d8e8f4; border: 1px solid #d0d7de; }
#openskies-errors { color: #cf222e; white-space: pre-wrap; }
.legal { color: #1a7f37; } .illegal { color: #cf222e; } .findings { color: #bf8700; }
.leaflet-control-layers-toggle { background-image: none !important; }
.leaflet-popup-content table th { text-align: left; padding-right: 6px; }
"""


def _leaflet() -> tuple[str, str]:
    """Return the vendored Leaflet CSS and JavaScript (without the map comment)."""
    from importlib.resources import files

    folder = files("openskies") / "_static" / "leaflet"
    css = (folder / "leaflet.css").read_text(encoding="utf-8")
    script = (folder / "leaflet.js").read_text(encoding="utf-8")
    lines = [s for s in script.splitlines() if not s.startswith("//# sourceMappingURL")]
    return css, "\n".join(lines)


def _table(header: list[str], rows: list[list[Any]], *, limit: int = 0) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>"
        for row in rows[: limit or None]
    )
    more = (
        f"<p>{len(rows) - limit} more rows in the CSV files.</p>"
        if limit and len(rows) > limit
        else ""
    )
    return f'<table class="data"><tr>{head}</tr>{body}</table>{more}'


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}"
    return html.escape("" if value is None else str(value))


def _sections(plan: AnnualPlan) -> list[tuple[str, str]]:
    """Return the report's (title, HTML) sections after the map."""
    asked: dict[tuple[str, str], int] = {}
    for request in plan.scenario.requests:
        pair = (
            plan.view.party_of(request.observer),
            plan.view.party_of(request.observed),
        )
        asked[pair] = asked.get(pair, 0) + request.flights
    pairs = sorted(set(asked) | set(plan.distribution.flights))
    distribution = [
        [o, t, asked.get((o, t), 0), plan.distribution[(o, t)]] for o, t in pairs
    ]
    unmet = [
        [u.observer, u.observed, u.requested, u.granted, ", ".join(map(str, u.reasons))]
        for u in plan.allocation.unmet
    ]
    routes = {r.mission_id: r for r in plan.routes}
    missions = [_mission_row(m, routes.get(m.id)) for m in plan.schedule.missions]
    violations = [
        [v.rule, v.message, "yes" if v.binding else "no"]
        for v in (*plan.distribution_violations, *plan.schedule_violations)
    ]
    timings = [[name, f"{seconds:.2f}"] for name, seconds in plan.timings.items()]
    return [
        (
            "Distribution of active quotas",
            _table(["observer", "observed", "requested", "granted"], distribution),
        ),
        (
            "Unmet requests",
            _table(
                ["observer", "observed", "requested", "granted", "binding rules"], unmet
            ),
        ),
        (
            "Missions and routes",
            _table(
                [
                    "mission",
                    "observer",
                    "observed",
                    "point of entry",
                    "aircraft",
                    "arrival (UTC)",
                    "route",
                    "start",
                    "km / max km",
                    "value",
                    "findings",
                ],
                missions,
            ),
        ),
        (
            "Findings of the validators",
            _table(["rule", "message", "binding"], violations),
        ),
        ("Time per stage [s]", _table(["stage", "seconds"], timings)),
    ]


def _mission_row(mission: Mission, route: MissionRoute | None) -> list[Any]:
    """Return a mission's row: the calendar, then its route and findings."""
    row: list[Any] = [
        mission.id,
        mission.observer,
        mission.observed,
        mission.poe,
        mission.aircraft or "",
        f"{mission.arrival:%Y-%m-%d %H:%M}",
    ]
    if route is None:
        return [*row, "", "", "", "", ""]
    report, plan = route.report, route.plan
    km = (
        ""
        if report is None
        else f"{report.distance_km:,.0f} / {report.max_distance_km or 0:,.0f}"
    )
    notes = route.message if report is None else "; ".join(map(str, report.violations))
    value = "" if plan is None or route.route is None else plan.value
    return [*row, route.status, route.start or "", km, value, notes]


#: Characters escaped in JSON inside ``<script>``: they could end the element,
#: open an HTML comment (``<!--<script>`` makes the parser swallow the rest of
#: the page) or, for U+2028 and U+2029, end a line in older JavaScript.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def script_json(value: Any) -> str:
    r"""Return ``value`` as JSON safe to embed in an HTML ``<script>`` element.

    ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\u`` escapes, which
    JSON parsers read back as the same characters, so no text (a site named
    ``<!--<script>`` or ``</script>``) can change how the page is parsed.  NaN
    and infinite numbers, which ``JSON.parse`` refuses, are written as
    ``null``.

    References
    ----------
    HTML Living Standard, 4.12.1.3 "Restrictions for contents of script
    elements"; OWASP XSS Prevention Cheat Sheet, rule 3.1.
    """
    text = json.dumps(_finite(value), separators=(",", ":"), allow_nan=False)
    return "".join(_SCRIPT_ESCAPES.get(c, c) for c in text)


def _finite(value: Any) -> Any:
    """Return ``value`` with NaN and infinite numbers as None (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def report_html(plan: AnnualPlan) -> str:
    """Return the self-contained HTML report of ``plan`` (see the module docstring)."""
    css, script = _leaflet()
    layers = map_layers(plan, simplify_deg=0.02)
    data = script_json(layers)
    scenario = plan.scenario
    title = scenario.title or f"Annual plan {scenario.year}"
    summary = "".join(
        f"<li>{html.escape(line)}</li>" for line in str(plan.summary).splitlines()
    )
    source = (
        ""
        if scenario.source is None
        else f" Scenario: <code>{html.escape(scenario.source.name)}</code>."
    )
    body = "".join(
        f"<h2>{html.escape(t)}</h2>{content}" for t, content in _sections(plan)
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<script>{_CAPTURE}</script>
<style>{css}</style>
<style>{_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>Quota year {scenario.year}; treaty data as of {scenario.date.isoformat()};
routes checked under the <b>{html.escape(scenario.reading)}</b> reading of disputed
restrictions.{source}</p>
<ul>{summary}</ul>
<pre id="openskies-errors" hidden></pre>
<div id="map"></div>
<p>Routes: <span class="legal">legal</span>, <span class="findings">legal with
non-binding findings</span>, <span class="illegal">illegal</span>. Map data:
territories of the parties in force (land + 12 nmi, simplified), airfields, sites
and routes. Map library: Leaflet 1.9.4 (BSD 2-Clause), embedded.</p>
{body}
<script id="openskies-data" type="application/json">{data}</script>
<script>{script}</script>
<script>{_MAP_SCRIPT}</script>
</body>
</html>
"""


def write_report_html(plan: AnnualPlan, path: str | Path) -> None:
    """Write :func:`report_html` to ``path`` atomically.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    from openskies.files.atomic import write_text_atomic

    write_text_atomic(path, report_html(plan))


def write_map_png(plan: AnnualPlan, path: str | Path, *, dpi: int = 100) -> None:
    """Draw territories, airfields and routes with matplotlib to a PNG file.

    Every text is drawn literally (no mathtext, no TeX, whatever the user's
    matplotlib settings), so a title with ``$`` or backslashes cannot change
    the picture or fail.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    from matplotlib import rc_context

    from openskies.files.atomic import write_bytes_atomic

    with rc_context({"text.usetex": False}):
        png = _map_png(plan, dpi)
    write_bytes_atomic(path, png)


def _map_png(plan: AnnualPlan, dpi: int) -> bytes:
    """Return the map of ``plan`` as PNG bytes."""
    import io
    import math

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch

    from openskies.output.map_layers import polygon_paths

    layers = map_layers(plan, simplify_deg=0.05)
    west, south, east, north = layers["bounds"]
    aspect = 1.0 / math.cos(math.radians(min(60.0, abs(south + north) / 2)))
    height = (north - south) * aspect / max(east - west, 1e-9) * 14.0 + 1.5
    figure = Figure(figsize=(16, min(max(height, 5.0), 14.0)), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_facecolor("#d8e8f4")
    patches = [
        PathPatch(
            p, facecolor=f["properties"]["_fill"], edgecolor="#777", linewidth=0.4
        )
        for f in layers["territories"]["features"]
        for p in polygon_paths(f["geometry"])
    ]
    axes.add_collection(PatchCollection(patches, match_original=True))
    lines, colours = [], []
    for f in layers["routes"]["features"]:
        lines.append(f["geometry"]["coordinates"])
        colours.append(f["properties"]["_colour"])
    axes.add_collection(
        LineCollection(lines, colors=colours, linewidths=1.0, alpha=0.85)
    )
    points = np.array(
        [f["geometry"]["coordinates"] for f in layers["airfields"]["features"]]
    ).reshape(-1, 2)
    axes.scatter(points[:, 0], points[:, 1], s=9, c="#0a3069", marker="^", zorder=3)
    axes.set_xlim(west, east)
    axes.set_ylim(south, north)
    axes.set_aspect(aspect)
    # titles are text, never mathtext: a "$" in a scenario title stays a "$"
    axes.set_xlabel("longitude [deg]", parse_math=False)
    axes.set_ylabel("latitude [deg]", parse_math=False)
    scenario = plan.scenario
    axes.set_title(
        f"{scenario.title or f'Annual plan {scenario.year}'}: "
        f"{len(lines)} routes, {len(plan.schedule.missions)} missions",
        parse_math=False,
    )
    axes.legend(
        handles=[
            Line2D([], [], color=ROUTE_COLOURS["legal"], label="legal route"),
            Line2D(
                [],
                [],
                color=ROUTE_COLOURS["findings"],
                label="legal, non-binding findings",
            ),
            Line2D([], [], color=ROUTE_COLOURS["illegal"], label="illegal route"),
            Line2D([], [], color="#0a3069", marker="^", linestyle="", label="airfield"),
        ],
        loc="lower left",
        fontsize=8,
    )
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
