"""openskies: plan observation flights under the Treaty on Open Skies.

The public API is re-exported here; heavy dependencies (geopandas, OR-Tools) are
imported only by the functions that need them, so ``import openskies`` stays light.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from openskies._solver import SolveOptions, SolveStatus
from openskies.errors import (
    DataError,
    GeometryError,
    NotAPartyError,
    OpenSkiesError,
    OpenSkiesWarning,
    OptionsError,
    UnknownStateError,
)
from openskies.loading import load_treaty
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

try:
    __version__ = version("openskies")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = [
    "Airfield",
    "DataError",
    "DistributionEntry",
    "GeometryError",
    "NotAPartyError",
    "OpenSkiesError",
    "OpenSkiesWarning",
    "OptionsError",
    "Party",
    "Restriction",
    "SolveOptions",
    "SolveStatus",
    "State",
    "Treaty",
    "TreatyView",
    "UnknownStateError",
    "__version__",
    "load_treaty",
    "show_versions",
]
