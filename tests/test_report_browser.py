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
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from openskies import Treaty
from openskies.allocation.problem import Request
from openskies.annual.plan import AnnualPlan, plan_year
from openskies.annual.scenario import Scenario, SolverSettings
from openskies.calendar.chart import observer_colours
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
    assert len(re.findall(r'<path class="[^"]*leaflet-interactive', dom)) == expected
    assert dom.count('<path class="openskies-route leaflet-interactive"') == routes
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


# --- What a person sees: the report driven in headless Chromium by Playwright ---
#
# Debian's Chromium through Playwright's executable_path (no browser download).
# Screenshots are kept under the test's temporary folder as artefacts.

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=_browser(), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, report: Path) -> Iterator[tuple[Page, list[str]]]:
    """The report opened and drawn, with every console error and page error."""
    opened = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    opened.on(
        "console",
        lambda m: errors.append(m.text) if m.type in ("error", "warning") else None,
    )
    opened.on("pageerror", lambda e: errors.append(str(e)))
    opened.goto(report.as_uri())
    opened.wait_for_selector('#map[data-ready="yes"]')
    yield opened, errors
    opened.close()


def _pixels(png: Path, colour: str, blend: float = 1.0, tolerance: int = 14) -> int:
    """Count pixels within ``tolerance`` of ``colour`` drawn at ``blend`` on the sea."""
    from PIL import Image

    def rgb(text: str) -> np.ndarray:
        return np.array([int(text[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)

    target = blend * rgb(colour) + (1.0 - blend) * rgb(SEA)
    image = np.asarray(Image.open(png).convert("RGB"), dtype=float)
    return int((np.abs(image - target).max(axis=2) <= tolerance).sum())


SEA = "#d8e8f4"


def _observer_colour(plan: AnnualPlan, observer: str) -> str:
    return observer_colours({r.observer for r in plan.routes})[observer]


def test_the_map_paints_territory_and_routes_coloured_by_observer(
    plan: AnnualPlan, page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    opened, errors = page
    shot = tmp_path / "map.png"
    opened.locator("#map").screenshot(path=str(shot))
    # territory of the parties flying or hosting a mission, at fill opacity 0.8
    assert _pixels(shot, "#e6dcc3", blend=0.8) > 20_000
    # each routed observer's colour is on the map
    for observer in {r.observer for r in plan.routes if r.route is not None}:
        assert _pixels(shot, _observer_colour(plan, observer), blend=0.9) > 40
    assert errors == []
    assert opened.locator("#openskies-errors").is_hidden()


def test_the_legend_lists_the_observers_and_the_fills(
    plan: AnnualPlan, page: tuple[Page, list[str]]
) -> None:
    opened, _ = page
    legend = opened.locator("#openskies-legend")
    text = legend.inner_text()
    for observer in {r.observer for r in plan.routes}:
        assert legend.locator(f'input[data-observer="{observer}"]').is_checked()
        assert observer in text
    assert "party that flies or hosts a mission this year" in text
    assert "state not party" in text


def test_unticking_an_observer_hides_its_routes(
    plan: AnnualPlan, page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    opened, errors = page
    colour = _observer_colour(plan, "USA")
    before, after = tmp_path / "before.png", tmp_path / "without-usa.png"
    opened.locator("#map").screenshot(path=str(before))
    opened.locator('#openskies-legend input[data-observer="USA"]').uncheck()
    opened.locator("#map").screenshot(path=str(after))
    assert _pixels(before, colour, blend=0.9) > 40
    assert _pixels(after, colour, blend=0.9) < 5
    # the other observers' routes stay
    other = _observer_colour(plan, "DEU")
    assert _pixels(after, other, blend=0.9) == _pixels(before, other, blend=0.9)
    opened.locator('#openskies-legend input[data-observer="USA"]').check()
    assert _pixels(_shot(opened, tmp_path / "again.png"), colour, blend=0.9) > 40
    assert errors == []


def _shot(opened: Page, path: Path) -> Path:
    opened.locator("#map").screenshot(path=str(path))
    return path


def test_choosing_an_observed_party_shows_only_its_routes(
    plan: AnnualPlan, page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    opened, _ = page
    opened.locator("#openskies-observed").select_option("POL")
    shot = _shot(opened, tmp_path / "over-poland.png")
    assert _pixels(shot, _observer_colour(plan, "DEU"), blend=0.9) > 40
    assert _pixels(shot, _observer_colour(plan, "USA"), blend=0.9) < 5


def test_hovering_an_airfield_shows_its_name_icao_and_distance(
    plan: AnnualPlan, page: tuple[Page, list[str]]
) -> None:
    opened, _ = page
    marker = opened.locator("path.leaflet-interactive[stroke='#0a3069']").first
    marker.hover(force=True)
    tooltip = opened.locator(".leaflet-tooltip").first
    tooltip.wait_for()
    text = tooltip.inner_text()
    names = {
        f"{a.name} ({a.icao or a.id})"
        for p in plan.view.parties
        for a in plan.view.airfields(p.code)
    }
    assert any(text.startswith(n) for n in names), text
    assert re.search(r"max [\d,.]+ km", text), text


def _column(opened: Page, table: str, index: int) -> list[str]:
    cells = opened.locator(f"#{table} tbody tr td:nth-child({index + 1})")
    return [c.strip() for c in cells.all_inner_texts()]


def test_a_table_sorts_on_click(page: tuple[Page, list[str]], tmp_path: Path) -> None:
    opened, errors = page
    header = opened.locator("#missions thead th", has_text="observed")
    header.first.click()
    observed = _column(opened, "missions", 2)
    assert len(set(observed)) > 1
    assert observed == sorted(observed)
    header.first.click()
    assert _column(opened, "missions", 2) == sorted(observed, reverse=True)
    # numbers sort as numbers, not as text
    opened.locator("#missions thead th", has_text="max km").click()
    km = [float(v.replace(",", "")) for v in _column(opened, "missions", 9) if v]
    assert km == sorted(km)
    opened.locator("#missions").screenshot(path=str(tmp_path / "missions.png"))
    assert errors == []


def test_timings_are_collapsed_and_the_calendar_is_drawn(
    plan: AnnualPlan, page: tuple[Page, list[str]], tmp_path: Path
) -> None:
    opened, _ = page
    assert opened.locator("#timings").is_hidden()
    opened.locator("details.technical summary").click()
    assert opened.locator("#timings").is_visible()
    calendar = opened.locator("#calendar svg")
    shot = tmp_path / "calendar.png"
    calendar.screenshot(path=str(shot))
    text = calendar.text_content() or ""
    assert "Q1" in text
    assert "Q4" in text
    for m in plan.schedule.missions:
        assert m.observed in text
        assert f"observer {m.observer}" in text
    # a bar per mission in its observer's colour
    for observer in {m.observer for m in plan.schedule.missions}:
        assert _pixels(shot, _observer_colour(plan, observer)) > 30


# --- A small window: the legend folds away and the map fits the routes shown ---

Box = tuple[float, float, float, float]  # left, top, right, bottom [CSS px]


def _box(locator: object) -> Box:
    found = locator.bounding_box()  # type: ignore[attr-defined]
    assert found is not None
    x, y, w, h = found["x"], found["y"], found["width"], found["height"]
    return x, y, x + w, y + h


def _routes_box(opened: Page) -> Box:
    """The bounding box of the route paths on show (union of their boxes)."""
    boxes = [
        _box(path)
        for path in opened.locator("path.openskies-route").all()
        if path.is_visible()
    ]
    assert boxes, "no route is drawn"
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(inner: Box, outer: Box) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def _settle(opened: Page) -> None:
    """Wait until Leaflet's zoom animation, if any, has ended."""
    opened.wait_for_function(
        "!document.querySelector('.leaflet-zoom-anim') && "
        "!document.querySelector('.leaflet-pan-anim')"
    )
    opened.wait_for_timeout(300)


@pytest.fixture
def small(browser: Browser, report: Path) -> Iterator[tuple[Page, list[str]]]:
    """The report in an 800 x 600 window (a laptop beside another window)."""
    opened = browser.new_page(viewport={"width": 800, "height": 600})
    errors: list[str] = []
    opened.on("pageerror", lambda e: errors.append(str(e)))
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else 0)
    opened.goto(report.as_uri())
    opened.wait_for_selector('#map[data-ready="yes"]')
    opened.locator("#map").scroll_into_view_if_needed()
    _settle(opened)
    yield opened, errors
    opened.close()


def test_on_a_small_window_the_folded_legend_covers_no_route(
    small: tuple[Page, list[str]], tmp_path: Path
) -> None:
    opened, errors = small
    legend = opened.locator("#openskies-legend")
    toggle = opened.locator("#openskies-legend-toggle")
    # a small window starts folded: one button, the filters hidden
    assert toggle.get_attribute("aria-expanded") == "false"
    assert opened.locator("#openskies-observed").is_hidden()
    folded = _box(legend)
    assert folded[2] - folded[0] < 200
    assert not _overlap(folded, _routes_box(opened))
    assert _inside(_routes_box(opened), _box(opened.locator("#map")))
    # unfolded, the map moves the routes beside the panel; folded again, clear
    toggle.click()
    _settle(opened)
    assert opened.locator("#openskies-observed").is_visible()
    assert "Territories (land + 12 nmi)" in legend.inner_text()  # layer switches
    assert not _overlap(_box(legend), _routes_box(opened))
    opened.locator("#map").screenshot(path=str(tmp_path / "small-unfolded.png"))
    toggle.click()
    _settle(opened)
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not _overlap(_box(legend), _routes_box(opened))
    assert _inside(_routes_box(opened), _box(opened.locator("#map")))
    opened.locator("#map").screenshot(path=str(tmp_path / "small-folded.png"))
    assert errors == []


def test_filtering_refits_the_map_to_the_routes_shown(
    small: tuple[Page, list[str]], tmp_path: Path
) -> None:
    opened, errors = small
    opened.locator("#openskies-legend-toggle").click()
    _settle(opened)
    whole = _box(opened.locator("#map"))
    everything = _routes_box(opened)
    opened.locator("#openskies-observed").select_option("POL")
    _settle(opened)
    poland = _routes_box(opened)
    opened.locator("#map").screenshot(path=str(tmp_path / "small-poland.png"))
    # the one route over Poland now fills the free part of the map: at the
    # world-wide zoom it measured a few dozen pixels
    assert max(poland[2] - poland[0], poland[3] - poland[1]) > 0.5 * (
        whole[3] - whole[1]
    )
    assert _inside(poland, whole)
    assert not _overlap(poland, _box(opened.locator("#openskies-legend")))
    # back to every route: the first view again
    opened.locator("#openskies-observed").select_option("")
    _settle(opened)
    assert _routes_box(opened) == pytest.approx(everything, abs=2)
    # unticking an observer refits too: without USA (over Russia) and RUS_BLR
    # (over the United States) only the route over Poland is left
    for observer in ("USA", "RUS_BLR"):
        opened.locator(f'#openskies-legend input[data-observer="{observer}"]').uncheck()
    _settle(opened)
    assert _routes_box(opened) == pytest.approx(poland, abs=2)
    assert errors == []
