"""Report workbooks: one sheet per table, amounts stored as numbers with number formats,
totals stored as values equal to the sums of their rows (and to the PDF's)."""

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ctportal.money import excel_money_format
from ctportal.spreadsheet_safety import inert_workbook, xlsx_row
from reports.documents.formats import counted
from reports.documents.pdf import ReportMeta
from reports.figures import MONEY_FIELDS, DisbursementFigures, ProgressFigures, Totals

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="E3ECF2")
PERCENT = "0.0%"
RATIO = "0.00"
NUMBER = "#,##0.##"
DATE = "yyyy-mm-dd"

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


def _num(value: Decimal | None) -> Decimal | int | None:
    """Cells hold numbers: whole amounts as int, others as the Decimal itself (openpyxl
    writes its exact digits; a float could add binary noise)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral() else value


class _Sheet:
    """Writes a table: a title block, a bold header row, rows, and a bold total row."""

    def __init__(self, workbook: Workbook, title: str, meta: ReportMeta, *, first=False):
        self.ws = workbook.active if first else workbook.create_sheet()
        self.ws.title = title[:31]
        self.ws.append(xlsx_row([f"{meta.portal_name} - {meta.title}"]))
        self.ws["A1"].font = Font(bold=True, size=13)
        self.ws.append(xlsx_row([f"Scope: {meta.scope}", f"Period: {meta.period}"]))
        self.ws.append([f"Generated {meta.generated_at:%Y-%m-%d %H:%M %Z}"])
        self.ws.append([])
        self.widths: dict[int, int] = {}

    def header(self, names: list[str]) -> None:
        self.ws.append(xlsx_row(names))
        for cell in self.ws[self.ws.max_row]:
            cell.font = BOLD
            cell.fill = HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.ws.freeze_panes = self.ws.cell(row=self.ws.max_row + 1, column=1)
        self._measure(names)

    def row(self, values: list, formats: list[str | None], *, bold: bool = False) -> None:
        self.ws.append(xlsx_row(_num(v) if isinstance(v, Decimal) else v for v in values))
        for cell, fmt in zip(self.ws[self.ws.max_row], formats, strict=False):
            if fmt:
                cell.number_format = fmt
            if bold:
                cell.font = BOLD
        self._measure(values)

    def _measure(self, values: list) -> None:
        for index, value in enumerate(values, start=1):
            text = f"{value:,.2f}" if isinstance(value, Decimal | float) else str(value or "")
            self.widths[index] = min(max(self.widths.get(index, 8), len(text) + 2), 60)

    def finish(self) -> None:
        for index, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(index)].width = width


def _save(workbook: Workbook) -> bytes:
    """The file, every text cell (names, titles, narratives people typed) kept as text."""
    buffer = io.BytesIO()
    inert_workbook(workbook).save(buffer)
    return buffer.getvalue()


def _money_values(totals: Totals) -> list[Decimal]:
    return [getattr(totals, name) for name in MONEY_FIELDS]


def disbursement_xlsx(figures: DisbursementFigures, meta: ReportMeta) -> bytes:
    workbook = Workbook()
    usd = excel_money_format("USD")
    totals = figures.totals_usd

    sheet = _Sheet(workbook, "Summary USD", meta, first=True)
    sheet.header(["Donor", *[f"{h} (USD)" for h in MONEY_HEAD], "Overdue tranches", "Burn rate"])
    formats = [None, *[usd] * len(MONEY_HEAD), "0", RATIO]
    for section in figures.sections:
        t = section.totals_usd
        sheet.row([section.donor_name, *_money_values(t), t.overdue_count, t.burn_rate], formats)
    sheet.row(
        ["Total", *_money_values(totals), totals.overdue_count, totals.burn_rate],
        formats,
        bold=True,
    )
    sheet.finish()

    sheet = _Sheet(workbook, "Agreements USD", meta)
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
    sheet.row(["Total", "", "", *_money_values(totals), totals.burn_rate], formats, bold=True)
    sheet.finish()

    sheet = _Sheet(workbook, "Agreements currency", meta)
    sheet.header(["Donor", "Agreement", "Currency", *MONEY_HEAD, "Starts on", "Ends on"])
    for section in figures.sections:
        for row in section.agreements:
            money = excel_money_format(row.currency)
            sheet.row(
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
    for section in figures.sections:
        for t in section.totals_by_currency:
            money = excel_money_format(t.currency)
            sheet.row(
                [f"Total {section.donor_short_name}", "", t.currency, *_money_values(t)],
                [None, None, None, *[money] * len(MONEY_HEAD)],
                bold=True,
            )
    sheet.finish()

    sheet = _Sheet(workbook, "Overdue tranches", meta)
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
    sheet.row(
        [
            "Total",
            f"{totals.overdue_count} tranche{'' if totals.overdue_count == 1 else 's'}",
            None,
            None,
            "USD",
            None,
            totals.overdue,
        ],
        [None, None, None, None, None, None, usd],
        bold=True,
    )
    sheet.finish()
    return _save(workbook)


def _date(iso: str):
    import datetime

    return datetime.date.fromisoformat(iso)


def progress_xlsx(figures: ProgressFigures, meta: ReportMeta) -> bytes:
    workbook = Workbook()

    sheet = _Sheet(workbook, "By status", meta, first=True)
    sheet.header(["Status", "Activities"])
    for _, label, count in figures.status_counts:
        sheet.row([label, count], [None, "0"])
    sheet.row(["Total", len(figures.activities)], [None, "0"], bold=True)
    sheet.ws.append([])
    sheet.row(["Percent complete (mean)", figures.percent_complete / 100], [None, PERCENT])
    sheet.row(["Late activities", len(figures.late_activities)], [None, "0"])
    sheet.finish()

    sheet = _Sheet(workbook, "Activities", meta)
    sheet.header(
        [
            "Code",
            "Activity",
            "Lead",
            "Budget",
            "Currency",
            "Status",
            "Percent complete",
            "Last verified quarter",
            "Late quarters",
        ]
    )
    for a in figures.activities:
        sheet.row(
            [
                a.code,
                a.title,
                a.lead,
                a.budget,
                a.budget_currency,
                a.status_label,
                Decimal(a.percent) / 100,
                a.reported_quarter,
                ", ".join(f"Q{q}" for q in a.late_quarters),
            ],
            [None, None, None, excel_money_format(a.budget_currency), None, None, PERCENT, "0"],
        )
    sheet.row(
        [
            "Total",
            counted(len(figures.activities), "activity", "activities"),
            None,
            sum((a.budget for a in figures.activities), Decimal(0)),
            "USD",
            None,
            figures.percent_complete / 100,
        ],
        [None, None, None, excel_money_format("USD"), None, None, PERCENT],
        bold=True,
    )
    sheet.finish()

    sheet = _Sheet(workbook, "Indicators", meta)
    sheet.header(
        [
            "Code",
            "Indicator",
            "Unit",
            "Baseline",
            "Framework target",
            "Target to date",
            "Workplan target",
            "Achieved to date",
            "Achieved of target to date",
        ]
    )
    for i in figures.indicators:
        sheet.row(
            [
                i.code,
                i.title,
                i.unit,
                i.baseline,
                i.framework_target,
                i.target_to_date,
                i.target_total,
                i.achieved_to_date,
                i.share_of_target,
            ],
            [None, None, None, NUMBER, NUMBER, NUMBER, NUMBER, NUMBER, PERCENT],
        )
    sheet.finish()

    sheet = _Sheet(workbook, "Late activities", meta)
    sheet.header(
        [
            "Code",
            "Activity",
            "Lead",
            "Late quarters",
            "Status",
            "Percent",
            "Narrative",
            "Challenges",
        ]
    )
    for a in figures.late_activities:
        sheet.row(
            [
                a.code,
                a.title,
                a.lead,
                ", ".join(f"Q{q}" for q in a.late_quarters),
                a.status_label,
                Decimal(a.percent) / 100,
                a.narrative or "No verified progress update.",
                a.challenges,
            ],
            [None, None, None, None, None, PERCENT],
        )
    sheet.finish()
    return _save(workbook)
