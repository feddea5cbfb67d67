"""openskies: plan observation flights under the Treaty on Open Skies.

The public API is re-exported here; heavy dependencies (geopandas, OR-Tools) are
imported only by the functions that need them, so ``import openskies`` stays light.
"""

from __future__ import annotations

from openskies.allocation.allocate import (
    AllocationResult,
    Guarantee,
    Unmet,
    UnmetReason,
    allocate,
)
from openskies.allocation.problem import (
    QuotaProblem,
    Request,
    first_distribution,
    quota_problem,
    read_requests,
)
from openskies.annual.plan import AnnualPlan, PlanSummary, plan_year
from openskies.annual.scenario import Scenario, ScenarioError
from openskies.annual.scenario_reader import load_scenario
from openskies.annual.sweep import sweep
from openskies.calendar.schedule import (
    Blackout,
    Mission,
    Preference,
    ScheduleResult,
    read_blackouts,
    schedule,
)
from openskies.errors import (
    DataError,
    GeometryError,
    NotAPartyError,
    OpenSkiesError,
    OpenSkiesWarning,
    OptionsError,
    OutputError,
    SolverError,
    UnknownStateError,
)
from openskies.geo.route import Route, routes_from_geojson
from openskies.geo.sites import Site, read_sites
from openskies.ledger import Ledger
from openskies.options import (
    Deadline,
    Objective,
    PairCap,
    Reading,
    SolveOptions,
    SolveStatus,
)
from openskies.routing.orienteering import OrienteeringResult, solve_orienteering
from openskies.routing.planner import RoutePlan, plan_route
from openskies.rules.batch import check_routes
from openskies.rules.distribution_check import check_distribution
from openskies.rules.legality import LegalityReport, check_route
from openskies.rules.reach import ReachableArea, reachable_area
from openskies.rules.schedule_check import check_schedule
from openskies.treaty.aircraft import Aircraft, load_fleet, read_aircraft
from openskies.treaty.distribution import Distribution
from openskies.treaty.loading import load_treaty
from openskies.treaty.model import (
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
    from openskies.versions import package_version

    return package_version()


__all__ = [
    "Aircraft",
    "Airfield",
    "AllocationResult",
    "AnnualPlan",
    "Blackout",
    "DataError",
    "Deadline",
    "Distribution",
    "DistributionEntry",
    "GeometryError",
    "Guarantee",
    "Ledger",
    "LegalityReport",
    "Mission",
    "NotAPartyError",
    "Objective",
    "OpenSkiesError",
    "OpenSkiesWarning",
    "OptionsError",
    "OrienteeringResult",
    "OutputError",
    "PairCap",
    "Party",
    "PlanSummary",
    "Preference",
    "QuotaProblem",
    "ReachableArea",
    "Reading",
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
    "SolverError",
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
    "sweep",
]
