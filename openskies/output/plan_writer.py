"""Write an annual plan's directory of outputs: all or nothing, safe against kills.

Internal to :meth:`openskies.annual.plan.AnnualPlan.write`.

Which directories may be written
--------------------------------
The output directory may be absent or empty.  A directory that holds a previous
plan, recognised by the marker file :data:`MARKER` written with every plan (the
openskies version, the marker format and the plan's file names), is replaced only
with ``force`` and only if it holds nothing but that plan's files.  Any other
directory (a thesis folder, a plan with the user's notes added, a plan written
before markers existed) is refused, ``force`` or not: the message says why.

Crash safety (decisions)
------------------------
1. Folders left beside the output by killed runs (``.NAME.new-PID-TOKEN`` and
   ``.NAME.old-PID-TOKEN`` whose process ``PID`` is gone) are removed first.
2. The files are written into a new staging directory ``.NAME.new-PID-TOKEN`` in
   the same parent, each one fsynced (:mod:`openskies.files.atomic`); the marker
   is written last and the staging directory fsynced.
3. The staging directory takes the output's place in one atomic step: a rename
   if the output is absent, otherwise an exchange of the two names
   (``renameat2(RENAME_EXCHANGE)`` on Linux, ``renamex_np(RENAME_SWAP)`` on
   macOS, both through :mod:`ctypes`); the staging name then holds the old plan,
   which is removed.  The parent directory is fsynced.

A process killed at any moment thus leaves at the output path either the old
plan or the new one, complete; never nothing, never a mixture.  Where no
exchange exists (other systems, or file systems that refuse it) the old plan is
renamed to ``.NAME.old-PID-TOKEN`` and the staging directory to the output: a kill
between those two renames leaves the output missing, and the next write (or
:func:`prepare_target`, which the CLI calls before planning) renames the old plan
back before anything else.  Stale folders are recognised by their process id on
POSIX systems only; elsewhere they are left for the user to remove.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from openskies.errors import OptionsError, OutputError

if TYPE_CHECKING:
    from openskies.annual.plan import AnnualPlan

__all__ = ["MARKER", "prepare_target", "write_plan"]

#: The file that marks a directory as holding a plan written by openskies.
MARKER = ".openskies-plan"
_MARKER_FORMAT = 1
_MARKER_MAX_BYTES = 65536
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # macOS sys/stdio.h
_AT_FDCWD = -100  # linux/fcntl.h
_KINDS = ("new", "old")
_SUFFIX = re.compile(r"([0-9]{1,10})-[0-9a-f]{8}")


def prepare_target(outdir: Path, *, force: bool) -> None:
    """Clean up after killed runs, then raise if ``outdir`` may not be written.

    Raises
    ------
    OptionsError
        If the path contains a NUL character or names no directory (``""``,
        ``"."``, ``".."``).
    OutputError
        If ``outdir`` is a file, a non-empty directory without a plan, a plan
        with other files added, or a plan and ``force`` is False.
    """
    if "\0" in str(outdir):
        raise OptionsError(
            f"the output directory {str(outdir)[:80]!r} contains a NUL character; "
            "choose another name"
        )
    if outdir.name in ("", ".."):
        raise OptionsError(
            f"the output directory {str(outdir)!r} names no new directory; give "
            "one, e.g. plan-2019 (the current or parent directory is never replaced)"
        )
    _check_parent(outdir)
    _clean_stale(outdir)
    if not os.path.lexists(outdir):
        return
    if not outdir.is_dir():
        raise OutputError(
            f"{outdir} exists and is not a directory; choose another output directory"
        )
    entries = sorted(os.listdir(outdir))
    if not entries:
        return
    files = _plan_files(outdir)
    if files is None:
        raise OutputError(
            f"{outdir} already exists, is not empty and holds no openskies plan "
            f"(no {MARKER} file); choose another output directory: force=True "
            "replaces only a previous plan"
        )
    if not force:
        raise OutputError(
            f"{outdir} already exists and holds a plan; choose another output "
            "directory or replace it with force=True"
        )
    extra = [e for e in entries if e not in files and e != MARKER]
    if extra:
        raise OutputError(
            f"{outdir} holds a plan and {extra[0][:80]!r}, which is not part of it; "
            "move that away or choose another output directory"
        )


def _check_parent(outdir: Path) -> None:
    """Raise now if the folders above ``outdir`` cannot be created or written.

    Raises
    ------
    OutputError
        If a file stands where a folder above ``outdir`` must be.
    PermissionError
        If the nearest existing folder above ``outdir`` is not writable.
    """
    above = Path(os.path.abspath(outdir)).parent
    while not os.path.lexists(above) and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise OutputError(
            f"{above} is a file, so {outdir} cannot be created; choose another "
            "output directory"
        )
    if not os.access(above, os.W_OK | os.X_OK):
        raise PermissionError(
            errno.EACCES, f"cannot create {outdir}: {above} is not writable"
        )


def write_plan(plan: AnnualPlan, outdir: Path, *, force: bool) -> Path:
    """Write the plan's files to ``outdir`` (see the module docstring).

    Raises
    ------
    OptionsError, OutputError
        As :func:`prepare_target`.
    OSError
        If a file cannot be written (``outdir`` is left as it was).
    """
    prepare_target(outdir, force=force)
    target = Path(os.path.abspath(outdir))
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _fresh(target, "new")
    try:
        _write_files(plan, staging)
        _write_marker(plan, staging)
        _install(staging, target)
    finally:
        _remove(staging)  # after an exchange it holds the old plan
    return outdir


def _write_files(plan: AnnualPlan, folder: Path) -> None:
    from openskies.files.atomic import atomic_path
    from openskies.output.calendar_export import write_ical, write_missions_csv
    from openskies.output.map_png import write_calendar_png
    from openskies.output.report import write_map_png, write_report_html

    plan.distribution.write_csv(folder / "distribution.csv")
    write_missions_csv(plan.schedule, folder / "missions.csv")
    write_ical(plan.schedule, folder / "missions.ics", view=plan.view)
    frame = plan.routes_frame()
    for name, driver in (("routes.gpkg", "GPKG"), ("routes.geojson", "GeoJSON")):
        with atomic_path(folder / name) as temporary:
            # typed even when empty: line strings, not "Unknown" geometry
            frame.to_file(
                temporary, driver=driver, layer="routes", geometry_type="LineString"
            )
    write_report_html(plan, folder / "report.html")
    write_map_png(plan, folder / "map.png")
    write_calendar_png(plan, folder / "calendar.png")


def _write_marker(plan: AnnualPlan, folder: Path) -> None:
    """Write :data:`MARKER` (JSON) naming the files, then fsync the folder."""
    from openskies.files.atomic import fsync_directory, write_text_atomic
    from openskies.versions import package_version

    files = sorted(name for name in os.listdir(folder) if name != MARKER)
    text = json.dumps(
        {
            "openskies_plan": _MARKER_FORMAT,
            "openskies_version": package_version(),
            "year": plan.scenario.year,
            "files": files,
        },
        indent=1,
    )
    write_text_atomic(folder / MARKER, text + "\n")
    fsync_directory(folder)


def _plan_files(folder: Path) -> frozenset[str] | None:
    """Return the files a plan folder's marker lists; None if it has no marker."""
    marker = folder / MARKER
    if marker.is_symlink() or not marker.is_file():
        return None
    try:
        with marker.open("rb") as handle:
            content = json.loads(handle.read(_MARKER_MAX_BYTES))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(content, dict) or "openskies_plan" not in content:
        return None
    files = content.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return frozenset(files)


