"""The rows of a donors.tables.Table as HTML, built in Python.

A dashboard at a decade's data holds some 1,500 rows of up to 11 cells: a template included
for every cell cost seconds of rendering and left a kilobyte of blank lines per row. The
markup is the same (templates/donors/_table.html holds the table around it); values are
escaped and localised as {{ value }} would print them.
"""

from collections.abc import Iterable

from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from ctportal.templatetags.portal import amount, percent_of
from donors.tables.base import Cell, Column, Row, Table

register = template.Library()

_DASH = '<span class="text-body-secondary">—</span>'
_ACTIONS_SEPARATOR = '<span aria-hidden="true"> · </span>'


def _figure(column: Column, cell: Cell) -> str:
    """The cell's value as HTML."""
    kind, value = column.kind, cell.value
    if kind == "money":
        if value is None:
            return _DASH if cell.secondary is None else amount(cell.secondary, "USD")
        return amount(value, cell.currency)
    if kind == "date":
        return escape(date_filter(value, "j M Y")) if value else _DASH
    if value is None:
        return _DASH if kind in ("percent", "int", "ratio") else "—"
    if kind == "percent":
        return percent_of(value, 1)
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        # What localize() prints for a whole number without grouping, without its format
        # lookups (a decade's dashboard prints some two thousand counts).
        return str(value)
    return conditional_escape(localize(value))


def cell_html(column: Column, cell: Cell) -> str:
    """One cell's content: its figure (a link where something lies behind it), the USD
    equivalent beside a donor-currency amount, the detail under a label."""
    html = _figure(column, cell)
    if cell.url:
        html = f'<a href="{escape(cell.url)}">{html}</a>'
    if column.kind == "money":
        if cell.value is not None and cell.secondary is not None and cell.currency != "USD":
            html += f'<span class="usd">USD {amount(cell.secondary, "USD")}</span>'
    elif column.kind == "text" and cell.secondary:
        html += f'<span class="cell-detail">{conditional_escape(cell.secondary)}</span>'
    return html


def _openings(table: Table, footer: bool) -> list[str]:
    """The opening tag of each column's cells: the first is the row's header; the others
    carry their column's label, under which phones stack them."""
    first = "stack-title" if footer else "stack-title fw-normal"
    openings = [f'<th scope="row" class="{first}">']
    for column in table.columns[1:]:
        css = "" if column.kind == "text" else ' class="num"'
        openings.append(f'<td{css} data-label="{escape(column.label)}">')
    return openings


def _actions(row: Row) -> str:
    links = _ACTIONS_SEPARATOR.join(
        f'<a href="{escape(url)}">{escape(label)}</a>' for label, url in row.actions
    )
    return f'<td data-label="Actions" class="row-actions">{links}</td>'


@register.simple_tag
def funding_rows(
    table: Table, rows: Iterable[Row], actions: bool, footer: bool = False
) -> SafeString:
    """The <tr>s of `rows` (the table's rows, or its footer): the cells, then an actions
    cell when the table has an actions column (`actions`: table.has_actions, asked once)."""
    openings = _openings(table, footer)
    closings = ["</th>"] + ["</td>"] * (len(openings) - 1)
    html = []
    for row in rows:
        if footer:
            html.append('<tr class="fw-semibold">')
        else:
            html.append('<tr class="sub-row">' if row.level else "<tr>")
        for opening, closing, column, cell in zip(
            openings, closings, table.columns, row.cells, strict=True
        ):
            html.append(opening + cell_html(column, cell) + closing)
        if actions:
            html.append("<td></td>" if footer else _actions(row))
        html.append("</tr>\n")
    return mark_safe("".join(html))  # noqa: S308 - every value in it is escaped above
