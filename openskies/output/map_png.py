"""``map.png``: the plan's map drawn by matplotlib in an equal-area projection.

Internal to :mod:`openskies.output`; :func:`plot_map` is also
``AnnualPlan.plot_map``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from openskies.output.map_layers import map_layers

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from openskies.annual.plan import AnnualPlan

__all__ = ["calendar_image", "plot_map", "write_calendar_png", "write_map_png"]

#: Smallest visible area of a territory that gets a label [km^2].
_LABEL_MIN_KM2 = 5000.0


def write_map_png(plan: AnnualPlan, path: str | Path, *, dpi: int = 100) -> None:
    """Draw territories, airfields and routes with matplotlib to a PNG file.

    Every text is drawn literally (no mathtext, no TeX, whatever the user's
    matplotlib settings), so a title with ``$`` or backslashes cannot change
    the picture or fail.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    from matplotlib import rc_context

    from openskies.files.atomic import write_bytes_atomic

    with rc_context({"text.usetex": False}):
        png = _map_png(plan, dpi)
    write_bytes_atomic(path, png)


def _map_png(plan: AnnualPlan, dpi: int) -> bytes:
    """Return the map of ``plan`` as PNG bytes."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(14, 10), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = plot_map(plan, figure.add_subplot())
    (x0, x1), (y0, y1) = axes.get_xlim(), axes.get_ylim()
    height = 15.0 * (y1 - y0) / max(x1 - x0, 1e-9) + 1.2
    figure.set_size_inches(16, min(max(height, 6.0), 14.0))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _projection(bounds: tuple[float, float, float, float]) -> Any:
    """Return a transformer to Lambert azimuthal equal-area centred on ``bounds``."""
    from pyproj import Transformer

    west, south, east, north = bounds
    lon0, lat0 = (west + east) / 2.0, (south + north) / 2.0
    return Transformer.from_crs(
        "EPSG:4326",
        f"+proj=laea +lat_0={lat0:.3f} +lon_0={lon0:.3f} +datum=WGS84 +units=km",
        always_xy=True,
    )


def plot_map(plan: AnnualPlan, ax: Axes | None = None) -> Axes:
    """Draw territories, airfields and routes of ``plan`` on matplotlib axes.

    The map is in a Lambert azimuthal equal-area projection centred on, and
    fitted to, the routes (or the territories without routes) [km]; routes
    follow their geodesics and are coloured by observer, illegal ones dashed;
    each party is labelled with its code.  Text is drawn literally (no
    mathtext).

    Parameters
    ----------
    plan
        The annual plan.
    ax
        Axes to draw on; a new figure's axes when None.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    import numpy as np
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch

    from openskies.output.map_layers import polygon_paths

    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure(figsize=(14, 10)).add_subplot()
    layers = map_layers(plan, simplify_deg=0.05)
    project = _projection(layers["bounds"])

    def xy(coordinates: Any) -> Any:
        array = np.asarray(coordinates, dtype=np.float64).reshape(-1, 2)
        x, y = project.transform(array[:, 0], array[:, 1])
        return np.column_stack([x, y])

    ax.set_facecolor("#d8e8f4")
    patches, labels = [], []
    for f in layers["neighbours"]["features"] + layers["territories"]["features"]:
        for path in polygon_paths(f["geometry"]):
            path.vertices = xy(path.vertices)
            patches.append(
                PathPatch(
                    path,
                    facecolor=f["properties"]["_fill"],
                    edgecolor="#777",
                    linewidth=0.4,
                )
            )
        labels.append(
            (f["properties"].get("party", f["properties"].get("state")), f["geometry"])
        )
    ax.add_collection(PatchCollection(patches, match_original=True))
    routes = layers["routes"]["features"]
    ax.add_collection(
        LineCollection(
            [xy(f["geometry"]["coordinates"]) for f in routes],
            colors=[f["properties"]["_colour"] for f in routes],
            linestyles=[
                "--" if f["properties"]["_verdict"] == "illegal" else "-"
                for f in routes
            ],
            linewidths=1.4,
            alpha=0.9,
        )
    )
    points = xy([f["geometry"]["coordinates"] for f in layers["airfields"]["features"]])
    ax.scatter(points[:, 0], points[:, 1], s=9, c="#0a3069", marker="^", zorder=3)
    frame = _frame(layers, xy)
    ax.set_xlim(frame[0], frame[2])
    ax.set_ylim(frame[1], frame[3])
    ax.set_aspect("equal")
    _label_parties(ax, labels, frame, xy)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(
        "Lambert azimuthal equal-area, centred on the routes", parse_math=False
    )
    scenario = plan.scenario
    ax.set_title(
        f"{scenario.title or f'Annual plan {scenario.year}'}: "
        f"{len(routes)} routes, {len(plan.schedule.missions)} missions",
        parse_math=False,
    )
    handles: list[Artist] = [
        Line2D([], [], color=colour, label=f"observer {code}")
        for code, colour in layers["observers"].items()
        if any(f["properties"]["observer"] == code for f in routes)
    ]
    handles += [
        Line2D([], [], color="#333", linestyle="--", label="illegal route"),
        Line2D([], [], color="#0a3069", marker="^", linestyle="", label="airfield"),
    ]
    handles += [
        Patch(facecolor=fill, edgecolor="#777", label=text)
        for fill, text in layers["fills"].items()
    ]
    ax.legend(handles=handles, loc="best", fontsize=8, ncols=2, framealpha=0.9)
    return ax


