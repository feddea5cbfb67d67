"""Find the line of a key in TOML text, for error messages that name the line.

:mod:`tomllib` returns plain values without positions.  :func:`key_lines` scans the
text once and maps every key path (table headers, ``[[arrays]]`` by index, dotted
keys, and the items of an inline array of tables written one per line) to the
1-based line where it is defined.  It is a locator for messages, not a parser:
text that :mod:`tomllib` accepted is assumed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["KeyPath", "key_lines", "line_of"]

KeyPath = tuple[str | int, ...]

_ARRAY_TABLE = re.compile(r"^\s*\[\[(?P<key>[^\]]+)\]\]\s*(#.*)?$")
_TABLE = re.compile(r"^\s*\[(?P<key>[^\[\]]+)\]\s*(#.*)?$")
_ASSIGN = re.compile(
    r"""^\s*(?P<key>(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
    r"""(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=(?P<rest>.*)$"""
)
_INLINE_KEY = re.compile(
    r"""(?:^|[{,])\s*(?P<key>[A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*="""
)


def _split(dotted: str) -> tuple[str, ...]:
    """Split a dotted TOML key into its parts, removing quotes."""
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)


def key_lines(text: str) -> dict[KeyPath, int]:
    """Return ``{key path: line}`` for the keys defined in TOML ``text``.

    Key paths are tuples of names, with the 0-based index of an array-of-tables
    element or an inline-array item: ``("requests", 2, "flights")``.
    """
    lines: dict[KeyPath, int] = {}
    counts: dict[KeyPath, int] = {}
    prefix: KeyPath = ()
    array_key: KeyPath | None = None  # key of an open multi-line inline array
    item = 0
    in_string = False
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.count('"""') % 2 or raw.count("'''") % 2:
            in_string = not in_string
            continue
        if in_string:
            continue
        if array_key is not None:
            stripped = raw.strip()
            if stripped.startswith("{"):
                path = (*array_key, item)
                lines.setdefault(path, number)
                for inner in _INLINE_KEY.finditer(stripped):
                    lines.setdefault((*path, *_split(inner["key"])), number)
                item += 1
            if stripped.startswith("]") or stripped.endswith("]"):
                array_key = None
            continue
        if match := _ARRAY_TABLE.match(raw):
            parts = _split(match["key"])
            key = (*_resolve(parts[:-1], counts), *parts[-1:])
            index = counts.get(key, 0)
            counts[key] = index + 1
            prefix = (*key, index)
            lines.setdefault(key, number)
            lines[prefix] = number
        elif match := _TABLE.match(raw):
            prefix = _resolve(_split(match["key"]), counts)
            lines.setdefault(prefix, number)
        elif match := _ASSIGN.match(raw):
            path = (*prefix, *_split(match["key"]))
            lines.setdefault(path, number)
            rest = match["rest"].split("#", 1)[0].strip()
            if rest.startswith("[") and not rest.endswith("]"):
                array_key, item = path, 0
            elif rest.startswith("{"):
                for inner in _INLINE_KEY.finditer(rest):
                    lines.setdefault((*path, *_split(inner["key"])), number)
    return lines


def _resolve(key: tuple[str, ...], counts: Mapping[KeyPath, int]) -> KeyPath:
    """Insert the current index after every array-of-tables prefix of ``key``."""
    out: list[str | int] = []
    for part in key:
        out.append(part)
        index = counts.get(tuple(out))
        if index is not None:
            out.append(index - 1)
    return tuple(out)


def line_of(lines: Mapping[KeyPath, int], path: KeyPath) -> int | None:
    """Return the line of ``path``, else of its closest defined parent."""
    for end in range(len(path), 0, -1):
        found = lines.get(path[:end])
        if found is not None:
            return found
    return None
