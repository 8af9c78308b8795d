"""The drill-down lists behind the figures: overdue tranches, allocations, tranches and
expenditures, each row with the actions a manager may take on it."""

import datetime

from donors.selectors_funding import ATTRIBUTION_NOTES, FundingRow, round_money
from donors.tables.base import Actions, Cell, Column, Links, Row, Table, money_cell


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
                money_cell(d.planned_amount, d.agreement.currency, d.planned_amount_usd),
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
                    money_cell(r.allocated, r.currency, r.allocated_usd),
                    money_cell(r.received, r.currency, r.received_usd),
                    money_cell(
                        r.spent,
                        r.currency,
                        r.spent_usd,
                        url=links.url("donors:expenditure-list", project=r.label),
                    ),
                    money_cell(r.balance, r.currency, r.balance_usd),
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
                money_cell(d.planned_amount, d.agreement.currency, d.planned_amount_usd),
                Cell(d.received_date),
                money_cell(d.received_amount, d.agreement.currency, d.received_amount_usd),
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
            money_cell(e.amount, e.currency, e.amount_usd),
        ]
        if donor_view:
            cells.append(money_cell(round_money(e.attributed_usd), "USD"))
        rows.append(Row(cells))
    return Table(
        name="expenditures",
        title="Expenditures",
        columns=columns,
        rows=rows,
        notes=[ATTRIBUTION_NOTES["spending"]],
        empty="No expenditure matches these filters.",
    )
