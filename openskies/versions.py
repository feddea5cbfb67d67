"""Report the versions of openskies and the libraries it depends on."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import PackageNotFoundError, version

__all__ = ["package_version", "show_versions"]

_PACKAGES = (
    "openskies",
    "ortools",
    "shapely",
    "pyproj",
    "geopandas",
    "pyogrio",
    "numpy",
    "pandas",
)


def package_version() -> str:
    """Return the installed version of openskies (``0+unknown`` in a source tree)."""
    try:
        return version("openskies")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


def versions() -> dict[str, str]:
    """Return ``{name: version}`` for Python, the dependencies, GEOS and PROJ."""
    found = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    import pyproj
    import shapely

    found["GEOS"] = shapely.geos_version_string
    found["PROJ"] = pyproj.proj_version_str
    return found


def show_versions() -> None:
    """Print the versions of openskies, its dependencies, GEOS and PROJ.

    Include this output in bug reports.
    """
    for name, value in versions().items():
        print(f"{name:>10}: {value}")  # noqa: T201 - printing is the purpose
