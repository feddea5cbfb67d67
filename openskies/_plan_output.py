"""Write an annual plan's directory of outputs, all or nothing.

Internal to :meth:`openskies.plan.AnnualPlan.write`.  The files are written to a
new hidden directory beside the target, which is then renamed onto it; an
existing target is first moved aside (``force``) and removed only once the new
one is in place.  A failure leaves the target as it was.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openskies.plan import AnnualPlan

__all__ = ["check_target", "write_plan"]


def check_target(outdir: Path, *, force: bool) -> None:
    """Raise if ``outdir`` may not be (re)written.

    Raises
    ------
    FileExistsError
        If ``outdir`` exists and ``force`` is False, or it is not a directory.
    """
    if outdir.exists() and not outdir.is_dir():
        raise FileExistsError(
            f"{outdir} exists and is not a directory; choose another output directory"
        )
    if outdir.exists() and not force:
        raise FileExistsError(
            f"{outdir} already exists; choose another output directory or replace "
            "it with --force (force=True)"
        )


def write_plan(plan: AnnualPlan, outdir: Path, *, force: bool) -> Path:
    """Write the plan's files to ``outdir`` (see the module docstring).

    Raises
    ------
    FileExistsError
        As :func:`check_target`.
    OSError
        If a file cannot be written.
    """
    check_target(outdir, force=force)
    parent = outdir.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = _fresh(parent, f".{outdir.name}.new-")
    try:
        _write_files(plan, staging)
        if outdir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=parent))
            os.replace(outdir, old)
            try:
                os.replace(staging, outdir)
            except OSError:
                os.replace(old, outdir)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, outdir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return outdir


def _fresh(parent: Path, prefix: str) -> Path:
    """Create and return a new empty directory (mode from the umask)."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _write_files(plan: AnnualPlan, folder: Path) -> None:
    from openskies.calendar_export import write_ical, write_missions_csv
    from openskies.io import atomic_path
    from openskies.report import write_map_png, write_report_html

    plan.distribution.write_csv(folder / "distribution.csv")
    write_missions_csv(plan.schedule, folder / "missions.csv")
    write_ical(plan.schedule, folder / "missions.ics", view=plan.view)
    frame = plan.routes_frame()
    for name, driver in (("routes.gpkg", "GPKG"), ("routes.geojson", "GeoJSON")):
        with atomic_path(folder / name) as temporary:
            frame.to_file(temporary, driver=driver, layer="routes")
    write_report_html(plan, folder / "report.html")
    write_map_png(plan, folder / "map.png")
