"""The dashboard's summary tables: by agreement, by project, sub-programme or province, and
by year, each with its per-currency totals (and their sum in USD)."""

from collections.abc import Callable

from donors.selectors_funding import ATTRIBUTION_NOTES, FundingRow, FundingSummary
from donors.tables.base import Cell, Column, Links, Row, Table, money_cell


def _total_rows(summary: FundingSummary, make: Callable[[FundingRow, bool], Row]) -> list[Row]:
    rows = [make(total, False) for total in summary.currency_totals]
    if summary.total_usd is not None and len(summary.currency_totals) > 1:
        rows.append(make(summary.total_usd, True))
    return rows


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
            return money_cell(None if usd_only else value, cur, usd, url)

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
            return money_cell(None if usd_only else value, cur, usd, figure_url(r, what))

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
            cells.append(money_cell(r.other_funding_usd, "USD"))
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
            return money_cell(None if usd_only else value, cur, usd, "" if total else url)

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
