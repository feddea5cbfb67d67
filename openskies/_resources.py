"""The one place that finds the bundled ``quotas/`` and ``geodata/`` directories."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Literal

__all__ = ["bundled_dir"]

DataDirName = Literal["quotas", "geodata"]


def bundled_dir(name: DataDirName) -> Path:
    """Return the directory of bundled data ``name``.

    In an installed wheel the data live in ``openskies/_data/<name>``; in a source
    checkout or an editable install they are the repository's top-level ``<name>``
    directory beside the package.

    Parameters
    ----------
    name
        ``"quotas"`` or ``"geodata"``.

    Returns
    -------
    Path
        An existing directory.

    Raises
    ------
    FileNotFoundError
        If neither location exists (a broken installation).
    """
    package_root = importlib.resources.files("openskies")
    candidates = (
        Path(str(package_root / "_data" / name)),
        Path(str(package_root)).parent / name,
    )
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"the bundled {name}/ directory is missing (looked in "
        f"{', '.join(map(str, candidates))}); reinstall openskies"
    )
