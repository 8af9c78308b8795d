"""The disbursement report's workbook: an About sheet, then one table per sheet (donors,
agreements in USD and in each currency, overdue tranches), totals as SUM formulas.

The long sheets list each donor's rows in turn (DONOR_SHEETS): they are written donor by
donor (donor_xlsx_parts, from that donor's section alone) and put in place at save. An
overall report fanned out per donor has them written by each donor's own task, in
parallel (reports.services.generating); made in one run, the same parts are written one
after another, so both give the same workbook."""

import datetime
from collections.abc import Callable

from ctportal.money import excel_money_format
from reports.documents.pdf import ReportMeta
from reports.documents.pdf.layout import no_tick
from reports.documents.summary import disbursement_summary
from reports.documents.xlsx.about import about_sheet
from reports.documents.xlsx.disbursement_detail import (
    BUDGET,
    PROJECTS,
    budget_rows,
    detail_sheets,
    project_rows,
)
from reports.documents.xlsx.parts import SheetPart, rows_part
from reports.documents.xlsx.sheet import DATE, RATIO, Sum, TableSheet, report_workbook, save
from reports.figures import MONEY_FIELDS, DisbursementFigures, DonorSection

MONEY_HEAD = [
    "Committed",
    "Received",
    "Received in period",
    "Allocated",
    "Spent",
    "Balance",
    "To receive",
    "Overdue",
]
SUMS = [Sum()] * len(MONEY_FIELDS)


OVERDUE = "Overdue tranches"
# The sheets whose rows are each donor's own, in the donors' order: written per donor.
DONOR_SHEETS = (OVERDUE, PROJECTS, BUDGET)


def _date(iso: str) -> datetime.date | None:
    return datetime.date.fromisoformat(iso) if iso else None


def overdue_rows(section: DonorSection) -> list[tuple[list, list]]:
    """The donor's rows of the overdue tranches sheet: (values, formats)."""
    usd = excel_money_format("USD")
    return [
        (
            [
                section.donor_short_name,
                tranche.reference,
                _date(tranche.planned_date),
                tranche.days_overdue,
                tranche.currency,
                tranche.planned_amount,
                tranche.planned_amount_usd,
            ],
            [None, None, DATE, "0", None, excel_money_format(tranche.currency), usd],
        )
        for tranche in section.overdue
    ]


def donor_xlsx_parts(
    section: DonorSection, *, tick: Callable[[], None] = no_tick
) -> dict[str, SheetPart]:
    """The donor's rows of each of DONOR_SHEETS, written ahead; `tick` at every row."""
    if section.is_cut:
        raise ValueError(f"The section of {section.donor_short_name} is cut down for assembly.")
    parts = {}
    for title, rows in (
        (OVERDUE, overdue_rows(section)),
        (PROJECTS, project_rows(section)),
        (BUDGET, budget_rows(section)),
    ):
        sheet = TableSheet(None, title, None)
        for values, formats in rows:
            sheet.row(values, formats)
        parts[title] = rows_part(sheet, tick=tick)
    return parts


def disbursement_xlsx(
    figures: DisbursementFigures,
    meta: ReportMeta,
    *,
    tick: Callable[[], None] = no_tick,
    donor_parts: list[dict[str, SheetPart]] | None = None,
) -> bytes:
    """The workbook; `tick` is called at every row written (the run's lease heartbeat).
    `donor_parts`: each section's donor_xlsx_parts, written already (by the sections'
    tasks), in the sections' order; else they are written here."""
    if donor_parts is None:
        donor_parts = [donor_xlsx_parts(section, tick=tick) for section in figures.sections]
    if len(donor_parts) != len(figures.sections):
        raise ValueError("One part of the workbook per donor's section is needed.")
    workbook = report_workbook()
    usd = excel_money_format("USD")
    totals = figures.totals_usd
    sheets = [about_sheet(workbook, meta, disbursement_summary(figures))]

    sheet = TableSheet(workbook, "Summary USD", meta)
    sheet.header(["Donor", *[f"{h} (USD)" for h in MONEY_HEAD], "Overdue tranches", "Burn rate"])
    formats = [None, *[usd] * len(MONEY_HEAD), "0", RATIO]
    for section in figures.sections:
        t = section.totals_usd
        money = [getattr(t, name) for name in MONEY_FIELDS]
        sheet.row([section.donor_name, *money, t.overdue_count, t.burn_rate], formats)
    sheet.total(["Total", *SUMS, Sum(), totals.burn_rate], formats)
    sheets.append(sheet)

    sheet = TableSheet(workbook, "Agreements USD", meta)
    sheet.header(["Donor", "Agreement", "Title", *[f"{h} (USD)" for h in MONEY_HEAD], "Burn rate"])
    formats = [None, None, None, *[usd] * len(MONEY_HEAD), RATIO]
    for section in figures.sections:
        for row in section.agreements:
            sheet.row(
                [
                    section.donor_short_name,
                    row.reference,
                    row.title,
                    *[getattr(row, f"{name}_usd") for name in MONEY_FIELDS],
                    row.burn_rate,
                ],
                formats,
            )
    sheet.total(["Total", "", "", *SUMS, totals.burn_rate], formats)
    sheets.append(sheet)

    sheet = TableSheet(workbook, "Agreements currency", meta)
    sheet.header(["Donor", "Agreement", "Currency", *MONEY_HEAD, "Starts on", "Ends on"])
    rows_of: dict[tuple[int, str], list[int]] = {}
    for section in figures.sections:
        for row in section.agreements:
            money = excel_money_format(row.currency)
            number = sheet.row(
                [
                    section.donor_short_name,
                    row.reference,
                    row.currency,
                    *[getattr(row, name) for name in MONEY_FIELDS],
                    _date(row.start_date),
                    _date(row.end_date),
                ],
                [None, None, None, *[money] * len(MONEY_HEAD), DATE, DATE],
            )
            rows_of.setdefault((section.donor_id, row.currency), []).append(number)
    for section in figures.sections:
        for t in section.totals_by_currency:
            money = excel_money_format(t.currency)
            own = Sum(tuple(rows_of.get((section.donor_id, t.currency), ())))
            sheet.total(
                [f"Total {section.donor_short_name}", "", t.currency, *[own] * len(MONEY_FIELDS)],
                [None, None, None, *[money] * len(MONEY_HEAD)],
            )
    sheets.append(sheet)

    sheet = TableSheet(workbook, OVERDUE, meta)
    sheet.header(
        ["Donor", "Agreement", "Planned on", "Days overdue", "Currency", "Amount", "Amount (USD)"]
    )
    for parts in donor_parts:
        sheet.part(parts[OVERDUE])
    count = totals.overdue_count
    sheet.total(
        ["Total", f"{count} tranche{'' if count == 1 else 's'}", None, None, "USD", None, Sum()],
        [None, None, None, None, None, None, usd],
    )
    sheets.append(sheet)
    sheets += detail_sheets(workbook, figures, meta, donor_parts)
    return save(workbook, sheets, tick=tick)
