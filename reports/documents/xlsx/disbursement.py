"""The disbursement report's workbook: an About sheet, then one table per sheet (donors,
agreements in USD and in each currency, overdue tranches), totals as SUM formulas."""

import datetime
from collections.abc import Callable

from ctportal.money import excel_money_format
from reports.documents.pdf import ReportMeta
from reports.documents.pdf.layout import no_tick
from reports.documents.summary import disbursement_summary
from reports.documents.xlsx.about import about_sheet
from reports.documents.xlsx.disbursement_detail import detail_sheets
from reports.documents.xlsx.sheet import DATE, RATIO, Sum, TableSheet, report_workbook, save
from reports.figures import MONEY_FIELDS, DisbursementFigures

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


def _date(iso: str) -> datetime.date | None:
    return datetime.date.fromisoformat(iso) if iso else None


def disbursement_xlsx(
    figures: DisbursementFigures, meta: ReportMeta, *, tick: Callable[[], None] = no_tick
) -> bytes:
    """The workbook; `tick` is called at every row written (the run's lease heartbeat)."""
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

    sheet = TableSheet(workbook, "Overdue tranches", meta)
    sheet.header(
        ["Donor", "Agreement", "Planned on", "Days overdue", "Currency", "Amount", "Amount (USD)"]
    )
    for section in figures.sections:
        for tranche in section.overdue:
            sheet.row(
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
    count = totals.overdue_count
    sheet.total(
        ["Total", f"{count} tranche{'' if count == 1 else 's'}", None, None, "USD", None, Sum()],
        [None, None, None, None, None, None, usd],
    )
    sheets.append(sheet)
    sheets += detail_sheets(workbook, figures, meta)
    return save(workbook, sheets, tick=tick)