def _label_parties(
    ax: Axes,
    labels: list[tuple[str, dict[str, Any]]],
    frame: tuple[float, float, float, float],
    xy: Any,
) -> None:
    """Write each party's code inside the visible part of its territory."""
    import shapely
    from shapely.geometry import shape

    window = shapely.box(*frame)
    for code, geometry in labels:
        projected = shapely.transform(shape(geometry), xy)
        inside = shapely.make_valid(projected).intersection(window)
        if inside.is_empty or inside.area < _LABEL_MIN_KM2:
            continue
        point = inside.representative_point()
        ax.text(
            point.x,
            point.y,
            code,
            fontsize=8,
            ha="center",
            color="#444",
            parse_math=False,
        )


def _frame(layers: dict[str, Any], xy: Any) -> tuple[float, float, float, float]:
    """Return projected (xmin, ymin, xmax, ymax) around the routes or bounds [km]."""
    import numpy as np

    routes = layers["routes"]["features"]
    if routes:
        points = np.vstack([xy(f["geometry"]["coordinates"]) for f in routes])
    else:
        west, south, east, north = layers["bounds"]
        lon = np.linspace(west, east, 50)
        lat = np.linspace(south, north, 50)
        grid = np.array([[x, y] for x in lon for y in lat])
        points = xy(grid)
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.08 * max(float((high - low).max()), 500.0)
    return (
        float(low[0] - margin),
        float(low[1] - margin),
        float(high[0] + margin),
        float(high[1] + margin),
    )


def calendar_image(plan: AnnualPlan, image_format: str, *, dpi: int = 100) -> bytes:
    """Return the mission calendar of ``plan`` as ``png`` or ``svg`` bytes.

    The figure is as tall as the observed parties need (0.35 inch a row); SVG
    text stays text (``svg.fonttype: none``) so the report can search it.
    """
    import io

    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = len({m.observed for m in plan.schedule.missions})
    figure = Figure(figsize=(12, 1.6 + 0.35 * max(rows, 1)), dpi=dpi)
    FigureCanvasAgg(figure)
    with rc_context({"text.usetex": False, "svg.fonttype": "none"}):
        plan.schedule.plot_calendar(figure.add_subplot())
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format=image_format)
    return buffer.getvalue()


def write_calendar_png(plan: AnnualPlan, path: str | Path, *, dpi: int = 100) -> None:
    """Write the mission calendar chart of ``plan`` to a PNG file.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    from openskies.files.atomic import write_bytes_atomic

    write_bytes_atomic(path, calendar_image(plan, "png", dpi=dpi))
