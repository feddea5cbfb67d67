"""Arguments and helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openskies.treaty.model import Treaty

__all__ = [
    "FORMATS",
    "add_data_arguments",
    "add_format_argument",
    "choice_argument",
    "csv_text",
    "format_table",
    "json_text",
    "plain",
    "print_formatted",
    "treaty_from",
]

#: Type names of pandas' missing values, which :func:`plain` writes as ``None``.
_MISSING = ("NAType", "NaTType")
#: What ``--format`` accepts: a text table (the default), JSON or CSV.
FORMATS = ("text", "json", "csv")


def choice_argument(
    parser: argparse.ArgumentParser, flag: str, kind: type[enum.StrEnum], help: str
) -> None:
    """Add ``flag`` taking one value of ``kind``, the first member by default."""
    values = [member.value for member in kind]
    parser.add_argument(flag, choices=values, default=values[0], help=help)


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--quotas-dir`` and ``--geodata-dir`` to ``parser``."""
    parser.add_argument(
        "--quotas-dir", help="directory of quota tables (default: bundled data)"
    )
    parser.add_argument(
        "--geodata-dir", help="directory of geodata (default: bundled data)"
    )


def treaty_from(args: argparse.Namespace) -> Treaty:
    """Load the treaty from the data directories named in ``args``."""
    from openskies.treaty.loading import load_treaty

    return load_treaty(args.quotas_dir, args.geodata_dir)


def format_table(header: list[str], rows: list[list[str]]) -> str:
    """Return rows as a plain text table with aligned columns (drawn by rich).

    Plain text whatever the terminal: no colour, no markup (a ``[U]`` mark is
    shown as is), no wrapping; a dashed rule under the header.
    """
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(
        box=box.Box("    \n    \n -  \n    \n    \n    \n    \n    \n"),
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for title in header:
        table.add_column(title, no_wrap=True, overflow="ignore")
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    buffer = io.StringIO()
    Console(
        file=buffer, width=100_000, color_system=None, markup=False, highlight=False
    ).print(table, crop=False)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def add_format_argument(parser: argparse.ArgumentParser, json: str, csv: str) -> None:
    """Add ``--format text|json|csv`` (default text) to ``parser``.

    ``json`` and ``csv`` say what the command prints in each machine form;
    they are shown in ``--help``.
    """
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=FORMATS[0],
        help=f"text: tables for people (default); json: {json}; csv: {csv} "
        "(one header row)",
    )


def plain(value: object) -> Any:
    """Return ``value`` as JSON-ready data: dates in ISO 8601, no NaN or infinity.

    Mappings keep their key order; tuples, lists and sets become lists (sets
    sorted); numpy scalars and fractions become Python numbers; a NaN or infinite float
    and pandas' missing values (``NA``, ``NaT``) become ``None`` (JSON has no
    such numbers).
    """
    if type(value).__name__ in _MISSING:
        return None
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, set | frozenset):
        return [plain(item) for item in sorted(value)]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # a numpy scalar
    if isinstance(value, numbers.Rational) and not isinstance(value, int):
        value = float(value)  # a Fraction (an objective's exact value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def json_text(document: object) -> str:
    """Return ``document`` as indented, valid JSON (see :func:`plain`)."""
    import json

    return json.dumps(plain(document), indent=1, ensure_ascii=False, allow_nan=False)


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Return ``rows`` as CSV with one header row of ``columns``.

    A missing or ``None`` cell is empty, a list is joined by spaces, booleans
    are ``true``/``false``; text that a spreadsheet would run as a formula is
    neutralised with a leading ``'`` (as in every CSV the library writes).
    """
    import csv
    import io

    from openskies.files.atomic import neutralise_cell

    def cell(value: object) -> object:
        value = plain(value)
        if isinstance(value, list):
            value = " ".join(str(item) for item in value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else neutralise_cell(value)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([cell(row.get(c)) for c in columns] for row in rows)
    return buffer.getvalue().rstrip("\n")


def print_formatted(
    form: str,
    document: object,
    columns: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
) -> bool:
    """Print ``document`` as JSON or ``rows`` as CSV; return False for text.

    Every command's ``--format`` goes through here: with ``json`` the whole
    ``document`` is printed, with ``csv`` the table of ``rows`` (the
    command's main table), with ``text`` nothing is printed and the caller
    prints its tables for people.
    """
    if form == "json":
        print(json_text(document))
        return True
    if form == "csv":
        print(csv_text(columns, rows))
        return True
    return False
