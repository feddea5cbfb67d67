"""openskies: plan observation flights under the Treaty on Open Skies.

The public API is re-exported here; heavy dependencies (geopandas, OR-Tools) are
imported only by the functions that need them, so ``import openskies`` stays light.
"""

from __future__ import annotations

from openskies._solver import SolveOptions, SolveStatus
from openskies.aircraft import Aircraft, load_fleet, read_aircraft
from openskies.distribution import Distribution
from openskies.errors import (
    DataError,
    GeometryError,
    NotAPartyError,
    OpenSkiesError,
    OpenSkiesWarning,
    OptionsError,
    UnknownStateError,
)
from openskies.legality import LegalityReport, check_route
from openskies.legality_batch import check_routes
from openskies.loading import load_treaty
from openskies.planner import RoutePlan, plan_route
from openskies.reach import ReachableArea, reachable_area
from openskies.route import Route, routes_from_geojson
from openskies.schedule import (
    Blackout,
    Mission,
    Preference,
    ScheduleResult,
    read_blackouts,
    schedule,
)
from openskies.schedule_check import check_schedule
from openskies.treaty import (
    Airfield,
    DistributionEntry,
    Party,
    Restriction,
    State,
    Treaty,
    TreatyView,
)
from openskies.versions import show_versions
from openskies.violations import Violation


def __getattr__(name: str) -> str:
    """Return ``__version__`` lazily (importlib.metadata costs ~40 ms at import)."""
    if name != "__version__":
        raise AttributeError(f"module 'openskies' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("openskies")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


__all__ = [
    "Aircraft",
    "Airfield",
    "Blackout",
    "DataError",
    "Distribution",
    "DistributionEntry",
    "GeometryError",
    "LegalityReport",
    "Mission",
    "NotAPartyError",
    "OpenSkiesError",
    "OpenSkiesWarning",
    "OptionsError",
    "Party",
    "Preference",
    "ReachableArea",
    "Restriction",
    "Route",
    "RoutePlan",
    "ScheduleResult",
    "SolveOptions",
    "SolveStatus",
    "State",
    "Treaty",
    "TreatyView",
    "UnknownStateError",
    "Violation",
    "__version__",
    "check_route",
    "check_routes",
    "check_schedule",
    "load_fleet",
    "load_treaty",
    "plan_route",
    "reachable_area",
    "read_aircraft",
    "read_blackouts",
    "routes_from_geojson",
    "schedule",
    "show_versions",
]
