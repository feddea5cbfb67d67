"""Open the files a user names, safely: one helper for every input file.

A path given by a user may name a directory, a FIFO (which would block a read
forever), a device, or hold a NUL byte (which :func:`os.stat` refuses with a
``ValueError``).  :func:`input_file` checks the path with :func:`os.stat` before
anything opens it, and :func:`read_user_text` reads a checked file as UTF-8 text
(a leading byte-order mark is dropped, line ends are kept as written), so every
reader raises the same :class:`~openskies.errors.DataError` naming the file.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path

from openskies.errors import DataError

__all__ = ["input_file", "read_user_text", "shown"]

#: Longest value quoted in an error message [characters]; longer ones are cut.
SHOWN_CHARS = 40


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """Return ``repr(value)`` cut to about ``limit`` characters for a message.

    Messages quote the bad value but never a whole line of an arbitrary file
    (a scenario may name ``/etc/passwd``), so long values end in ``...``.
    """
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def input_file(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """Return ``path`` as a :class:`~pathlib.Path` after checking it is a file.

    Parameters
    ----------
    path
        A path given by the user.
    what
        What the file is, for the message (e.g. ``"scenario file"``).

    Raises
    ------
    DataError
        If the path is not a string or path, holds a NUL byte, does not exist,
        cannot be examined, or is not a regular file (a directory, FIFO, socket
        or device); checked with :func:`os.stat`, so a FIFO never blocks.
    """
    if not isinstance(path, str | os.PathLike):
        raise DataError(
            f"expected the path of a {what}, got {type(path).__name__} {shown(path)}"
        )
    text = os.fspath(path)
    if not isinstance(text, str):
        raise DataError(f"expected a text path for the {what}, got {shown(text)}")
    name = text if text.isprintable() and len(text) <= 200 else shown(text, 200)
    if "\0" in text:
        raise DataError(f"the {what} path contains a NUL byte; remove it", file=name)
    try:
        info = os.stat(text)
    except FileNotFoundError:
        raise DataError(f"{what} not found", file=name) from None
    except OSError as err:
        raise DataError(f"cannot open the {what}: {err.strerror}", file=name) from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError(f"is a directory; give the path of a {what}", file=name)
    if not stat.S_ISREG(info.st_mode):
        raise DataError(
            f"is not a regular file (a FIFO, socket or device); give the path of "
            f"a {what}",
            file=name,
        )
    return Path(text)


def read_user_text(path: str | os.PathLike[str], *, what: str = "file") -> str:
    """Return the UTF-8 text of a user's file, without a byte-order mark.

    The bytes are decoded as they are: line ends are kept as written, so a
    reader decides where rows end (a U+2028 inside a cell is just a character).

    Raises
    ------
    DataError
        If the path is not a readable regular file (see :func:`input_file`) or
        the file is not UTF-8 text.
    """
    file = input_file(path, what=what)
    try:
        data = file.read_bytes()
    except OSError as err:
        raise DataError(f"cannot read the {what}: {err.strerror}", file=file) from None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise DataError(
            f"the {what} is not UTF-8 text (line {line}, byte {err.start + 1}); "
            "save it as UTF-8",
            file=file,
        ) from None
