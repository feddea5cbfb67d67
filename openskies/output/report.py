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
from openskies.output.report_page import CAPTURE_SCRIPT, MAP_SCRIPT, PAGE_STYLE
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
<script>{CAPTURE_SCRIPT}</script>
<style>{css}</style>
<style>{PAGE_STYLE}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>Quota year {scenario.year}; treaty data as of {scenario.date.isoformat()};
routes checked under the <b>{html.escape(scenario.reading)}</b> reading of disputed
restrictions.{source}</p>
<ul>{summary}</ul>
<pre id="openskies-errors" hidden></pre>
<div id="map"></div>
<p>Routes are coloured by observer (legend on the map, folded to one button on
a small window; untick an observer or choose an observed party to filter, and
the map zooms to the routes shown) and drawn along their geodesics; illegal
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
<script>{MAP_SCRIPT}</script>
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
