"""The building blocks of the funding tables: columns, cells, rows, the Table the page
renders and its CSV/XLSX export writes, and the links that keep the page's filters."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

ZERO = Decimal("0")


@dataclass(frozen=True)
class Column:
    label: str
    # text | money | int | ratio | percent | date
    kind: str = "text"
    # A second figure in the same cell: USD beside a donor-currency amount, or a title
    # under a code. The export writes it as its own column, headed `secondary`.
    secondary: str = ""


@dataclass(frozen=True)
class Cell:
    value: object = None
    secondary: object = None
    currency: str = ""
    url: str = ""


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    # "total" rows are footers; level 1 rows sit under the row before them (outputs).
    kind: str = ""
    level: int = 0
    # (label, url) links a manager may follow from this row: pages, not exported figures.
    actions: tuple[tuple[str, str], ...] = ()


# Builds a row's actions from the object behind it; None when the viewer may not act.
Actions = Callable[[object], tuple[tuple[str, str], ...]] | None


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    footer: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: str = "Nothing to show for these filters."
    # {"csv": url, "xlsx": url} where the page offers downloads of this table.
    downloads: dict[str, str] = field(default_factory=dict)

    @property
    def has_actions(self) -> bool:
        return any(row.actions for row in self.rows)

    def export_header(self) -> list[str]:
        header = []
        for column in self.columns:
            header.append(column.label)
            if column.secondary:
                header.append(column.secondary)
        return header

    def export_rows(self) -> list[list[tuple[object, str, str]]]:
        """Every row and footer row as (value, kind, currency) per export column."""
        out = []
        for row in [*self.rows, *self.footer]:
            values = []
            for column, cell in zip(self.columns, row.cells, strict=True):
                values.append((cell.value, column.kind, cell.currency))
                if column.secondary:
                    kind = "money" if column.kind == "money" else "text"
                    values.append((cell.secondary, kind, "USD" if kind == "money" else ""))
            out.append(values)
        return out


class Links:
    """URLs that keep the page's filters (and as_donor) while drilling down."""

    def __init__(self, params: dict[str, str]):
        self.params = {k: v for k, v in params.items() if v not in (None, "")}
        # reverse() per (name, args): a table links each row's figures to the same page,
        # and a dashboard builds some 2,000 links.
        self._paths: dict[tuple, str] = {}

    def url(self, name: str, *args, fragment: str = "", **overrides) -> str:
        params = dict(self.params)
        for key, value in overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        query = urlencode(params)
        path = self._paths.get((name, args))
        if path is None:
            path = self._paths[name, args] = reverse(name, args=args)
        return path + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


def money_cell(value, currency: str, usd=None, url: str = "") -> Cell:
    # Nothing lies behind a zero: no drill-down link.
    return Cell(value=value, secondary=usd, currency=currency, url=url if (value or usd) else "")


def chart_value(value) -> str:
    """A chart value as its exact decimal text; the browser turns it into a coordinate
    (dashboard.js), so no server-side figure ever passes through a float."""
    return str(value or ZERO)
