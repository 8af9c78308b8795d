"""The disbursement report's PDF, donor by donor: each agreement with its signing date,
period, implementer and IATI identifiers, the next tranche due and one line per funded
project; then the budget against actual of the donor's projects."""

import datetime
from decimal import Decimal

from reportlab.platypus import KeepTogether, Spacer

from reports.documents.formats import money
from reports.documents.pdf.layout import (
    BODY,
    CELL,
    H2,
    MARGIN,
    NOTE,
    PAGE,
    SMALL,
    data_table,
    limited,
    more_in_workbook,
    para,
)
from reports.figures import AgreementRow, DonorSection

WIDTH = PAGE[0] - 2 * MARGIN
PROJECT_HEAD = [
    "Project",
    "Title",
    "IATI activity identifier",
    "Cur.",
    "Allocated",
    "Spent",
    "Allocated (USD)",
    "Spent (USD)",
]
PROJECT_WIDTHS = [70, 0, 150, 30, 78, 78, 78, 78]
BUDGET_HEAD = [
    "Project",
    "Year",
    "Category",
    "Cur.",
    "Budget",
    "Budget (USD)",
    "Spent to date (USD)",
    "Balance (USD)",
]
BUDGET_WIDTHS = [90, 40, 0, 30, 95, 95, 95, 95]


def _widths(widths: list[float]) -> list[float]:
    """The 0 column takes what the others leave of the page's width."""
    return [w or WIDTH - sum(widths) for w in widths]


def day(iso: str) -> str:
    return f"{datetime.date.fromisoformat(iso):%d %b %Y}" if iso else "-"


def next_tranche_text(row: AgreementRow) -> str:
    tranche = row.next_tranche
    if tranche is None:
        return "Next tranche due: none planned."
    return (
        f"Next tranche due: {day(tranche.planned_date)}, {row.currency} "
        f"{money(tranche.amount, row.currency)} (USD {money(tranche.amount_usd)})."
    )


def agreement_lines(row: AgreementRow) -> str:
    implementer = row.implementer or "-"
    identifier = row.implementer_iati_identifier or "none recorded"
    return (
        f"Signed {day(row.signed_on)}; period {day(row.start_date)} to {day(row.end_date)}. "
        f"Implementer {implementer}, IATI organisation identifier {identifier}. "
        f"{next_tranche_text(row)}"
    )


def _project_table(row: AgreementRow):
    rows = [PROJECT_HEAD]
    for line in row.projects:
        rows.append(
            [
                para(CELL, line.code),
                para(CELL, line.title),
                para(CELL, line.iati_identifier or "-"),
                line.currency,
                money(line.allocated, line.currency),
                money(line.spent, line.currency),
                money(line.allocated_usd),
                money(line.spent_usd),
            ]
        )
    return data_table(rows, _widths(PROJECT_WIDTHS), numeric_from=3, text_columns=(3,))


def _budget_table(section: DonorSection):
    """The first PDF_ROW_LIMIT lines; the total row sums them all."""
    rows = [BUDGET_HEAD]
    for line in limited(section.budget):
        rows.append(
            [
                para(CELL, line.project_code),
                str(line.year),
                para(CELL, line.category),
                line.currency,
                money(line.budget, line.currency),
                money(line.budget_usd),
                money(line.spent_usd),
                money(line.balance_usd),
            ]
        )
    budget = spent = balance = Decimal(0)
    for line in section.budget:
        budget += line.budget_usd or 0
        spent += line.spent_usd
        balance += line.balance_usd or 0
    rows.append(["Total", "", "", "USD", "", money(budget), money(spent), money(balance)])
    return data_table(rows, _widths(BUDGET_WIDTHS), numeric_from=4, total=True, text_columns=(1, 3))


def donor_detail_story(section: DonorSection) -> list:
    """One donor's agreements in detail, then its projects' budget against actual."""
    story: list = []
    # The donor's heading stays with its first agreement, never alone at a page's foot.
    heading = [para(H2, f"{section.donor_name}: agreements and projects")]
    for row in section.agreements:
        block = [
            *heading,
            para(BODY, ("b", row.reference), f" {row.title}"),
            para(SMALL, agreement_lines(row)),
            Spacer(1, 2),
        ]
        heading = []
        if row.projects:
            block.append(_project_table(row))
        else:
            block.append(para(SMALL, "No project is funded by this agreement yet."))
        story += [KeepTogether(block), Spacer(1, 5)]
    story += heading
    heading = para(H2, f"{section.donor_name}: budget against actual")
    text = (
        "Each funded project's budget by year and category against its expenditure up to "
        "the end of the period, in USD (budgets in another currency at the rate of January "
        "of their year): whole projects, whatever their funders."
    )
    shown, count = len(limited(section.budget)), len(section.budget)
    if shown < count:
        text += " " + more_in_workbook(shown, count, "lines", "Budget against actual")
    if section.budget:
        story += [heading, para(NOTE, text), _budget_table(section)]
    else:
        story += [heading, para(BODY, "No budget or expenditure is recorded for its projects.")]
    return story
