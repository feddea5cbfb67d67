"""The ``openskies`` command line: ``main(argv=None) -> int``.

Each sub-command lives in a module of :mod:`openskies.cli.main`, listed in
:data:`COMMANDS`, with a ``register`` function that adds its parser and sets
``func`` to a handler returning the exit status.  A new command is a new module
plus one entry in that table.  ``python -m openskies`` runs the same.

Exit status 2 means bad input, with exactly one line on stderr,
``openskies COMMAND: error: ...``, in command-line terms: usage errors
(a missing or malformed argument) and every :class:`~openskies.errors.OpenSkiesError`,
``ValueError`` or ``OSError`` a command raises.  A message that names a Python
keyword argument (``force=True``) names the command's flag instead (``--force``).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from openskies.cli import (
    allocation,
    ledger,
    legality,
    plan,
    planner,
    regime,
    schedule,
    sources,
    sweep,
)
from openskies.errors import OpenSkiesError
from openskies.versions import package_version

__all__ = ["COMMANDS", "build_parser", "main", "subcommands"]

#: The sub-command modules, in the order ``openskies --help`` lists them: the
#: regime, then the data flow of an annual plan.
COMMANDS = (
    regime,
    sources,
    allocation,
    schedule,
    legality,
    planner,
    plan,
    sweep,
    ledger,
)

#: Longest message printed [characters]; the rest is cut with an ellipsis.
MESSAGE_LIMIT = 1000
#: Library keyword arguments whose flag is not the keyword's own name.
_KEYWORD_FLAGS = {"time_limit_s": "--time-limit"}
#: Keyword settings said differently on the command line.
_KEYWORD_TEXT = {"transit=True": "without --no-transit"}
_KEYWORD = re.compile(r"\b([a-z][a-z0-9_]*)=(True|False|None|[^\s,;:()]+)")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` and exit with 2."""
        self.exit(
            2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n"
        )


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command registered."""
    parser = _Parser(
        prog="openskies",
        description="Plan and check flights under the Treaty on Open Skies.",
    )
    parser.add_argument(
        "--version", action="version", version=f"openskies {package_version()}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Return the sub-command parsers of ``parser`` by name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def one_line(text: str) -> str:
    """Return ``text`` on one line (any line break becomes a space), shortened."""
    flat = " ".join(part.strip() for part in str(text).splitlines() if part.strip())
    return flat if len(flat) <= MESSAGE_LIMIT else flat[: MESSAGE_LIMIT - 1] + "…"


def cli_terms(message: str, parser: argparse.ArgumentParser | None) -> str:
    """Replace ``keyword=VALUE`` by the command's flag (``--keyword VALUE``).

    Only keywords that are a destination of one of ``parser``'s options (or in
    the table of library keywords) are replaced; a flag that takes no value
    (``force=True``) is written alone.
    """
    flags = dict(_KEYWORD_FLAGS)
    switches: set[str] = set()
    for action in [] if parser is None else parser._actions:
        long = [s for s in action.option_strings if s.startswith("--")]
        if long:
            flags[action.dest] = long[0]
            if action.nargs == 0:
                switches.add(action.dest)

    def flag(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2)
        if match.group(0) in _KEYWORD_TEXT:
            return _KEYWORD_TEXT[match.group(0)]
        if name not in flags:
            return match.group(0)
        return flags[name] if name in switches else f"{flags[name]} {value}"

    return _KEYWORD.sub(flag, message)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # usage error (2), --help or --version (0)
        return stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    try:
        status: int = args.func(args)
    except BrokenPipeError:  # the reader closed the pipe (``| head``): not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OpenSkiesError, ValueError, OSError) as err:
        # a command with actions of its own (``ledger record``) names its parser
        own = getattr(args, "parser", None) or subcommands(parser).get(args.command)
        message = cli_terms(one_line(str(err)), own)
        prog = own.prog if own is not None else f"openskies {args.command}"
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
