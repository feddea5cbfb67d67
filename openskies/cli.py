"""The ``openskies`` command line: ``main(argv=None) -> int``.

Each sub-command lives in a module of :mod:`openskies._cli` (found automatically)
with a ``register`` function that adds its parser and sets ``func`` to a handler
returning the exit status.  Exit status 2 means bad input, with a one-line message
on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from openskies import _cli
from openskies.errors import OpenSkiesError

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command registered."""
    from openskies import __version__

    parser = argparse.ArgumentParser(
        prog="openskies",
        description="Plan and check flights under the Treaty on Open Skies.",
    )
    parser.add_argument(
        "--version", action="version", version=f"openskies {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(pkgutil.iter_modules(_cli.__path__), key=lambda m: m.name):
        command = importlib.import_module(f"openskies._cli.{module.name}")
        if hasattr(command, "register"):
            command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.func(args)
    except (OpenSkiesError, ValueError, OSError) as err:
        print(f"openskies {args.command}: error: {err}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
