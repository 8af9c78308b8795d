"""Chart tables of money alone: the data behind each chart, also its accessible fallback."""

from decimal import Decimal

from donors.selectors_funding import CategorySpending, FundingSummary
from donors.tables.base import ZERO, Cell, Column, Row, Table, chart_value, money_cell


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
                money_cell(years[year]["c"], "USD"),
                money_cell(years[year]["p"], "USD"),
                money_cell(years[year]["r"], "USD"),
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
            {"label": "Committed", "data": [chart_value(years[y]["c"]) for y in sorted(years)]},
            {
                "label": "Tranches planned",
                "data": [chart_value(years[y]["p"]) for y in sorted(years)],
            },
            {"label": "Received", "data": [chart_value(years[y]["r"]) for y in sorted(years)]},
        ],
    }
    return table, chart


def category_table(categories: list[CategorySpending]) -> tuple[Table, dict]:
    total = sum((c.spent_usd for c in categories), ZERO)
    rows = [
        Row(
            [
                Cell(c.label),
                money_cell(c.spent_usd, "USD"),
                Cell((c.spent_usd / total) if total else None),
            ]
        )
        for c in categories
    ]
    footer = [
        Row([Cell("Total"), money_cell(total, "USD"), Cell(Decimal(1) if total else None)], "total")
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
        "datasets": [{"label": "Spent", "data": [chart_value(c.spent_usd) for c in categories]}],
    }
    return table, chart
