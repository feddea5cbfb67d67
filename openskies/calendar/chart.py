"""The mission calendar as a chart: one row per observed party, a bar per mission.

Drawn by matplotlib for :meth:`ScheduleResult.plot_calendar`, ``calendar.png``
and the HTML report.  Each bar runs from a mission's arrival at the point of
entry to its end (Art. VI: arrival to departure, at most 96 hours on the
territory) and is coloured by observer; quarters of the quota year are marked,
since Annex A limits how many flights a party receives per quarter.

A value-type module: it reads missions and knows nothing of the solvers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from openskies.calendar.types import Mission

__all__ = ["OBSERVER_PALETTE", "observer_colours", "plot_calendar"]

#: Distinct colours for observers (Okabe-Ito then Tableau, colour-blind safe first).
OBSERVER_PALETTE = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#8c564b",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#9467bd",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
)

#: Shortest bar drawn, so that a short mission stays visible [days].
_MIN_BAR_DAYS = 1.5


def observer_colours(observers: Iterable[str]) -> dict[str, str]:
    """Return one colour per observer, by sorted code (the same in every output)."""
    return {
        code: OBSERVER_PALETTE[i % len(OBSERVER_PALETTE)]
        for i, code in enumerate(sorted(set(observers)))
    }


def plot_calendar(
    missions: Sequence[Mission], year: int, ax: Axes | None = None
) -> Axes:
    """Draw missions as bars: one row per observed party, coloured by observer.

    Parameters
    ----------
    missions
        The missions to draw.
    year
        The quota year (calendar year, Annex A I); its quarters are marked.
    ax
        Axes to draw on; a new figure's axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on: x in days of ``year``, one labelled row per observed
        party (alphabetical, top down).
    """
    from matplotlib.patches import Patch

    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(12, 4)).add_subplot()
    observed = sorted({m.observed for m in missions}, reverse=True)
    row = {code: i for i, code in enumerate(observed)}
    colours = observer_colours(m.observer for m in missions)
    first = dt.datetime(year, 1, 1, tzinfo=dt.UTC)

    def day(moment: dt.datetime) -> float:
        """Days since 1 January of ``year`` 00:00 UTC [days]."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return (aware - first).total_seconds() / 86400.0

    for m in missions:
        start = day(m.arrival)
        days = max((m.end - m.arrival).total_seconds() / 86400.0, _MIN_BAR_DAYS)
        ax.broken_barh(
            [(start, days)],
            (row[m.observed] - 0.35, 0.7),
            facecolors=colours[m.observer],
            edgecolors="#333",
            linewidth=0.4,
        )
    for quarter in range(4):
        edge = day(dt.datetime(year, 1 + 3 * quarter, 1, tzinfo=dt.UTC))
        ax.axvline(edge, color="#8c959f", linewidth=0.8, linestyle=":")
        ax.text(
            edge + 45.5,
            len(observed) - 0.4,
            f"Q{quarter + 1}",
            ha="center",
            va="bottom",
            color="#57606a",
            fontsize=9,
            parse_math=False,
        )
    ax.set_xlim(0.0, day(dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)))
    ax.set_ylim(-0.7, max(len(observed), 1) - 0.1 + 0.5)
    ax.set_yticks(range(len(observed)), observed)
    months = [dt.datetime(year, month, 1, tzinfo=dt.UTC) for month in range(1, 13)]
    ax.set_xticks([day(m) for m in months], [f"{m:%b}" for m in months])
    ax.set_ylabel("observed party", parse_math=False)
    ax.set_xlabel(f"arrival to end of mission, {year} (UTC)", parse_math=False)
    ax.set_title(f"Mission calendar {year}: {len(missions)} missions", parse_math=False)
    if colours:
        ax.legend(
            handles=[
                Patch(facecolor=c, edgecolor="#333", label=f"observer {code}")
                for code, c in colours.items()
            ],
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            fontsize=8,
        )
    return ax
