"""The funding dashboard's tables and charts, built from donors.selectors_funding.

A Table is what the page shows and what its CSV/XLSX export writes: the same rows, the
same figures, the same order (donors.exports writes `Table.export_rows()`). Nothing here
queries the database except through the selectors.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from donors.selectors_funding import (
    ATTRIBUTION_NOTES,
    CategorySpending,
    FundingRow,
    FundingSummary,
    ProvinceActivity,
    ResultsRow,
    round_money,
)
from workplans.models import ProgressUpdate
from workplans.selectors_funding_results import QuarterStatus

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

    def display_rows(self) -> list[tuple[Row, list[tuple[Column, Cell]]]]:
        """Rows with each cell paired to its column, as templates render them."""
        return [(row, list(zip(self.columns, row.cells, strict=True))) for row in self.rows]

    def display_footer(self) -> list[tuple[Row, list[tuple[Column, Cell]]]]:
        return [(row, list(zip(self.columns, row.cells, strict=True))) for row in self.footer]

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

    def url(self, name: str, *args, fragment: str = "", **overrides) -> str:
        params = dict(self.params)
        for key, value in overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = str(value)
        query = urlencode(params)
        return (
            reverse(name, args=args)
            + (f"?{query}" if query else "")
            + (f"#{fragment}" if fragment else "")
        )


def _money(value, currency: str, usd=None, url: str = "") -> Cell:
    # Nothing lies behind a zero: no drill-down link.
    return Cell(value=value, secondary=usd, currency=currency, url=url if (value or usd) else "")


def _total_rows(summary: FundingSummary, make: Callable[[FundingRow, bool], Row]) -> list[Row]:
    rows = [make(total, False) for total in summary.currency_totals]
    if summary.total_usd is not None and len(summary.currency_totals) > 1:
        rows.append(make(summary.total_usd, True))
    return rows


# --- Summary tables -----------------------------------------------------------------------


def agreement_table(summary: FundingSummary, links: Links) -> Table:
    columns = [
        Column("Agreement", secondary="Donor and title"),
        Column("Currency"),
        Column("Committed", "money", "Committed (USD)"),
        Column("Allocated", "money", "Allocated (USD)"),
        Column("Received", "money", "Received (USD)"),
        Column("Spent", "money", "Spent (USD)"),
        Column("Balance", "money", "Balance (USD)"),
        Column("Overdue tranches", "int"),
        Column("Overdue", "money", "Overdue (USD)"),
        Column("Burn rate", "ratio"),
    ]

    def make(r: FundingRow, usd_only: bool = False) -> Row:
        total = r.key is None
        page = "" if total else links.url("donors:agreement-detail", r.key)
        cur = "" if usd_only else r.currency

        def m(value, usd, fragment="") -> Cell:
            url = f"{page}#{fragment}" if page and fragment else page
            return _money(None if usd_only else value, cur, usd, url)

        overdue_url = (
            links.url("donors:tranche-list", status="overdue", agreement=r.key)
            if not total
            else links.url("donors:tranche-list", status="overdue")
        )
        return Row(
            [
                Cell(r.label, r.detail, url=page),
                Cell("All, in USD" if usd_only else r.currency),
                m(r.committed, r.committed_usd),
                m(r.allocated, r.allocated_usd, "allocations"),
                m(r.received, r.received_usd, "tranches"),
                m(r.spent, r.spent_usd, "allocations"),
                m(r.balance, r.balance_usd),
                Cell(r.overdue_count, url=overdue_url if r.overdue_count else ""),
                m(r.overdue, r.overdue_usd, "tranches"),
                Cell(r.burn_rate),
            ],
            kind="total" if total else "",
        )

    return Table(
        name="agreements",
        title="By funding agreement",
        columns=columns,
        rows=[make(r) for r in summary.rows],
        footer=_total_rows(summary, make),
        notes=[
            "Spent: each agreement's share of its projects' spending (see How the figures "
            "are computed). " + ATTRIBUTION_NOTES["burn_rate"]
        ],
        empty="No funding agreement matches these filters.",
    )


_GROUP_TITLES = {
    "project": ("projects", "By project", "Project", "Title"),
    "sub_programme": ("sub_programmes", "By sub-programme", "Sub-programme", "Title"),
    "province": ("provinces", "By province (projects active in the province)", "Province", ""),
}


def group_table(summary: FundingSummary, links: Links, *, donor_view: bool) -> Table:
    """Project, sub-programme or province rows: the allocation-family figures."""
    name, title, label, secondary = _GROUP_TITLES[summary.group_by]
    columns = [
        Column(label, secondary=secondary),
        Column("Currency"),
        Column("Allocated", "money", "Allocated (USD)"),
        Column("Received", "money", "Received (USD)"),
        Column("Spent", "money", "Spent (USD)"),
        Column("Balance", "money", "Balance (USD)"),
        Column("Overdue", "money", "Overdue (USD)"),
        Column("Burn rate", "ratio"),
    ]
    if donor_view:
        columns.append(Column("Other funding (USD)", "money"))

    def label_url(r: FundingRow) -> str:
        if r.key is None:
            return ""
        if summary.group_by == "project":
            return links.url("donors:project-funding", r.label)
        if summary.group_by == "sub_programme":
            return links.url("donors:dashboard", sub_programme=r.key, fragment="projects")
        return links.url("donors:dashboard", province=r.key, fragment="projects")

    def figure_url(r: FundingRow, what: str) -> str:
        if r.key is None:
            return ""
        if summary.group_by == "project":
            if what == "spent":
                return links.url("donors:expenditure-list", project=r.label)
            return links.url("donors:project-funding", r.label, fragment="allocations")
        return label_url(r)

    def make(r: FundingRow, usd_only: bool = False) -> Row:
        cur = "" if usd_only else r.currency

        def m(value, usd, what="") -> Cell:
            return _money(None if usd_only else value, cur, usd, figure_url(r, what))

        cells = [
            Cell(r.label, r.detail, url=label_url(r)),
            Cell("All, in USD" if usd_only else r.currency),
            m(r.allocated, r.allocated_usd),
            m(r.received, r.received_usd),
            m(r.spent, r.spent_usd, "spent"),
            m(r.balance, r.balance_usd),
            m(r.overdue, r.overdue_usd),
            Cell(r.burn_rate),
        ]
        if donor_view:
            cells.append(_money(r.other_funding_usd, "USD"))
        return Row(cells, kind="total" if r.key is None else "")

    notes = [ATTRIBUTION_NOTES["receipts"]]
    if summary.group_by == "province":
        notes.insert(0, ATTRIBUTION_NOTES["province"])
    if donor_view:
        notes.append(ATTRIBUTION_NOTES["other_funding"])
    return Table(
        name=name,
        title=title,
        columns=columns,
        rows=[make(r) for r in summary.rows],
        footer=[] if summary.group_by == "province" else _total_rows(summary, make),
        notes=notes,
    )


def year_table(summary: FundingSummary, links: Links) -> Table:
    columns = [
        Column("Year"),
        Column("Currency"),
        Column("Committed", "money", "Committed (USD)"),
        Column("Planned tranches", "money", "Planned tranches (USD)"),
        Column("Received", "money", "Received (USD)"),
        Column("Spent", "money", "Spent (USD)"),
        Column("Received - spent", "money", "Received - spent (USD)"),
        Column("Overdue tranches", "int"),
        Column("Overdue", "money", "Overdue (USD)"),
    ]

    def make(r: FundingRow, usd_only: bool = False) -> Row:
        cur = "" if usd_only else r.currency
        total = r.key is None
        year = None if total else r.key

        def m(value, usd, url="") -> Cell:
            return _money(None if usd_only else value, cur, usd, "" if total else url)

        return Row(
            [
                Cell(r.label),
                Cell("All, in USD" if usd_only else r.currency),
                m(r.committed, r.committed_usd),
                m(r.planned, r.planned_usd, links.url("donors:tranche-list", year=year)),
                m(
                    r.received,
                    r.received_usd,
                    links.url("donors:tranche-list", status="received", year=year),
                ),
                m(r.spent, r.spent_usd, links.url("donors:expenditure-list", year=year)),
                m(r.balance, r.balance_usd),
                Cell(
                    r.overdue_count,
                    url=links.url("donors:tranche-list", status="overdue", year=year)
                    if r.overdue_count and not total
                    else "",
                ),
                m(r.overdue, r.overdue_usd),
            ],
            kind="total" if total else "",
        )

    return Table(
        name="years",
        title="By year",
        columns=columns,
        rows=[make(r) for r in summary.rows],
        footer=_total_rows(summary, make),
        notes=[
            "Commitments count in the year the agreement was signed, receipts in the year "
            "they arrived, tranches in their planned year and spending in the year it was "
            "spent.",
        ],
    )


# --- Chart tables: the data behind each chart, also its accessible fallback ---------------


def _plot(value) -> str:
    """A chart value as its exact decimal text; the browser turns it into a coordinate
    (dashboard.js), so no server-side figure ever passes through a float."""
    return str(value or ZERO)


def timeline_table(summary: FundingSummary) -> tuple[Table, dict]:
    """Commitments against receipts per year, all currencies in USD (from the year rows)."""
    years: dict[int, dict[str, Decimal]] = {}
    for r in summary.rows:
        slot = years.setdefault(r.key, {"c": ZERO, "p": ZERO, "r": ZERO, "s": ZERO})
        slot["c"] += r.committed_usd
        slot["p"] += r.planned_usd
        slot["r"] += r.received_usd
        slot["s"] += r.spent_usd
    rows = [
        Row(
            [
                Cell(str(year)),
                _money(years[year]["c"], "USD"),
                _money(years[year]["p"], "USD"),
                _money(years[year]["r"], "USD"),
            ]
        )
        for year in sorted(years)
    ]
    table = Table(
        name="timeline",
        title="Commitments and receipts by year (USD)",
        columns=[
            Column("Year"),
            Column("Committed (USD)", "money"),
            Column("Tranches planned (USD)", "money"),
            Column("Received (USD)", "money"),
        ],
        rows=rows,
        notes=[
            "All currencies in USD at the recorded rates: commitments by year of signature, "
            "tranches by planned year, receipts by year received."
        ],
    )
    labels = [str(y) for y in sorted(years)]
    chart = {
        "type": "bar",
        "title": "Commitments against receipts, by year (USD)",
        "labels": labels,
        "unit": "USD",
        "datasets": [
            {"label": "Committed", "data": [_plot(years[y]["c"]) for y in sorted(years)]},
            {"label": "Tranches planned", "data": [_plot(years[y]["p"]) for y in sorted(years)]},
            {"label": "Received", "data": [_plot(years[y]["r"]) for y in sorted(years)]},
        ],
    }
    return table, chart


def category_table(categories: list[CategorySpending]) -> tuple[Table, dict]:
    total = sum((c.spent_usd for c in categories), ZERO)
    rows = [
        Row(
            [
                Cell(c.label),
                _money(c.spent_usd, "USD"),
                Cell((c.spent_usd / total) if total else None),
            ]
        )
        for c in categories
    ]
    footer = [
        Row([Cell("Total"), _money(total, "USD"), Cell(Decimal(1) if total else None)], "total")
    ]
    table = Table(
        name="categories",
        title="Spending by budget category (USD)",
        columns=[
            Column("Budget category"),
            Column("Spent (USD)", "money"),
            Column("Share", "percent"),
        ],
        rows=rows,
        footer=footer if categories else [],
        empty="No spending is recorded for these filters.",
    )
    chart = {
        "type": "bar",
        "horizontal": True,
        "title": "Spending by budget category (USD)",
        "labels": [c.label for c in categories],
        "unit": "USD",
        "datasets": [{"label": "Spent", "data": [_plot(c.spent_usd) for c in categories]}],
    }
    return table, chart


def province_table(provinces: list[ProvinceActivity], links: Links) -> tuple[Table, dict]:
    rows = [
        Row(
            [
                Cell(
                    p.name,
                    url=links.url("donors:dashboard", province=p.code, fragment="projects")
                    if p.code
                    else "",
                ),
                _money(p.funding_usd, "USD"),
                Cell(p.activities),
            ]
        )
        for p in provinces
    ]
    table = Table(
        name="province_activity",
        title="Funding and activities by province",
        columns=[
            Column("Province"),
            Column("Funding of projects active there (USD)", "money"),
            Column("Activities", "int"),
        ],
        rows=rows,
        notes=[
            "A project (and an activity) covering several provinces counts in each. "
            "Activities: those of the in-force approved workplans these projects pay for."
        ],
    )
    chart = {
        "type": "bar",
        "title": "Funding (USD) and activities by province",
        "labels": [p.name for p in provinces],
        "unit": "USD",
        "datasets": [
            {"label": "Funding (USD)", "data": [_plot(p.funding_usd) for p in provinces]},
            {
                "label": "Activities",
                "data": [p.activities for p in provinces],
                "axis": "count",
            },
        ],
    }
    return table, chart


_STATUSES = list(ProgressUpdate.Status.choices)


def quarter_table(quarters: list[QuarterStatus]) -> tuple[Table, dict]:
    rows = [
        Row(
            [Cell(q.label)]
            + [Cell(q.counts.get(value, 0)) for value, _ in _STATUSES]
            + [Cell(sum(q.counts.values()))]
        )
        for q in quarters
    ]
    table = Table(
        name="quarter_status",
        title="Activity status per quarter (verified progress)",
        columns=[Column("Quarter")]
        + [Column(label, "int") for _, label in _STATUSES]
        + [Column("Activities reported", "int")],
        rows=rows,
        notes=["Only verified progress updates count; drafts and submitted updates do not."],
        empty="No verified progress has been reported on these projects' activities yet.",
    )
    chart = {
        "type": "bar",
        "stacked": True,
        "title": "Activity status per quarter",
        "labels": [q.label for q in quarters],
        "unit": "",
        # Only the statuses that occur (an empty series would crowd the legend), each with
        # the same pattern and colour on every page (`style`).
        "datasets": [
            {"label": label, "data": [q.counts.get(value, 0) for q in quarters], "style": index}
            for index, (value, label) in enumerate(_STATUSES)
            if any(q.counts.get(value) for q in quarters)
        ],
    }
    return table, chart


def results_table(rows: list[ResultsRow], links: Links) -> Table:
    out = []
    for r in rows:
        targets = "; ".join(
            f"{i.code}: {i.achieved.normalize():,f} of {i.target.normalize():,f} {i.unit}"
            for i in r.indicators
        )
        if r.output_code is None:
            out.append(
                Row(
                    [
                        Cell(
                            r.project_code,
                            r.project_title,
                            url=links.url("donors:project-funding", r.project_code),
                        ),
                        _money(r.received_usd, "USD"),
                        _money(
                            r.spent_usd,
                            "USD",
                            url=links.url("donors:expenditure-list", project=r.project_code),
                        ),
                        Cell(None),
                        Cell(targets or "No approved targets"),
                        Cell(r.share_met),
                    ]
                )
            )
        else:
            out.append(
                Row(
                    [
                        Cell(r.output_code, r.output_title),
                        _money(r.received_usd, "USD"),
                        _money(r.spent_usd, "USD"),
                        Cell(r.budget_share),
                        Cell(targets),
                        Cell(r.share_met),
                    ],
                    level=1,
                )
            )
    return Table(
        name="results",
        title="Money and results",
        columns=[
            Column("Project / output", secondary="Title"),
            Column("Received (USD)", "money"),
            Column("Spent (USD)", "money"),
            Column("Share of activity budget", "percent"),
            Column("Verified achievement against approved targets"),
            Column("Share of targets met", "percent"),
        ],
        rows=out,
        notes=[
            "Targets are those of the in-force approved workplan; achievements count only "
            "when verified. An output's share of targets met is the mean of its indicators' "
            "achievement (each capped at 100%); the project's is the mean over all its "
            "indicators.",
            "An output's money is the project's, split by the output's share of the "
            "project's planned activity budget.",
        ],
    )


def overdue_table(tranches, links: Links, today: datetime.date, actions: Actions = None) -> Table:
    rows = [
        Row(
            [
                Cell(
                    d.agreement.reference,
                    d.agreement.donor.short_name,
                    url=links.url("donors:agreement-detail", d.agreement_id, fragment="tranches"),
                ),
                Cell(d.planned_date),
                Cell(d.agreement.currency),
                _money(d.planned_amount, d.agreement.currency, d.planned_amount_usd),
                Cell((today - d.planned_date).days),
            ],
            actions=actions(d) if actions else (),
        )
        for d in tranches
    ]
    return Table(
        name="overdue",
        title="Overdue tranches",
        columns=[
            Column("Agreement", secondary="Donor"),
            Column("Planned date", "date"),
            Column("Currency"),
            Column("Planned amount", "money", "Planned amount (USD)"),
            Column("Days overdue", "int"),
        ],
        rows=rows,
        notes=["A tranche is overdue when it has not been received by its planned date."],
        empty="No tranche is overdue.",
    )


def allocation_table(
    rows: list[FundingRow], links: Links, *, by: str, actions: Actions = None
) -> Table:
    """The allocations behind an agreement's (by="project") or project's (by="agreement")
    allocated, received and spent figures."""
    first = (
        Column("Project", secondary="Agreement")
        if by == "project"
        else Column("Agreement", secondary="Project")
    )
    out = []
    for r in rows:
        project_url = links.url("donors:project-funding", r.label)
        first_cell = (
            Cell(r.label, r.detail, url=project_url) if by == "project" else Cell(r.detail, r.label)
        )
        out.append(
            Row(
                [
                    first_cell,
                    Cell(r.currency),
                    _money(r.allocated, r.currency, r.allocated_usd),
                    _money(r.received, r.currency, r.received_usd),
                    _money(
                        r.spent,
                        r.currency,
                        r.spent_usd,
                        url=links.url("donors:expenditure-list", project=r.label),
                    ),
                    _money(r.balance, r.currency, r.balance_usd),
                    Cell(r.burn_rate),
                ],
                actions=actions(r) if actions else (),
            )
        )
    return Table(
        name="allocations",
        title="Allocations",
        columns=[
            first,
            Column("Currency"),
            Column("Allocated", "money", "Allocated (USD)"),
            Column("Received", "money", "Received (USD)"),
            Column("Spent", "money", "Spent (USD)"),
            Column("Balance", "money", "Balance (USD)"),
            Column("Burn rate", "ratio"),
        ],
        rows=out,
        notes=[ATTRIBUTION_NOTES["spending"], ATTRIBUTION_NOTES["receipts"]],
        empty="No allocation matches these filters.",
    )


def tranche_table(tranches, links: Links, actions: Actions = None) -> Table:
    rows = [
        Row(
            [
                Cell(
                    d.agreement.reference,
                    d.agreement.donor.short_name,
                    url=links.url("donors:agreement-detail", d.agreement_id),
                ),
                Cell(d.agreement.currency),
                Cell(d.planned_date),
                _money(d.planned_amount, d.agreement.currency, d.planned_amount_usd),
                Cell(d.received_date),
                _money(d.received_amount, d.agreement.currency, d.received_amount_usd),
                Cell("Overdue" if d.overdue else ("Received" if d.received_date else "Planned")),
            ],
            actions=actions(d) if actions else (),
        )
        for d in tranches
    ]
    return Table(
        name="tranches",
        title="Tranches",
        columns=[
            Column("Agreement", secondary="Donor"),
            Column("Currency"),
            Column("Planned date", "date"),
            Column("Planned", "money", "Planned (USD)"),
            Column("Received date", "date"),
            Column("Received", "money", "Received (USD)"),
            Column("Status"),
        ],
        rows=rows,
        empty="No tranche matches these filters.",
    )


def expenditure_table(expenditures, links: Links, *, donor_view: bool) -> Table:
    columns = [
        Column("Date", "date"),
        Column("Project"),
        Column("Category"),
        Column("Description"),
        Column("Amount", "money", "Amount (USD)"),
    ]
    if donor_view:
        columns.append(Column("Attributed to this donor (USD)", "money"))
    rows = []
    for e in expenditures:
        cells = [
            Cell(e.spent_on),
            Cell(e.project.code, url=links.url("donors:project-funding", e.project.code)),
            Cell(e.get_category_display()),
            Cell(e.description),
            _money(e.amount, e.currency, e.amount_usd),
        ]
        if donor_view:
            cells.append(_money(round_money(e.attributed_usd), "USD"))
        rows.append(Row(cells))
    return Table(
        name="expenditures",
        title="Expenditures",
        columns=columns,
        rows=rows,
        notes=[ATTRIBUTION_NOTES["spending"]],
        empty="No expenditure matches these filters.",
    )
