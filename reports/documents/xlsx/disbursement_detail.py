"""The disbursement workbook's detail sheets: each agreement's signing date beside its
period, implementer and IATI organisation identifier and the next tranche due; one row per
funded project under each agreement; the projects' budget against actual."""

import datetime

from openpyxl import Workbook

from ctportal.money import excel_money_format
from reports.documents.pdf import ReportMeta
from reports.documents.xlsx.parts import SheetPart
from reports.documents.xlsx.sheet import DATE, Sum, TableSheet
from reports.figures import DisbursementFigures, DonorSection

NONE_PLANNED = "none planned"
PROJECTS = "Projects"
BUDGET = "Budget against actual"


def _date(iso: str) -> datetime.date | None:
    return datetime.date.fromisoformat(iso) if iso else None


def project_rows(section: DonorSection) -> list[tuple[list, list]]:
    """The donor's rows of the projects sheet, one per funded project of each agreement:
    (values, formats)."""
    usd = excel_money_format("USD")
    found = []
    for row in section.agreements:
        money = excel_money_format(row.currency)
        for line in row.projects:
            found.append(
                (
                    [
                        section.donor_short_name,
                        row.reference,
                        line.code,
                        line.title,
                        line.iati_identifier,
                        line.currency,
                        line.allocated,
                        line.spent,
                        line.allocated_usd,
                        line.spent_usd,
                    ],
                    [None] * 6 + [money, money, usd, usd],
                )
            )
    return found


def budget_rows(section: DonorSection) -> list[tuple[list, list]]:
    """The donor's rows of the budget against actual sheet: (values, formats)."""
    usd = excel_money_format("USD")
    return [
        (
            [
                section.donor_short_name,
                line.project_code,
                line.year,
                line.category,
                line.currency,
                line.budget,
                line.budget_usd,
                line.spent_usd,
                line.balance_usd,
            ],
            [None, None, "0", None, None, excel_money_format(line.currency), usd, usd, usd],
        )
        for line in section.budget
    ]


def detail_sheets(
    workbook: Workbook,
    figures: DisbursementFigures,
    meta: ReportMeta,
    donor_parts: list[dict[str, SheetPart]],
) -> list[TableSheet]:
    """The detail sheets; the projects and budget sheets list each donor's rows written
    ahead (`donor_parts`, in the sections' order: disbursement.donor_xlsx_parts)."""
    usd = excel_money_format("USD")
    sheet = TableSheet(workbook, "Agreement details", meta)
    sheet.header(
        [
            "Donor",
            "Agreement",
            "Title",
            "Signed on",
            "Starts on",
            "Ends on",
            "Implementer",
            "Implementer IATI identifier",
            "Currency",
            "Next tranche due on",
            "Next tranche amount",
            "Next tranche (USD)",
        ]
    )
    for section in figures.sections:
        for row in section.agreements:
            tranche = row.next_tranche
            sheet.row(
                [
                    section.donor_short_name,
                    row.reference,
                    row.title,
                    _date(row.signed_on),
                    _date(row.start_date),
                    _date(row.end_date),
                    row.implementer,
                    row.implementer_iati_identifier,
                    row.currency,
                    _date(tranche.planned_date) if tranche else NONE_PLANNED,
                    tranche.amount if tranche else None,
                    tranche.amount_usd if tranche else None,
                ],
                [None, None, None, DATE, DATE, DATE, None, None, None, DATE]
                + [excel_money_format(row.currency), usd],
            )
    sheet.total(["Total", *[None] * 10, Sum()], [None] * 11 + [usd])
    sheets = [sheet]

    sheet = TableSheet(workbook, PROJECTS, meta)
    sheet.header(
        [
            "Donor",
            "Agreement",
            "Project",
            "Title",
            "IATI activity identifier",
            "Currency",
            "Allocated",
            "Spent",
            "Allocated (USD)",
            "Spent (USD)",
        ]
    )
    for parts in donor_parts:
        sheet.part(parts[PROJECTS])
    sheet.total(["Total", *[None] * 7, Sum(), Sum()], [None] * 8 + [usd, usd])
    sheets.append(sheet)

    sheet = TableSheet(workbook, BUDGET, meta)
    sheet.header(
        [
            "Donor",
            "Project",
            "Year",
            "Category",
            "Currency",
            "Budget",
            "Budget (USD)",
            "Spent to date (USD)",
            "Balance (USD)",
        ]
    )
    for parts in donor_parts:
        sheet.part(parts[BUDGET])
    sheet.total(["Total", *[None] * 5, Sum(), Sum(), Sum()], [None] * 6 + [usd] * 3)
    sheets.append(sheet)
    return sheets
