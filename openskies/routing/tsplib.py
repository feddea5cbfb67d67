"""TSPLIB distances and the OPLib orienteering format (reader and solutions).

TSPLIB (Reinelt 1991, "TSPLIB - a traveling salesman problem library", and
its format description TSPLIB95) defines integer leg lengths per
``EDGE_WEIGHT_TYPE``; OPLib (Kobeaga, Merino & Lozano 2018) adds
``COST_LIMIT`` (the length budget), ``NODE_SCORE_SECTION`` and the depot
that starts and ends the closed tour.  A route is valid when its integer
length is at most ``COST_LIMIT``.

Distances, with ``nint(x) = int(x + 0.5)`` as TSPLIB95 defines it:

* ``EUC_2D``: ``nint(sqrt(dx**2 + dy**2))``;
* ``CEIL_2D``: ``ceil(sqrt(dx**2 + dy**2))``;
* ``ATT``: pseudo-Euclidean, ``r = sqrt((dx**2 + dy**2) / 10)``, ``t = nint(r)``,
  ``t + 1`` if ``t < r`` else ``t``;
* ``GEO``: coordinates ``DDD.MM`` (degrees and minutes) converted with
  ``PI = 3.141592`` and truncated degrees, as Concorde and LKH do, on a
  sphere of radius 6378.388 km; ``int(R * acos(...) + 1.0)`` [km];
* ``EXPLICIT``: a given matrix (``FULL_MATRIX``, ``UPPER_ROW``,
  ``LOWER_ROW``, ``UPPER_DIAG_ROW``, ``LOWER_DIAG_ROW``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from openskies.errors import DataError, OptionsError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    Floats = NDArray[np.float64]

__all__ = [
    "TSPLIB_METRICS",
    "OPInstance",
    "OPSolution",
    "read_oplib",
    "read_oplib_solution",
    "tsplib_distance",
]

#: Solver metric names of the TSPLIB edge weight types with coordinates.
TSPLIB_METRICS = {"EUC_2D": "euc_2d", "CEIL_2D": "ceil_2d", "ATT": "att", "GEO": "geo"}
_GEO_PI, _GEO_R = 3.141592, 6378.388
_FORMATS = ("FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW")
_MAX_DIMENSION = 1_000_000  # far above OPLib's largest (7,397)
_MAX_ABS = 1e12  # coordinates, weights and the budget stay exact in float64 sums


def _geo_radians(v: Floats) -> Floats:
    """Convert TSPLIB ``DDD.MM`` values to radians (truncated degrees)."""
    deg = np.trunc(v)
    out: Floats = _GEO_PI * (deg + 5.0 * (v - deg) / 3.0) / 180.0
    return out


def tsplib_distance(a: ArrayLike, b: ArrayLike, metric: str) -> Floats:
    """Integer TSPLIB leg lengths between point arrays, element by element.

    Parameters
    ----------
    a, b
        Arrays of shape (..., 2) broadcastable together: ``(x, y)``, or
        ``(latitude, longitude)`` as ``DDD.MM`` for ``"geo"``.
    metric
        ``"euc_2d"``, ``"ceil_2d"``, ``"att"`` or ``"geo"``.

    Returns
    -------
    numpy.ndarray
        The integer lengths as float64 (exact up to 2**53) [TSPLIB units;
        km for geo].

    Raises
    ------
    OptionsError
        If ``metric`` is not one of those names.
    """
    p, q = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if metric == "geo":
        lat_a, lon_a = _geo_radians(p[..., 0]), _geo_radians(p[..., 1])
        lat_b, lon_b = _geo_radians(q[..., 0]), _geo_radians(q[..., 1])
        q1, q2, q3 = np.cos(lon_a - lon_b), np.cos(lat_a - lat_b), np.cos(lat_a + lat_b)
        arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
        geo: Floats = np.trunc(_GEO_R * np.arccos(arg) + 1.0)
        return geo
    sq = (p[..., 0] - q[..., 0]) ** 2 + (p[..., 1] - q[..., 1]) ** 2
    if metric == "euc_2d":
        out: Floats = np.floor(np.sqrt(sq) + 0.5)
    elif metric == "ceil_2d":
        out = np.ceil(np.sqrt(sq))
    elif metric == "att":
        r = np.sqrt(sq / 10.0)
        t = np.floor(r + 0.5)
        out = np.where(t < r, t + 1.0, t)
    else:
        raise OptionsError(
            f"metric must be one of {sorted(TSPLIB_METRICS.values())}, got {metric!r}"
        )
    return out


@dataclass(frozen=True, slots=True)
class OPInstance:
    """An OPLib orienteering instance (nodes 0-based; TSPLIB numbers from 1).

    Attributes
    ----------
    name
        The ``NAME`` field.
    metric
        ``"euc_2d"``, ``"ceil_2d"``, ``"att"``, ``"geo"`` or ``"explicit"``.
    coords
        (n, 2) coordinates, or None for ``"explicit"``.
    matrix
        (n, n) integer lengths as float64 for ``"explicit"``, else None.
    scores
        (n,) node scores.
    cost_limit
        The length budget ``COST_LIMIT`` [TSPLIB units].
    depot
        The 0-based depot that starts and ends the tour.
    """

    name: str
    metric: str
    coords: Floats | None
    matrix: Floats | None
    scores: Floats
    cost_limit: float
    depot: int

    @property
    def dimension(self) -> int:
        """Number of nodes."""
        return len(self.scores)

    def route_length(self, route: ArrayLike) -> float:
        """Integer TSPLIB length of ``route`` (0-based node indices in order)."""
        r = np.asarray(route, dtype=np.intp)
        if r.size < 2:
            return 0.0
        if self.matrix is not None:
            return float(self.matrix[r[:-1], r[1:]].sum())
        assert self.coords is not None
        legs = tsplib_distance(self.coords[r[:-1]], self.coords[r[1:]], self.metric)
        return float(legs.sum())


@dataclass(frozen=True, slots=True)
class OPSolution:
    """A route of an OPLib solution file (EA4OP's ``.sol``).

    Attributes
    ----------
    score, cost
        The stated ``ROUTE_SCORE`` and ``ROUTE_COST``.
    route
        0-based nodes of ``NODE_SEQUENCE_SECTION`` in order, the first
        (the depot) repeated at the end: the closed tour whose length
        ``ROUTE_COST`` states.
    """

    score: float
    cost: float
    route: tuple[int, ...]


class _Lines:
    """The numbered, stripped lines of a text file and error messages naming them."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise DataError(f"cannot read: {str(err)[:200]}", file=path) from None
        self.lines = [(k + 1, s.strip()) for k, s in enumerate(text.splitlines())]

    def error(self, line: int, field: str, message: str) -> DataError:
        """Return a DataError naming the file, line and field."""
        return DataError(f"line {line}: {message}", file=self.path, field=field)

    def number(self, line: int, field: str, token: str) -> float:
        """Parse a finite number of absolute value at most _MAX_ABS."""
        try:
            value = float(token)
        except ValueError:
            value = math.nan
        if not abs(value) <= _MAX_ABS:
            raise self.error(
                line,
                field,
                f"expected a finite number up to {_MAX_ABS:g} in "
                f"absolute value, got {token[:40]!r}",
            )
        return value

    def parse(
        self,
    ) -> tuple[dict[str, tuple[int, str]], dict[str, list[tuple[int, str]]]]:
        """Split into ``KEY : value`` fields and the lines of each ``*_SECTION``."""
        fields: dict[str, tuple[int, str]] = {}
        sections: dict[str, list[tuple[int, str]]] = {}
        current: list[tuple[int, str]] | None = None
        for k, s in self.lines:
            head = s.split(":", 1)[0].strip().upper() if s else ""
            if s == "" or head == "EOF":
                continue
            if head.endswith("_SECTION"):
                current = sections.setdefault(head, [])
                rest = s.split(":", 1)[1].strip() if ":" in s else ""
                if rest:
                    current.append((k, rest))
            elif ":" in s and not head[:1].isdigit() and head[:1] not in "-.":
                fields[head] = (k, s.split(":", 1)[1].strip())
                current = None
            elif current is None:
                raise self.error(
                    k, "line", f"expected 'KEY : value' or a section, got {s[:40]!r}"
                )
            else:
                current.append((k, s))
        return fields, sections

    def field(self, fields: dict[str, tuple[int, str]], key: str) -> tuple[int, str]:
        """Return the line and value of a required field."""
        if key not in fields:
            raise DataError(f"missing the {key} field", file=self.path, field=key)
        return fields[key]

    def table(
        self, rows: list[tuple[int, str]], key: str, n: int, width: int
    ) -> Floats:
        """Parse ``n`` rows ``index v1 .. v_width`` (index 1..n, any order)."""
        out = np.full((n, width), np.nan)
        for k, s in rows:
            tokens = s.split()
            if len(tokens) != width + 1:
                raise self.error(
                    k, key, f"expected a node number and {width} values, got {s[:40]!r}"
                )
            node = self.number(k, key, tokens[0])
            if node != int(node) or not 1 <= node <= n:
                raise self.error(
                    k, key, f"node number must be 1 to {n}, got {tokens[0][:20]!r}"
                )
            if not np.isnan(out[int(node) - 1, 0]):
                raise self.error(k, key, f"node {int(node)} appears twice")
            out[int(node) - 1] = [self.number(k, key, t) for t in tokens[1:]]
        missing = np.flatnonzero(np.isnan(out[:, 0]))
        if missing.size:
            raise DataError(
                f"node {missing[0] + 1} is missing", file=self.path, field=key
            )
        return out


def _explicit(src: _Lines, rows: list[tuple[int, str]], fmt: str, n: int) -> Floats:
    """Build the (n, n) matrix of an EDGE_WEIGHT_SECTION in format ``fmt``."""
    key = "EDGE_WEIGHT_SECTION"
    values = [(k, t) for k, s in rows for t in s.split()]
    diag = "DIAG" in fmt
    count = (
        n * n
        if fmt == "FULL_MATRIX"
        else n * (n + 1) // 2
        if diag
        else n * (n - 1) // 2
    )
    if len(values) != count:  # checked before any (n, n) work
        line = values[-1][0] if values else 0
        raise src.error(
            line, key, f"{fmt} of {n} nodes needs {count} weights, got {len(values)}"
        )
    i, j = np.triu_indices(n, 0 if diag else 1)
    if fmt == "FULL_MATRIX":
        i, j = np.divmod(np.arange(n * n), n)
    elif fmt.startswith("LOWER"):
        i, j = np.tril_indices(n, 0 if diag else -1)
    w = np.array([src.number(k, key, t) for k, t in values])
    if (w < 0).any():
        bad = int(np.flatnonzero(w < 0)[0])
        raise src.error(
            values[bad][0],
            key,
            f"weights must be non-negative, got {values[bad][1][:20]!r}",
        )
    m = np.zeros((n, n))
    m[i, j] = w
    if fmt != "FULL_MATRIX":
        m[j, i] = w
    return m


def read_oplib(path: str | Path) -> OPInstance:
    """Read an OPLib orienteering instance (TSPLIB with COST_LIMIT and scores).

    Parameters
    ----------
    path
        The ``.oplib`` file.

    Returns
    -------
    OPInstance
        Coordinates or matrix, scores, budget and depot (0-based).

    Raises
    ------
    DataError
        If the file cannot be read or a field or section is missing or
        malformed; the message names the file, line and field.
    """
    src = _Lines(path)
    fields, sections = src.parse()
    line, text = src.field(fields, "DIMENSION")
    n = src.number(line, "DIMENSION", text)
    if n != int(n) or not 1 <= n <= _MAX_DIMENSION:
        raise src.error(
            line,
            "DIMENSION",
            f"must be an integer 1 to {_MAX_DIMENSION:,}, got {text[:20]!r}",
        )
    n = int(n)
    line, text = src.field(fields, "COST_LIMIT")
    limit = src.number(line, "COST_LIMIT", text)
    if limit < 0:
        raise src.error(line, "COST_LIMIT", f"must be non-negative, got {text[:20]!r}")
    line, kind = src.field(fields, "EDGE_WEIGHT_TYPE")
    kind = kind.upper()
    coords = matrix = None
    if kind == "EXPLICIT":
        fline, fmt = src.field(fields, "EDGE_WEIGHT_FORMAT")
        if fmt.upper() not in _FORMATS:
            raise src.error(
                fline,
                "EDGE_WEIGHT_FORMAT",
                f"must be one of {_FORMATS}, got {fmt[:30]!r}",
            )
        rows = _section(src, sections, "EDGE_WEIGHT_SECTION")
        matrix, metric = _explicit(src, rows, fmt.upper(), n), "explicit"
    elif kind in TSPLIB_METRICS:
        rows = _section(src, sections, "NODE_COORD_SECTION")
        coords, metric = (
            src.table(rows, "NODE_COORD_SECTION", n, 2),
            TSPLIB_METRICS[kind],
        )
    else:
        allowed = (*TSPLIB_METRICS, "EXPLICIT")
        raise src.error(
            line, "EDGE_WEIGHT_TYPE", f"must be one of {allowed}, got {kind[:30]!r}"
        )
    scores = src.table(
        _section(src, sections, "NODE_SCORE_SECTION"), "NODE_SCORE_SECTION", n, 1
    )[:, 0]
    if (scores < 0).any():
        raise DataError(
            f"node {int(np.argmin(scores >= 0)) + 1} has a negative score",
            file=path,
            field="NODE_SCORE_SECTION",
        )
    depot = _depot(src, _section(src, sections, "DEPOT_SECTION"), n)
    name = fields.get("NAME", (0, Path(path).stem))[1]
    return OPInstance(name, metric, coords, matrix, scores, limit, depot)


def _section(
    src: _Lines, sections: dict[str, list[tuple[int, str]]], key: str
) -> list[tuple[int, str]]:
    """Return the lines of a required section."""
    if key not in sections:
        raise DataError(f"missing the {key}", file=src.path, field=key)
    return sections[key]


def _depot(src: _Lines, rows: list[tuple[int, str]], n: int) -> int:
    """Return the one depot of a DEPOT_SECTION (ended by -1), 0-based."""
    nodes = [(k, t) for k, s in rows for t in s.split()]
    nodes = (
        nodes[: [t for _, t in nodes].index("-1")]
        if any(t == "-1" for _, t in nodes)
        else nodes
    )
    if len(nodes) != 1:
        line = nodes[-1][0] if nodes else (rows[0][0] if rows else 0)
        raise src.error(
            line, "DEPOT_SECTION", f"expected one depot then -1, got {len(nodes)} nodes"
        )
    k, t = nodes[0]
    v = src.number(k, "DEPOT_SECTION", t)
    if v != int(v) or not 1 <= v <= n:
        raise src.error(
            k, "DEPOT_SECTION", f"depot must be a node 1 to {n}, got {t[:20]!r}"
        )
    return int(v) - 1


def _at(where: tuple[int, str], key: str) -> tuple[int, str, str]:
    """``(line, key, value)`` for :meth:`_Lines.number`."""
    return where[0], key, where[1]


def read_oplib_solution(path: str | Path) -> OPSolution:
    """Read an OPLib solution (EA4OP's ``.sol``): score, cost and node sequence.

    Raises
    ------
    DataError
        If a field or the NODE_SEQUENCE_SECTION is missing or malformed.
    """
    src = _Lines(path)
    fields, sections = src.parse()
    score, cost = (
        src.number(*_at(src.field(fields, k), k)) for k in ("ROUTE_SCORE", "ROUTE_COST")
    )
    rows = _section(src, sections, "NODE_SEQUENCE_SECTION")
    route = []
    for k, s in rows:
        for t in s.split():
            v = src.number(k, "NODE_SEQUENCE_SECTION", t)
            if v == -1:
                break
            if v != int(v) or v < 1:
                raise src.error(
                    k,
                    "NODE_SEQUENCE_SECTION",
                    f"expected a node number from 1, got {t[:20]!r}",
                )
            route.append(int(v) - 1)
    if not route:
        raise DataError(
            "the node sequence is empty", file=path, field="NODE_SEQUENCE_SECTION"
        )
    return OPSolution(score, cost, (*route, route[0]))
