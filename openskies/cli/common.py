"""Arguments and helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openskies.treaty.model import Treaty

__all__ = ["add_data_arguments", "choice_argument", "format_table", "treaty_from"]


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
