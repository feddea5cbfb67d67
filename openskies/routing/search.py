"""The planner's search: classify sites, build distances, solve, verify, repair.

Internal to :func:`openskies.routing.planner.plan_route`, whose docstring states the
model.  :meth:`Problem.prepare` gives the orienteering instance (also used by
``benchmarks/bench_route.py`` to run other solvers on the same distances);
:meth:`Problem.solve` returns an :class:`Outcome`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from openskies.geo.route import Route
from openskies.geo.swap import swap_hint
from openskies.options import Deadline, Reading, SolveOptions, SolveStatus
from openskies.routing.candidates import (
    MAX_CANDIDATES,
    keep_candidates,
    straight_bound,
)
from openskies.routing.detour import Network
from openskies.routing.free_space import free_space
from openskies.routing.greedy import greedy_chain, order_score
from openskies.routing.orienteering import solve_orienteering
from openskies.routing.sites import SiteTable, covered_by_track, position_key
from openskies.routing.waypoints import unrepeat
from openskies.rules.catalogue import RuleId
from openskies.rules.legality import LegalityReport, check_route
from openskies.rules.registry import BORDER_KM, neighbour_buffer

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from openskies.routing.free_space import FreeSpace
    from openskies.rules.registry import RestrictionCheck, RuleSet
    from openskies.treaty.model import Airfield, TreatyView

__all__ = ["Instance", "Outcome", "Problem"]

_SAFETY = 4e-9  # the solver may exceed its budget by 1e-9 relative
_MIN_SEARCH_S = 0.05  # each search gets at least this long [s]
_BUDGET_TRIES = 3  # shorter-budget retries before dropping a site


@dataclass(frozen=True)
class Outcome:
    """What the search found; site rows index the :class:`SiteTable`."""

    route: Route | None
    status: SolveStatus
    bound: float
    reason: str
    report: LegalityReport | None
    visited: tuple[int, ...]
    covered: tuple[int, ...]
    unreachable: tuple[tuple[int, str], ...]


@dataclass(frozen=True, eq=False)
class Instance:
    """The orienteering instance of a problem.

    Attributes
    ----------
    free, net
        The free space and the detour network.
    matrix
        Path lengths between nodes [km]; inf where no legal path is known.
        Node 0 is the start, node ``last`` the end (0 for a closed tour), then
        one node per group of sites at one position.
    members
        Site rows of each node (sites at the start or end belong to those).
    score
        Value of each node; 0 for unreachable groups.
    last
        Index of the end node.
    budget
        Maximum flight distance [km].
    """

    free: FreeSpace
    net: Network
    matrix: NDArray[np.float64]
    members: list[list[int]]
    score: NDArray[np.float64]
    last: int
    budget: float

    def finite(self) -> NDArray[np.float64]:
        """Return ``matrix`` with inf replaced by a length no route can afford."""
        return np.where(np.isfinite(self.matrix), self.matrix, 4.0 * self.budget + 1.0)


@dataclass
class Problem:
    """One planning problem; :meth:`solve` returns its :class:`Outcome`."""

    view: TreatyView
    rules: RuleSet
    reading: Reading
    first: Airfield
    last: Airfield
    table: SiteTable
    swath_km: float
    transit: bool
    options: SolveOptions
    deadline: Deadline
    why: dict[int, str] = field(default_factory=dict)  # site row -> reason
    outside: set[int] = field(default_factory=set)  # site rows outside the territory

    @property
    def limit(self) -> float:
        """The maximum flight distance from the first airfield [km]."""
        assert self.first.max_distance_km is not None
        return self.first.max_distance_km

    def solve(self) -> Outcome:
        """Plan the route (see :mod:`openskies.routing.planner` for the model)."""
        banned = [
            c.restriction
            for c in self.rules.checks
            if c.restriction.kind == "mission_ban" and c.binding(self.reading)
        ]
        if banned:
            r = banned[0]
            reason = (
                f"{r.observed} refuses missions by {self.rules.observer} ({r.id}, "
                f"{r.legal_status}, binding under reading '{self.reading}')"
            )
            self.why = dict.fromkeys(range(self.table.value.size), reason)
            return self._outcome(None, SolveStatus.INFEASIBLE, 0.0, reason)
        return self._search(self.prepare())

    def prepare(self) -> Instance:
        """Classify the sites, build the detour network and the distance matrix."""
        free = free_space(self.rules, self.reading)
        comp, zone = free.locate(self.table.lon, self.table.lat)
        for k, label in enumerate(zone):
            if label:
                self.why[k] = self._zone_reason(label, k)
        self.outside = {k for k, label in enumerate(zone) if label == "outside"}
        ends = (
            [self.first] if self.first.id == self.last.id else [self.first, self.last]
        )
        end_keys = [position_key(a.lon, a.lat) for a in ends]
        rows = np.flatnonzero(comp >= 0)
        groups = [g for g in self.table.groups(rows) if self._key(g) not in end_keys]
        on_ends = [
            [
                k
                for k in rows.tolist()
                if position_key(self.table.lon[k], self.table.lat[k]) == key
            ]
            for key in end_keys
        ]
        groups = self._candidates(free, comp, groups, ends)
        xy = np.array(
            [(a.lon, a.lat) for a in ends]
            + [(self.table.lon[g[0]], self.table.lat[g[0]]) for g in groups]
        ).reshape(-1, 2)
        node_comp = np.concatenate(
            [
                free.locate(xy[: len(ends), 0], xy[: len(ends), 1])[0],
                comp[[g[0] for g in groups]],
            ]
        ).astype(np.intp)
        last = len(ends) - 1
        net = Network.build(
            free,
            xy,
            node_comp,
            start=0,
            end=last,
            budget=self.limit,
            transit=self.transit,
        )
        members = on_ends + groups
        score = np.array([self.table.value[m].sum() for m in members], dtype=np.float64)
        matrix = net.matrix(list(range(len(members))))
        self._unreachable(net, matrix, members, len(ends))
        for node in range(len(ends), len(members)):
            if members[node][0] in self.why:
                score[node] = 0.0
        return Instance(free, net, matrix, members, score, last, self.limit)

    def _candidates(
        self,
        free: FreeSpace,
        comp: NDArray[np.intp],
        groups: list[list[int]],
        ends: list[Airfield],
    ) -> list[list[int]]:
        """Drop groups out of reach (with a reason) and cap the rest.

        See :mod:`openskies.routing.candidates`.
        """
        if not groups:
            return groups
        lon = np.array([a.lon for a in (self.first, self.last)])
        lat = np.array([a.lat for a in (self.first, self.last)])
        own = free.locate(lon, lat)[0]
        rows = np.array([g[0] for g in groups], dtype=np.intp)
        xy = np.column_stack([self.table.lon[rows], self.table.lat[rows]])
        bound = straight_bound(
            xy,
            comp[rows],
            (float(lon[0]), float(lat[0]), int(own[0])),
            (float(lon[1]), float(lat[1]), int(own[1])),
        )
        way = "out and back" if len(ends) == 1 else "from start and to end"
        for g, km in zip(groups, bound.tolist(), strict=True):
            if km > self.limit:
                self.why.update(
                    dict.fromkeys(
                        g,
                        f"even straight legs {way} are {km:,.0f} km, more than "
                        f"the maximum flight distance {self.limit:,.0f} km of "
                        f"{self.first.id}",
                    )
                )
        near = np.flatnonzero(bound <= self.limit)
        score = np.array([self.table.value[groups[k]].sum() for k in near.tolist()])
        kept = near[keep_candidates(score, bound[near], MAX_CANDIDATES - len(ends))]
        return [groups[k] for k in kept.tolist()]

    def _key(self, group: list[int]) -> tuple[float, float]:
        return position_key(self.table.lon[group[0]], self.table.lat[group[0]])

    def _neighbours(self, row: int) -> list[str]:
        """Return the adjacent non-party states within 10 km of site ``row``."""
        import shapely

        lon, lat = self.table.lon[row], self.table.lat[row]
        return [
            n
            for n in self.rules.border_states
            if shapely.intersects_xy(
                neighbour_buffer(self.rules.treaty, n, self.rules.states), lon, lat
            )
        ] or list(self.rules.border_states)

    def _zone_reason(self, label: str, row: int) -> str:
        if label == "outside":
            return f"outside the territory of {self.rules.observed}" + swap_hint(
                self.table.lon[row], self.table.lat[row], self.rules.territory
            )
        if label == RuleId.BORDER:
            return (
                f"within {BORDER_KM:g} km of non-party "
                f"{', '.join(self._neighbours(row))} (Art. VI.II.4)"
            )
        check = self._check(label)
        r = check.restriction
        return (
            f"inside {r.id} ({r.kind}, {r.legal_status}), binding under reading "
            f"'{self.reading}'"
        )

    def _check(self, rid: str) -> RestrictionCheck:
        return next(c for c in self.rules.checks if c.restriction.id == rid)

    def _unreachable(
        self,
        net: Network,
        matrix: NDArray[np.float64],
        members: list[list[int]],
        fixed: int,
    ) -> None:
        """Record why each site group no route can visit is unreachable."""
        last = fixed - 1
        home = {int(net.comp[0]), int(net.comp[last])}
        for node in range(fixed, len(members)):
            out_back = matrix[0, node] + matrix[node, last]
            part = int(net.comp[node])
            connected = part in home or any((h, part) in net.gates for h in home)
            if out_back <= self.limit:
                reason = self._sublimit_reason(net, node, last)
            elif not connected and not self.transit:
                reason = (
                    "observation legs cannot reach this part of the territory; "
                    "allow transit legs (transit=True) to enter it"
                )
            elif not connected:
                reason = (
                    "no transit leg to this part of the territory avoids the "
                    "no-fly areas"
                )
            elif math.isfinite(out_back):
                reason = (
                    f"the shortest legal path out and back is {out_back:,.0f} km, "
                    f"more than the maximum flight distance {self.limit:,.0f} km of "
                    f"{self.first.id}"
                )
            elif net.lower[node] > self.limit:
                reason = (
                    f"even straight legs out and back are {net.lower[node]:,.0f} km, "
                    f"more than the maximum flight distance {self.limit:,.0f} km of "
                    f"{self.first.id}"
                )
            else:
                reason = "no legal observation path to it was found"
            if reason:
                self.why.update(dict.fromkeys(members[node], reason))
                matrix[node, :] = matrix[:, node] = np.inf

    def _sublimit_reason(self, net: Network, node: int, last: int) -> str:
        """Return why visiting a group alone breaks a sub-limit, or ''."""
        if not self._sublimits():
            return ""
        points, flags = net.expand([0, node, last])
        over = self._over_sublimits(
            Route.from_coords([p.xy for p in points], transit=flags)
        )
        if not over:
            return ""
        check, value, km = over[0]
        return (
            f"visiting it alone flies {km:,.0f} km over {check.label}, more than "
            f"the {value:g} km sub-limit of {check.restriction.id}"
        )

    def _over_sublimits(
        self, route: Route
    ) -> list[tuple[RestrictionCheck, float, float]]:
        """Return the binding sub-limits the route breaks: (check, limit, km).

        Measured leg by leg, so a leg flown twice counts twice (the planner's
        own check, on top of ``check_route``).
        """
        limits = self._sublimits()
        inside = _inside_km(route, [c for c, _ in limits])
        return [(c, v, km) for (c, v), km in zip(limits, inside, strict=True) if km > v]

    def _sublimits(self) -> list[tuple[RestrictionCheck, float]]:
        return [
            (c, float(c.restriction.value))
            for c in self.rules.checks
            if c.restriction.kind == "distance_sublimit"
            and c.area is not None
            and c.restriction.value is not None
            and c.binding(self.reading)
        ]

    def _search(self, inst: Instance) -> Outcome:
        """Solve, verify with ``check_route`` and repair until the route is legal."""
        members, last = inst.members, inst.last
        dist = inst.finite()
        live = inst.score.copy()
        budget = self.limit * (1.0 - _SAFETY)
        bound: float | None = None
        first_status = SolveStatus.UNKNOWN
        shortened = 0
        for attempt in range(len(members) + _BUDGET_TRIES + 1):
            if attempt and self.deadline.expired:
                return self._outcome(
                    None,
                    SolveStatus.INFEASIBLE,
                    bound or 0.0,
                    f"the time limit of {self.options.time_limit_s:g} s passed "
                    "before repairs made a route legal; raise the time limit",
                )
            result = solve_orienteering(
                None,
                live,
                start=0,
                end=None if last == 0 else last,
                budget=budget,
                distance_matrix=dist,
                options=self.options,
                deadline=(
                    self.deadline
                    if self.deadline.remaining() >= _MIN_SEARCH_S
                    else Deadline(_MIN_SEARCH_S)
                ),
            )
            if bound is None:
                bound, first_status = result.bound, result.status
            order = list(result.order)
            quick = greedy_chain(dist, live, last, budget)
            if result.status.has_solution and order_score(live, quick) > order_score(
                live, order
            ):  # the search ran out of time before it passed the greedy chain
                order, first_status = quick, SolveStatus.FEASIBLE
            if not result.status.has_solution or (last == 0 and len(order) <= 2):
                return self._outcome(
                    None,
                    SolveStatus.INFEASIBLE,
                    bound,
                    self._why_none(result.status.has_solution),
                )
            checked = self.route_of(inst, order)
            if checked is None:
                if not self._drop(live, dist, order, members):
                    break
                continue
            route, report = checked
            over = self._over_sublimits(route)
            if report.legal and not over:
                status = first_status if attempt == 0 else SolveStatus.FEASIBLE
                visited = [k for node in dict.fromkeys(order) for k in members[node]]
                return self._outcome(route, status, bound, "", report, visited)
            rules = {v.rule for v in report.binding}
            rules |= {c.restriction.id for c, _, _ in over}
            region = [c for c, _ in self._sublimits() if c.restriction.id in rules]
            if rules == {RuleId.DISTANCE} and shortened < _BUDGET_TRIES:
                shortened += 1
                budget -= report.distance_km - self.limit + 1e-6 * self.limit
                continue
            if not self._drop(live, dist, order, members, *region[:1]):
                break
        return self._outcome(
            None,
            SolveStatus.INFEASIBLE,
            bound or 0.0,
            "no legal route was found after repairs",
        )

    def route_of(
        self, inst: Instance, order: list[int]
    ) -> tuple[Route, LegalityReport] | None:
        """Expand a sequence of nodes into a route and check it with ``check_route``.

        Returns None when a repeated turning point or gateway cannot be moved.
        """
        points, flags = inst.net.expand(order)
        points, failed = unrepeat(inst.free, points, flags)
        if failed is not None:
            return None
        route = Route.from_coords(
            [p.xy for p in points],
            transit=flags,
            start=self.first.id,
            end=self.last.id,
            name=f"{self.rules.observer} over {self.rules.observed} "
            f"from {self.first.id}",
        )
        report = check_route(
            self.view,
            route,
            observer=self.rules.observer,
            observed=self.rules.observed,
            reading=self.reading,
        )
        return route, report

    def _drop(
        self,
        live: NDArray[np.float64],
        dist: NDArray[np.float64],
        order: list[int],
        members: list[list[int]],
        region: RestrictionCheck | None = None,
    ) -> bool:
        """Exclude the visited group of least value per kilometre saved.

        With a ``region``, only groups inside it are considered (if any).
        Returns False when the route visits no group that could be dropped.
        """
        import shapely

        inner = [k for k in range(1, len(order) - 1) if live[order[k]] > 0]
        if region is not None:
            first = [members[order[k]][0] for k in inner]
            hit = shapely.intersects_xy(
                region.area, self.table.lon[first], self.table.lat[first]
            )
            inner = [k for k, h in zip(inner, hit, strict=True) if h] or inner
        if not inner:
            return False
        pos = np.asarray(inner)
        prev, node, nxt = (np.asarray(order)[pos + d] for d in (-1, 0, 1))
        saved = dist[prev, node] + dist[node, nxt] - dist[prev, nxt]
        live[node[int(np.argmin(live[node] / np.maximum(saved, 1e-9)))]] = 0.0
        return True

    def _why_none(self, solved: bool) -> str:
        if not solved:
            return (
                f"no legal path from {self.first.id} to {self.last.id} fits within "
                f"{self.limit:,.0f} km"
            )
        return "no site with a positive value can be visited by a legal route"

    def _outcome(
        self,
        route: Route | None,
        status: SolveStatus,
        bound: float,
        reason: str,
        report: LegalityReport | None = None,
        visited: list[int] | None = None,
    ) -> Outcome:
        visited = visited or []
        covered = np.zeros(0, dtype=np.intp)
        if route is not None:
            taken = set(visited) | self.outside
            rest = np.array(
                [k for k in range(self.table.value.size) if k not in taken], np.intp
            )
            hit = covered_by_track(
                route, self.table.lon[rest], self.table.lat[rest], self.swath_km
            )
            covered = rest[hit]
        return Outcome(
            route=route,
            status=status,
            bound=float(bound),
            reason=reason,
            report=report,
            visited=tuple(visited),
            covered=tuple(covered.tolist()),
            unreachable=tuple(sorted(self.why.items())),
        )


def _inside_km(route: Route, checks: list[RestrictionCheck]) -> list[float]:
    """Return the observation length of ``route`` inside each check's area [km].

    Legs that overlap (out and back along one geodesic) count each time.
    """
    import shapely

    from openskies.geo.geodesy import densify_legs, leg_parts, length_km

    way = np.asarray(route.waypoints, dtype=np.float64)
    legs = np.flatnonzero(~np.asarray(route.transit, dtype=bool))
    if legs.size == 0:
        return [0.0] * len(checks)
    lon, lat, leg, _ = densify_legs(
        way[legs, 0], way[legs, 1], way[legs + 1, 0], way[legs + 1, 1]
    )
    parts = leg_parts(lon, lat, leg)[0]
    # part by part: intersecting the whole track would merge legs flown twice
    return [float(length_km(shapely.intersection(parts, c.area)).sum()) for c in checks]
