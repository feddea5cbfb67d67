"""report.html in a real browser: headless Chromium draws the map without errors.

Chromium loads the report from disk with networking off and prints the DOM after
the page's scripts ran (``--dump-dom``).  The report records its own script
errors, failed loads and ``console.error`` calls in ``#openskies-errors`` and
marks the map ``data-ready="yes"`` once drawn; Leaflet draws each territory,
route and airfield as one ``<path class="leaflet-interactive">``.

Chromium is required (Debian: ``apt-get install -y chromium``); without it these
tests fail rather than skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from openskies import Treaty
from openskies.allocation.problem import Request
from openskies.annual.plan import AnnualPlan, plan_year
from openskies.annual.scenario import Scenario, SolverSettings
from openskies.geo.sites import bundled_sites
from openskies.options import SolveOptions

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "headless Chromium is needed to check report.html; install it "
        "(Debian: apt-get install -y chromium)"
    )


def _render(page: Path, profile: Path) -> tuple[str, str]:
    """Return the DOM after the page's scripts ran, and Chromium's log."""
    done = subprocess.run(
        [
            _browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout, done.stderr


def _errors(dom: str) -> str:
    match = re.search(r'<pre id="openskies-errors"([^>]*)>(.*?)</pre>', dom, re.S)
    assert match is not None, "the report has no error box"
    return match[2] if "hidden" not in match[1] else ""


#: Text that breaks a page whose JSON inside <script> is not escaped for HTML.
HOSTILE = "<!--<script> </script> & \u2028\u2029 $x^2$"


@pytest.fixture(scope="module")
def plan(treaty: Treaty) -> AnnualPlan:
    """A small 2019 plan with routes over Russia, the United States and Poland.

    The title and every site's name hold :data:`HOSTILE` text.
    """
    sites = tuple(replace(s, name=f"{HOSTILE} {s.name}") for s in bundled_sites())
    scenario = Scenario(
        year=2019,
        title=f"Browser check {HOSTILE}",
        requests=(
            Request("USA", "RUS", 1),
            Request("RUS", "USA", 1),
            Request("DEU", "POL", 1),
        ),
        sites={"*": sites},
        solver=SolverSettings(routes=SolveOptions(time_limit_s=0.2)),
    )
    return plan_year(scenario, treaty=treaty)


@pytest.fixture(scope="module")
def report(plan: AnnualPlan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plan's report.html."""
    return plan.write(tmp_path_factory.mktemp("report") / "plan") / "report.html"


def test_map_renders_without_console_errors(
    plan: AnnualPlan, report: Path, tmp_path: Path
) -> None:
    dom, log = _render(report, tmp_path / "profile")
    assert 'data-ready="yes"' in dom
    assert _errors(dom) == ""
    assert "Uncaught" not in log
    assert not re.search(r"CONSOLE.*(error|Error)", log)
    # one SVG path per territory (party in force), route and airfield
    routes = sum(r.route is not None for r in plan.routes)
    assert routes == 3
    airfields = sum(len(plan.view.airfields(p.code)) for p in plan.view.parties)
    expected = len(plan.view.parties) + routes + airfields
    assert dom.count('<path class="leaflet-interactive"') == expected
    assert f'data-features="{expected}"' in dom
    # the hostile names are data, not markup: the title shows them literally
    assert "<h1>Browser check &lt;!--&lt;script&gt; &lt;/script&gt; &amp;" in dom
    assert all(HOSTILE in s for r in plan.routes if r.plan for s in r.plan.visited)
    # the layer control lists the four layers
    for name in ("Territories (land + 12 nmi)", "Routes", "Airfields", "Sites"):
        assert f"<span> {name}</span>" in dom


def test_the_check_catches_a_broken_page(report: Path, tmp_path: Path) -> None:
    # the same report with a script error, a console.error and a missing image
    # must show all three in its error box: the test above can fail
    broken = tmp_path / "broken.html"
    broken.write_text(
        report.read_text().replace(
            '<script id="openskies-data"',
            '<script>console.error("boom"); notAFunction();</script>'
            '<img src="missing.png"><script id="openskies-data"',
        )
    )
    dom, _ = _render(broken, tmp_path / "profile")
    errors = _errors(dom)
    assert "boom" in errors
    assert "notAFunction is not defined" in errors
    assert "missing.png" in errors
