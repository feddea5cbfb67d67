"""The one place that finds the bundled data directories and checks their manifests."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from openskies.errors import DataError

__all__ = ["bundled_dir", "verify_manifest"]

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


MANIFEST = "manifest.json"
# sha256 digests by (path, size, mtime in ns): each file is hashed once per process
_DIGESTS: dict[tuple[str, int, int], str] = {}


def verify_manifest(directory: Path, names: Iterable[str]) -> None:
    """Check files ``names`` of ``directory`` against its ``manifest.json``.

    Does nothing if the directory has no manifest; a file the manifest does not
    list is not checked.  Digests are cached per process by path, size and
    modification time, so a bundled file is hashed once (about 3 ms for the
    3 MB of bundled data).

    Parameters
    ----------
    directory
        A ``quotas/`` or ``geodata/`` directory.
    names
        The files about to be loaded from it.

    Raises
    ------
    DataError
        If the manifest is unreadable or malformed, or a listed file's size or
        sha256 digest differs from the manifest (the file is damaged or was
        edited without re-running ``geodata/update_manifest.py``).
    """
    entries = _manifest_entries(directory / MANIFEST)
    if entries is None:
        return
    for name in names:
        entry = entries.get(name)
        if entry is None:
            continue
        path = directory / name
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(expected, str):
            raise DataError(
                f"entry {name!r} has no sha256 string; regenerate the manifest with "
                f"python geodata/update_manifest.py --directory {directory}",
                file=directory / MANIFEST,
                field=name,
            )
        digest = _sha256(path)
        if digest is not None and digest != expected.lower():
            raise DataError(
                f"the file differs from {MANIFEST} (sha256 mismatch): it is damaged "
                "or was edited; reinstall openskies if it is bundled data, or, if "
                "you changed it on purpose, run python geodata/update_manifest.py "
                f"--directory {directory} (or delete {MANIFEST} there)",
                file=path,
            )


def _manifest_entries(path: Path) -> dict[str, object] | None:
    """Return the manifest's ``files`` table, or None if there is no manifest."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"cannot read the manifest: {err}", file=path) from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        message = str(err)[:80]
        raise DataError(
            f"the manifest is not valid JSON ({message})", file=path
        ) from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise DataError(
            'the manifest has no "files" object; regenerate it with '
            f"python geodata/update_manifest.py --directory {path.parent}",
            file=path,
            field="files",
        )
    return files


def _sha256(path: Path) -> str | None:
    """Return the hex sha256 of ``path`` (cached by path, size and mtime).

    None if the file cannot be read: its reader then reports it.
    """
    try:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in _DIGESTS:
            _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
    return _DIGESTS[key]
