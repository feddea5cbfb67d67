"""Reading and writing user files; every write is atomic and durable.

A file is written to a temporary file in the same directory, flushed to disk
(``fsync``), renamed over the target, and the directory is then flushed too, so
a crash, a kill or an error never leaves a half-written file behind and a
completed write survives a power cut.

CSV files the library writes go through :func:`write_csv_atomic`, which
neutralises spreadsheet formulas: a text cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading single quote (``'=1+2``), as
the OWASP "CSV injection" guidance recommends, so that a spreadsheet shows it
as text instead of evaluating it.  Numbers (Python ``int`` and ``float``
values, negative ones included) are written unchanged: only text columns are
neutralised.  Text already starting with a quote gets one more, so a reader
recovers every cell exactly by dropping one leading quote
(:func:`restore_cell`).

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

__all__ = [
    "FORMULA_PREFIXES",
    "atomic_path",
    "fsync_directory",
    "fsync_file",
    "neutralise_cell",
    "restore_cell",
    "write_bytes_atomic",
    "write_csv_atomic",
    "write_text_atomic",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def fsync_file(path: str | Path) -> None:
    """Flush a file's data to disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def fsync_directory(path: str | Path) -> None:
    """Flush a directory's entries (renames, new files) to disk.

    A no-op where directories cannot be opened (Windows), whose file systems
    commit renames themselves.
    """
    if os.name != "posix":  # pragma: no cover - POSIX CI
        return
    fsync_file(path)


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    Use it for writers that need a file name (GeoPackage, GeoJSON via pyogrio).
    The temporary file is flushed to disk before the rename and the directory
    after it.  On an exception the temporary file is removed and ``target`` is
    untouched.

    Parameters
    ----------
    target
        The file to create or replace.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    temporary.unlink()  # writers such as GDAL refuse to overwrite an empty file
    try:
        yield temporary
        fsync_file(temporary)
        os.replace(temporary, target)
        fsync_directory(target.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_bytes_atomic(target: str | Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))


def neutralise_cell(value: object) -> object:
    """Return a CSV cell that a spreadsheet will not evaluate as a formula.

    Text starting with one of :data:`FORMULA_PREFIXES` gets a leading ``'``,
    and so does text that already starts with ``'`` so that
    :func:`restore_cell` can undo it exactly; numbers and other text are
    returned unchanged.

    Examples
    --------
    >>> neutralise_cell("=HYPERLINK(1)")
    "'=HYPERLINK(1)"
    >>> neutralise_cell(-3.5)
    -3.5
    >>> neutralise_cell("USA")
    'USA'
    """
    if isinstance(value, str) and value.startswith((*FORMULA_PREFIXES, "'")):
        return f"'{value}"
    return value


def restore_cell(text: str) -> str:
    """Return the text :func:`neutralise_cell` was given (drop one leading ``'``).

    Examples
    --------
    >>> restore_cell("'=HYPERLINK(1)")
    '=HYPERLINK(1)'
    >>> restore_cell("''quoted")
    "'quoted"
    """
    return text[1:] if text.startswith("'") else text


def write_csv_atomic(
    target: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    r"""Write a CSV file (``\\n`` line ends, UTF-8) atomically, formulas neutralised.

    Parameters
    ----------
    target
        The file to create or replace.
    header
        Column names.
    rows
        One sequence of cells per row: text (neutralised by
        :func:`neutralise_cell`), numbers (written as they are) or None
        (an empty cell).
    """
    import csv
    import io

    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    # the csv module quotes "\n" but not a lone "\r" when lines end in "\n"
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    for row in [header, *rows]:
        cells = [neutralise_cell(c) for c in row]
        carriage = any(isinstance(c, str) and "\r" in c for c in cells)
        (quoted if carriage else plain).writerow(cells)
    write_text_atomic(target, buffer.getvalue())