def _install(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target`` atomically; afterwards fsync the parent."""
    from openskies.files.atomic import fsync_directory

    if not os.path.lexists(target):
        os.rename(staging, target)
    elif not _exchange(staging, target):
        old = _fresh(target, "old", create=False)
        os.rename(target, old)
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(old, target)
            raise
        _remove(old)
    fsync_directory(target.parent)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; False where the system cannot."""
    import ctypes

    if sys.platform.startswith("linux"):
        name, flags, fd = "renameat2", _RENAME_EXCHANGE, True
    elif sys.platform == "darwin":  # pragma: no cover - Linux CI
        name, flags, fd = "renamex_np", _RENAME_SWAP, False
    else:  # pragma: no cover - Linux CI
        return False
    try:
        function = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):  # pragma: no cover - glibc < 2.28
        return False
    paths = (os.fsencode(first), os.fsencode(second))
    result = (
        function(_AT_FDCWD, paths[0], _AT_FDCWD, paths[1], ctypes.c_uint(flags))
        if fd
        else function(paths[0], paths[1], ctypes.c_uint(flags))
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # pragma: no cover - file systems without the exchange
    raise OSError(code, os.strerror(code), str(second))


def _fresh(target: Path, kind: str, *, create: bool = True) -> Path:
    """Return a new ``.NAME.KIND-PID-TOKEN`` path beside ``target``."""
    while True:
        path = target.parent / (
            f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"
        )
        if os.path.lexists(path):
            continue
        if create:
            try:
                path.mkdir()
            except FileExistsError:
                continue
        return path


def _clean_stale(outdir: Path) -> None:
    """Remove the folders of killed runs; restore an old plan left aside."""
    parent = outdir.parent
    try:
        names = os.listdir(parent)
    except OSError:
        return
    stale: dict[str, list[Path]] = {kind: [] for kind in _KINDS}
    for name in sorted(names):
        for kind in _KINDS:
            prefix = f".{outdir.name}.{kind}-"
            if name.startswith(prefix) and not _alive(name[len(prefix) :]):
                stale[kind].append(parent / name)
    if not stale["new"] and not stale["old"]:
        return
    if not os.path.lexists(outdir):
        for old in stale["old"]:
            if _plan_files(old) is not None:
                os.rename(old, outdir)  # a kill between the fallback's renames
                stale["old"].remove(old)
                break
    for path in (*stale["new"], *stale["old"]):
        _remove(path)


def _alive(suffix: str) -> bool:
    """Whether the process named in a ``PID-TOKEN`` suffix may still be running."""
    match = _SUFFIX.fullmatch(suffix)
    if os.name != "posix" or match is None:
        return True  # not a folder of ours, or no way to tell without signalling
    pid = int(match.group(1))
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a process id at all
    return True


def _remove(path: Path) -> None:
    """Remove a folder (or a link or file) if it exists."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)
