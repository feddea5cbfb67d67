"""Reading a plan directory written by :meth:`openskies.annual.plan.AnnualPlan.write`.

A ledger can start from the files of a plan instead of the plan in memory:
``distribution.csv``, ``missions.csv``, ``routes.gpkg`` and the marker file,
which names the year.  The treaty view is that of 1 January of the year; the
per-pair cap is read from the entitlement (the default of Art. III.I.10, R4)
and re-planned routes use the bundled scenario's sites.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from openskies.errors import DataError

__all__ = ["read_plan_dir"]


def _year(folder: Path) -> int:
    """Return the year named by the plan's marker file."""
    from openskies.annual.plan import PLAN_MARKER

    marker = folder / PLAN_MARKER
    try:
        content = json.loads(marker.read_bytes()[:65536])
    except (OSError, ValueError, RecursionError):
        raise DataError(
            "not a plan directory (no readable marker file); write one with "
            "`openskies plan -o DIR` or pass a scenario file",
            file=marker,
        ) from None
    year = content.get("year") if isinstance(content, dict) else None
    if not isinstance(year, int) or isinstance(year, bool) or not 2002 <= year <= 2100:
        raise DataError(
            f"the marker names no year in 2002..2100 (got {year!r:.20}); write the "
            "plan again with `openskies plan`",
            file=marker,
            field="year",
        )
    return year


def read_plan_dir(folder: Path) -> dict[str, Any]:
    """Return the keyword arguments of :meth:`Ledger.create_from` for a plan folder.

    Raises
    ------
    DataError
        If the marker, ``distribution.csv``, ``missions.csv`` or ``routes.gpkg``
        is missing or malformed (names the file).
    """
    import pyogrio
    import pyogrio.errors

    from openskies.output.calendar_export import read_missions_csv
    from openskies.treaty.distribution import Distribution
    from openskies.treaty.loading import load_treaty

    year = _year(folder)
    distribution = Distribution.read_csv(folder / "distribution.csv")
    missions = read_missions_csv(folder / "missions.csv")
    gpkg = folder / "routes.gpkg"
    try:
        frame = pyogrio.read_dataframe(gpkg, columns=["mission_id", "status"])
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        OSError,
        ValueError,
    ) as err:
        raise DataError(
            f"cannot read the routes ({str(err)[:80]}); write the plan again",
            file=gpkg,
        ) from None
    routes = {
        str(mid): (str(status), geom)
        for mid, status, geom in zip(
            frame["mission_id"], frame["status"], frame.geometry, strict=True
        )
    }
    return {
        "view": load_treaty().as_of(dt.date(year, 1, 1)),
        "year": year,
        "distribution": distribution.flights,
        "missions": missions,
        "routes": routes,
    }
