"""The plan directory survives kills: the old plan or the new one, never nothing.

A real writer process (``python -c``) plans a small year, then rewrites the
output directory in a loop with a new title each time (``gen N``); once it has
written one plan the test kills it with SIGKILL at a random moment of the next
two writes (seeded fractions of the first write's duration) and checks that
the directory holds one complete plan: every file its marker lists, each whole,
all from one generation.  The next writer cleans up
the staging folders of the killed one.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import openskies
from openskies import Treaty
from openskies.allocation.problem import Request
from openskies.annual.plan import OUTPUT_FILES, AnnualPlan, plan_year
from openskies.annual.scenario import Scenario
from openskies.files.atomic import atomic_path
from openskies.output.calendar_export import read_missions_csv
from openskies.output.plan_writer import MARKER, _exchange, write_plan

WRITER = """
import dataclasses, sys
from openskies import Scenario, plan_year
from openskies.allocation.problem import Request

scenario = Scenario(
    year=2019, requests=(Request("USA", "RUS", 1), Request("DEU", "POL", 1))
)
plan = plan_year(scenario)
import geopandas, matplotlib.figure
import openskies.output.calendar_export, openskies.output.report
print("ready", flush=True)
for gen in range(1, 1000):
    titled = scenario.replace(title=f"gen {gen}")
    dataclasses.replace(plan, scenario=titled).write(sys.argv[1], force=True)
    print(f"wrote {gen}", flush=True)
"""
KILLS = 3
ROOT = str(Path(openskies.__file__).parents[1])


@pytest.fixture(scope="module")
def tiny(treaty: Treaty) -> AnnualPlan:
    """The writer's year (two flights, no sites), planned here too."""
    scenario = Scenario(
        year=2019,
        title="gen 0",
        requests=(Request("USA", "RUS", 1), Request("DEU", "POL", 1)),
    )
    return plan_year(scenario, treaty=treaty)


def _generation(outdir: Path) -> int:
    """Check ``outdir`` holds one complete plan; return its generation."""
    marker = json.loads((outdir / MARKER).read_text())
    assert marker["files"] == sorted(OUTPUT_FILES)
    assert sorted(os.listdir(outdir)) == sorted([MARKER, *OUTPUT_FILES])
    png = (outdir / "map.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert png.endswith(b"IEND\xaeB`\x82")
    assert (outdir / "routes.gpkg").read_bytes().startswith(b"SQLite format 3\0")
    json.loads((outdir / "routes.geojson").read_text())
    assert len(read_missions_csv(outdir / "missions.csv")) == 2
    assert (outdir / "missions.ics").read_bytes().endswith(b"END:VCALENDAR\r\n")
    page = (outdir / "report.html").read_text()
    assert page.endswith("</html>\n")
    found = re.search(r"<title>gen (\d+)</title>", page)
    assert found is not None
    return int(found[1])


def test_a_killed_writer_leaves_the_old_plan_or_the_new_one(
    tiny: AnnualPlan, tmp_path: Path
) -> None:
    outdir = tmp_path / "plan"
    tiny.write(outdir)
    rng = random.Random(10)
    seen = [0]
    for _ in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(outdir)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": ROOT},
        )
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n"
        began = time.perf_counter()
        assert writer.stdout.readline() == "wrote 1\n"
        # kill at a random moment of the next two writes (each about as long)
        time.sleep(rng.uniform(0.0, 2.0) * (time.perf_counter() - began))
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert writer.returncode == -signal.SIGKILL
        completed = [1, *(int(line.split()[1]) for line in writer.stdout)]
        writer.stdout.close()
        # the last plan written in full, or the one being written when killed
        seen.append(_generation(outdir))
        assert seen[-1] in (completed[-1], completed[-1] + 1)
    tiny.write(outdir, force=True)
    assert _generation(outdir) == 0
    assert os.listdir(tmp_path) == ["plan"]  # the killed runs' folders are gone


def _dead_pid() -> int:
    """Return the id of a process that has exited (and been reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def test_an_old_plan_left_aside_is_restored_before_anything_else(
    tiny: AnnualPlan, tmp_path: Path
) -> None:
    # the state a kill between the two renames of the portable fallback leaves
    outdir = tmp_path / "plan"
    write_plan(tiny, outdir, force=False)
    aside = tmp_path / f".plan.old-{_dead_pid()}-0123abcd"
    outdir.rename(aside)
    half = tmp_path / f".plan.new-{_dead_pid()}-89abcdef"
    half.mkdir()
    (half / "distribution.csv").write_text("observer,obs")
    with pytest.raises(FileExistsError, match="already exists and holds a plan"):
        tiny.write(outdir)
    assert _generation(outdir) == 0
    assert os.listdir(tmp_path) == ["plan"]


def test_only_the_folders_of_dead_writers_are_removed(
    tiny: AnnualPlan, tmp_path: Path
) -> None:
    keep = [
        f".plan.new-{os.getpid()}-0123abcd",  # this process: maybe still writing
        ".plan.new-notes",  # not a name openskies makes
        f".other.new-{_dead_pid()}-0123abcd",  # another output's
    ]
    for name in keep:
        (tmp_path / name).mkdir()
    (tmp_path / f".plan.new-{_dead_pid()}-0123abcd").mkdir()
    tiny.write(tmp_path / "plan")
    assert sorted(os.listdir(tmp_path)) == sorted([*keep, "plan"])


def test_the_exchange_swaps_two_directories_in_one_step(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "one").touch()
    (second / "two").touch()
    assert _exchange(first, second)  # Linux: renameat2(RENAME_EXCHANGE)
    assert os.listdir(first) == ["two"]
    assert os.listdir(second) == ["one"]


def test_a_file_is_flushed_before_its_rename_and_the_folder_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    fsync, replace = os.fsync, os.replace

    def logged_fsync(handle: int) -> None:
        kind = "folder" if os.path.isdir(f"/proc/self/fd/{handle}") else "file"
        events.append(f"fsync {kind}")
        fsync(handle)

    def logged_replace(source: str | Path, target: str | Path) -> None:
        events.append("replace")
        replace(source, target)

    monkeypatch.setattr(os, "fsync", logged_fsync)
    monkeypatch.setattr(os, "replace", logged_replace)
    with atomic_path(tmp_path / "out.txt") as temporary:
        temporary.write_text("data")
    assert events == ["fsync file", "replace", "fsync folder"]
    assert (tmp_path / "out.txt").read_text() == "data"
