"""``openskies sources``: every value to verify before relying on it."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from openskies.cli.common import (
    add_data_arguments,
    add_format_argument,
    format_table,
    print_formatted,
    treaty_from,
)

__all__ = ["register"]

COLUMNS = ["table", "file", "key", "value", "status", "source"]
#: Width at which the text format cuts a source [characters].
SOURCE_WIDTH = 90


def register(commands: Any) -> None:
    """Add the ``sources`` sub-command."""
    sources = commands.add_parser(
        "sources",
        help="list every unconfirmed, practice or inferred value with its source",
    )
    add_format_argument(
        sources,
        json="a list of objects with the keys " + ", ".join(COLUMNS),
        csv=", ".join(COLUMNS) + " with full sources (the text table cuts them)",
    )
    add_data_arguments(sources)
    sources.set_defaults(func=run_sources)


def run_sources(args: argparse.Namespace) -> int:
    """Print the values to verify: passive quotas, distances, positions, ..."""
    from openskies.treaty.sources import HISTORY_FILE, read_history, values_to_verify

    treaty = treaty_from(args)
    # A user's quotas directory without history.csv simply has no history facts.
    path = None if args.quotas_dir is None else Path(args.quotas_dir) / HISTORY_FILE
    history = read_history(path) if path is None or path.is_file() else ()
    values = values_to_verify(treaty, history)
    rows = [[v.table, v.file, v.key, v.value, v.status, v.source] for v in values]
    records = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
    if print_formatted(args.format, records, COLUMNS, records):
        return 0
    counts = Counter(v.status for v in values)
    summary = ", ".join(f"{counts[s]} {s}" for s in sorted(counts))
    print(f"{len(values)} values to verify before relying on them ({summary})")
    print(format_table(COLUMNS, [[*r[:5], _cut(r[5])] for r in rows]))
    print("full sources: openskies sources --format csv")
    return 0


def _cut(text: str) -> str:
    return text if len(text) <= SOURCE_WIDTH else text[: SOURCE_WIDTH - 3] + "..."
