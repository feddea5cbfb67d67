"""Sortable HTML tables of the report (internal to :mod:`openskies.output`).

A click on a column header sorts the table by that column, numbers as numbers,
toggling ascending and descending (:data:`SORT_SCRIPT`, no library).
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["SORT_SCRIPT", "cell", "html_row", "html_table"]

SORT_SCRIPT = """
(function () {
  function key(cell) {
    var text = cell.textContent.trim();
    var number = parseFloat(text.replace(/,/g, ""));
    return text !== "" && !isNaN(number) && /^[-\\d.,]+$/.test(text) ? number : text;
  }
  document.querySelectorAll("table.data").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, column) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var down = th.dataset.sorted === "asc";
        table.querySelectorAll("thead th").forEach(function (other) {
          delete other.dataset.sorted;
        });
        th.dataset.sorted = down ? "desc" : "asc";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[column]), y = key(b.cells[column]);
          var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0)
            : (typeof x === "number" ? -1 : 1);
          return down ? -order : order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""


def html_table(
    header: list[str],
    rows: list[list[Any]],
    *,
    limit: int = 0,
    total: list[Any] | None = None,
    table_id: str = "",
) -> str:
    """Return a sortable HTML table (click a header to sort by that column)."""
    if not rows:
        return "<p>None.</p>"
    numeric = [
        all(isinstance(r[i], int | float) or r[i] in ("", None) for r in rows)
        for i in range(len(header))
    ]
    head = "".join(
        f'<th class="sortable{" num" if n else ""}">{html.escape(h)}</th>'
        for h, n in zip(header, numeric, strict=True)
    )
    body = "".join(html_row(row, numeric) for row in rows[: limit or None])
    foot = "" if total is None else html_row(total, numeric, css="total")
    more = (
        f"<p>{len(rows) - limit} more rows in the CSV files.</p>"
        if limit and len(rows) > limit
        else ""
    )
    ident = f' id="{table_id}"' if table_id else ""
    return (
        f'<table class="data"{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody><tfoot>{foot}</tfoot></table>{more}"
    )


def html_row(row: list[Any], numeric: list[bool], css: str = "") -> str:
    """Return one ``<tr>``; numeric columns are right-aligned, ``css`` its class."""
    cls = f' class="{css}"' if css else ""
    cells = "".join(
        ('<td class="num">' if n else "<td>") + f"{cell(c)}</td>"
        for c, n in zip(row, numeric, strict=True)
    )
    return f"<tr{cls}>{cells}</tr>"


def cell(value: Any) -> str:
    """Return a cell's text: thousands separators, floats to 0.1, None empty."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return html.escape("" if value is None else str(value))
