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

from openskies.output.map_layers import map_layers
from openskies.output.map_png import calendar_image, plot_map, write_map_png
from openskies.output.tables import SORT_SCRIPT
from openskies.output.tables import html_row as _row
from openskies.output.tables import html_table as _table

if TYPE_CHECKING:
    from openskies.annual.plan import AnnualPlan
    from openskies.annual.routes import MissionRoute
    from openskies.calendar.types import Mission

__all__ = [
    "plot_map",
    "report_html",
    "script_json",
    "write_map_png",
    "write_report_html",
]


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
  var neighbours = L.geoJSON(data.neighbours, {
    style: function (f) {
      return {color: "#999", weight: 0.5, fillColor: f.properties._fill,
              fillOpacity: 0.8, interactive: false};
    }
  }).addTo(map);
  var territories = L.geoJSON(data.territories, {
    style: function (f) {
      return {color: "#777", weight: 0.7, fillColor: f.properties._fill,
              fillOpacity: 0.8};
    },
    onEachFeature: popup
  }).addTo(map);
  var routes = L.geoJSON(data.routes, {
    style: function (f) {
      return {color: f.properties._colour, weight: 2.5, opacity: 0.9,
              dashArray: f.properties._verdict === "illegal" ? "6 4" : null};
    },
    onEachFeature: function (f, layer) {
      popup(f, layer);
      layer.bindTooltip(esc(f.properties.mission) + ": " + esc(f.properties.observer) +
        " over " + esc(f.properties.observed) + " (" + esc(f.properties.verdict) + ")",
        {sticky: true});
    }
  }).addTo(map);
  var airfields = L.geoJSON(data.airfields, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 4, color: "#0a3069", weight: 1,
                                     fillColor: "#54aeff", fillOpacity: 1});
    },
    onEachFeature: function (f, layer) {
      popup(f, layer);
      var p = f.properties;
      layer.bindTooltip(esc(p.name) + " (" + esc(p.icao || p.airfield) + ")" +
        (p.max_distance_km === "" ? "" : ", max " + esc(p.max_distance_km) + " km"));
    }
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
    "States not party": neighbours,
    "Routes": routes,
    "Airfields": airfields,
    "Sites": sites
  }, {collapsed: false}).addTo(map);
  L.control.scale().addTo(map);
  var hidden = {};
  var observed = "";
  function filter() {
    routes.eachLayer(function (layer) {
      var p = layer.feature.properties;
      var show = !hidden[p.observer] && (observed === "" || p.observed === observed);
      layer.setStyle({opacity: show ? 0.9 : 0});
      var path = layer.getElement && layer.getElement();
      if (path) { path.style.display = show ? "" : "none"; }
    });
  }
  var legend = L.control({position: "topright"});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "openskies-legend");
    div.id = "openskies-legend";
    var html = "<b>Observer</b> (click to hide)<br>";
    Object.keys(data.observers).forEach(function (code) {
      html += '<label><input type="checkbox" checked data-observer="' + esc(code) +
        '"> <span class="swatch" style="background:' + data.observers[code] +
        '"></span> ' + esc(code) + "</label><br>";
    });
    var targets = {};
    data.routes.features.forEach(function (f) { targets[f.properties.observed] = 1; });
    html += '<b>Observed</b> <select id="openskies-observed">' +
      '<option value="">all</option>';
    Object.keys(targets).sort().forEach(function (code) {
      html += '<option value="' + esc(code) + '">' + esc(code) + "</option>";
    });
    html += "</select><br><span class='dash'></span> illegal route<br>" +
      "<b>Territory</b><br>";
    Object.keys(data.fills).forEach(function (fill) {
      html += '<span class="swatch" style="background:' + fill + '"></span> ' +
        esc(data.fills[fill]) + "<br>";
    });
    html += '<span class="dot"></span> airfield (hover: name, ICAO, max km)';
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    div.addEventListener("change", function (event) {
      var t = event.target;
      if (t.dataset && t.dataset.observer) { hidden[t.dataset.observer] = !t.checked; }
      if (t.id === "openskies-observed") { observed = t.value; }
      filter();
    });
    return div;
  };
  legend.addTo(map);
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
.openskies-legend { background: #fffe; padding: 6px 8px; font-size: 12px;
  line-height: 1.5; border-radius: 4px; box-shadow: 0 1px 4px #0004; }
.openskies-legend .swatch { display: inline-block; width: 14px; height: 10px;
  border: 1px solid #777; vertical-align: middle; }
.openskies-legend .dash { display: inline-block; width: 22px;
  border-top: 2px dashed #333; vertical-align: middle; }
.openskies-legend .dot { display: inline-block; width: 8px; height: 8px;
  border-radius: 50%; background: #54aeff; border: 1px solid #0a3069; }
table.data td.num, table.data th.num { text-align: right; white-space: nowrap; }
table.data th.sortable { cursor: pointer; }
table.data th.sortable::after { content: " \\2195"; color: #8c959f; }
table.data th[data-sorted="asc"]::after { content: " \\25B2"; }
table.data th[data-sorted="desc"]::after { content: " \\25BC"; }
table.data tr.total td { font-weight: bold; background: #f6f8fa; }
details.technical { margin-top: 2em; color: #57606a; }
"""


def _leaflet() -> tuple[str, str]:
    """Return the vendored Leaflet CSS and JavaScript (without the map comment)."""
    from importlib.resources import files

    folder = files("openskies") / "_static" / "leaflet"
    css = (folder / "leaflet.css").read_text(encoding="utf-8")
    script = (folder / "leaflet.js").read_text(encoding="utf-8")
    lines = [s for s in script.splitlines() if not s.startswith("//# sourceMappingURL")]
    return css, "\n".join(lines)


def _distribution_matrix(plan: AnnualPlan) -> str:
    """Return granted flights as an observer x observed matrix with quota totals.

    Row totals are set against each observer's active quota and column totals
    against each observed party's passive quota (equal per Article III).
    """
    distribution = plan.distribution
    observers = sorted({o for o, _ in distribution.flights})
    observed = sorted({t for _, t in distribution.flights})
    if not observers:
        return "<p>No flights granted.</p>"
    quota = {p.code: p.passive_quota for p in plan.view.parties}
    header = ["observer \\ observed", *observed, "flown", "active quota"]
    rows = [
        [
            o,
            *(distribution[(o, t)] or "" for t in observed),
            distribution.active(o),
            quota.get(o, 0),
        ]
        for o in observers
    ]
    received = [distribution.received(t) for t in observed]
    totals = ["received", *received, distribution.total, ""]
    passive = ["passive quota", *(quota.get(t, 0) for t in observed), "", ""]
    numeric = [False, *([True] * (len(header) - 1))]
    return _table(header, rows, table_id="distribution").replace(
        "<tfoot></tfoot>",
        f"<tfoot>{_row(totals, numeric, 'total')}"
        f"{_row(passive, numeric, 'total')}</tfoot>",
    )


def _utilisation(plan: AnnualPlan) -> list[list[Any]]:
    """Return per party: active used/quota and passive used/quota [flights, %]."""
    distribution = plan.distribution
    rows = []
    for party in sorted(plan.view.parties, key=lambda p: p.code):
        quota = party.passive_quota
        flown, received = (
            distribution.active(party.code),
            distribution.received(party.code),
        )
        if not (flown or received):
            continue
        rows.append(
            [
                party.code,
                flown,
                received,
                quota,
                round(100.0 * flown / quota, 1) if quota else "",
                round(100.0 * received / quota, 1) if quota else "",
            ]
        )
    return rows


def _sections(plan: AnnualPlan) -> list[tuple[str, str]]:
    """Return the report's (title, HTML) sections after the map."""
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
    return [
        (
            "Distribution of active quotas [flights]",
            _distribution_matrix(plan),
        ),
        (
            "Quota utilisation per party",
            _table(
                [
                    "party",
                    "flown",
                    "received",
                    "quota [flights]",
                    "active used [%]",
                    "passive used [%]",
                ],
                _utilisation(plan),
                table_id="utilisation",
            ),
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
                    "km",
                    "max km",
                    "site value [points]",
                    "findings",
                ],
                missions,
                table_id="missions",
            ),
        ),
        (
            "Findings of the validators",
            _table(["rule", "message", "binding"], violations),
        ),
    ]


def _calendar_svg(plan: AnnualPlan) -> str:
    """Return the mission calendar chart as inline SVG (without the XML prolog)."""
    svg = calendar_image(plan, "svg").decode("utf-8")
    return svg[svg.index("<svg") :]


def _technical(plan: AnnualPlan) -> str:
    """Return the collapsed technical section: time per stage."""
    timings = [[name, round(seconds, 2)] for name, seconds in plan.timings.items()]
    return (
        '<details class="technical"><summary>Technical details: time per stage '
        "[s]</summary>"
        f"{_table(['stage', 'seconds'], timings, table_id='timings')}</details>"
    )


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
        return [*row, "", "", "", "", "", ""]
    report, plan = route.report, route.plan
    km: Any = "" if report is None else round(report.distance_km)
    max_km: Any = (
        ""
        if report is None or report.max_distance_km is None
        else round(report.max_distance_km)
    )
    notes = route.message if report is None else "; ".join(map(str, report.violations))
    value = "" if plan is None or route.route is None else plan.value
    return [*row, route.status, route.start or "", km, max_km, value, notes]


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
<p>Routes are coloured by observer (legend on the map; untick an observer or
choose an observed party to filter) and drawn along their geodesics; illegal
routes are dashed. Hover an airfield for its name, ICAO code and maximum flight
distance. Map data:
territories of the parties in force (land + 12 nmi, simplified), airfields, sites
and routes. Map library: Leaflet 1.9.4 (BSD 2-Clause), embedded.</p>
<h2>Mission calendar</h2>
<figure id="calendar">{_calendar_svg(plan)}</figure>
{body}
{_technical(plan)}
<script id="openskies-data" type="application/json">{data}</script>
<script>{script}</script>
<script>{_MAP_SCRIPT}</script>
<script>{SORT_SCRIPT}</script>
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
