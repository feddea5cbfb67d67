"""openskies: plan observation flights under the Treaty on Open Skies.

The public API is re-exported here; heavy dependencies (geopandas, OR-Tools) are
imported only by the functions that need them, so ``import openskies`` stays light.
"""

from __future__ import annotations

from openskies._solver import SolveOptions, SolveStatus
from openskies.aircraft import Aircraft, load_fleet, read_aircraft
from openskies.allocation import (
    AllocationResult,
    Guarantee,
    Unmet,
    UnmetReason,
    allocate,
)
from openskies.distribution import Distribution
from openskies.errors import (
    DataError,
    GeometryError,
    NotAPartyError,
    OpenSkiesError,
    OpenSkiesWarning,
    OptionsError,
    OutputError,
    UnknownStateError,
)
from openskies.ledger import Ledger
from openskies.legality import LegalityReport, check_route
from openskies.legality_batch import check_routes
from openskies.loading import load_treaty
from openskies.orienteering import OrienteeringResult, solve_orienteering
from openskies.plan import AnnualPlan, PlanSummary, plan_year
from openskies.planner import RoutePlan, plan_route
from openskies.quota_problem import (
    QuotaProblem,
    Request,
    first_distribution,
    quota_problem,
    read_requests,
)
from openskies.quotas import check_distribution
from openskies.reach import ReachableArea, reachable_area
from openskies.route import Route, routes_from_geojson
from openskies.scenario import Scenario, ScenarioError, load_scenario
from openskies.schedule import (
    Blackout,
    Mission,
    Preference,
    ScheduleResult,
    read_blackouts,
    schedule,
)
from openskies.schedule_check import check_schedule
from openskies.sites import Site, read_sites
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
    "AllocationResult",
    "AnnualPlan",
    "Blackout",
    "DataError",
    "Distribution",
    "DistributionEntry",
    "GeometryError",
    "Guarantee",
    "Ledger",
    "LegalityReport",
    "Mission",
    "NotAPartyError",
    "OpenSkiesError",
    "OpenSkiesWarning",
    "OptionsError",
    "OrienteeringResult",
    "OutputError",
    "Party",
    "PlanSummary",
    "Preference",
    "QuotaProblem",
    "ReachableArea",
    "Request",
    "Restriction",
    "Route",
    "RoutePlan",
    "Scenario",
    "ScenarioError",
    "ScheduleResult",
    "Site",
    "SolveOptions",
    "SolveStatus",
    "State",
    "Treaty",
    "TreatyView",
    "UnknownStateError",
    "Unmet",
    "UnmetReason",
    "Violation",
    "__version__",
    "allocate",
    "check_distribution",
    "check_route",
    "check_routes",
    "check_schedule",
    "first_distribution",
    "load_fleet",
    "load_scenario",
    "load_treaty",
    "plan_route",
    "plan_year",
    "quota_problem",
    "reachable_area",
    "read_aircraft",
    "read_blackouts",
    "read_requests",
    "read_sites",
    "routes_from_geojson",
    "schedule",
    "show_versions",
    "solve_orienteering",
]
