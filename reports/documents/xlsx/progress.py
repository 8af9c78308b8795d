"""The progress report's workbook: an About sheet, then one table per sheet (activities by
status, activities, indicators, late activities), totals as SUM formulas."""

from collections.abc import Callable
from decimal import Decimal

from ctportal.money import excel_money_format
from reports.documents.formats import counted, percent
from reports.documents.pdf import ReportMeta
from reports.documents.pdf.layout import no_tick
from reports.documents.summary import progress_summary
from reports.documents.xlsx.about import about_sheet
from reports.documents.xlsx.progress_detail import detail_sheets
from reports.documents.xlsx.sheet import NUMBER, PERCENT, Sum, TableSheet, report_workbook, save
from reports.figures import ProgressFigures


def _quarters(quarters) -> str:
    return ", ".join(f"Q{q}" for q in quarters)


def progress_xlsx(
    figures: ProgressFigures, meta: ReportMeta, *, tick: Callable[[], None] = no_tick
) -> bytes:
    """The workbook; `tick` is called at every row written (the run's lease heartbeat)."""
    workbook = report_workbook()
    lines = [
        *progress_summary(figures),
        ("Percent complete (mean)", percent(Decimal(figures.percent_complete) / 100)),
        ("Late activities", str(len(figures.late_activities))),
    ]
    sheets = [about_sheet(workbook, meta, lines)]

    sheet = TableSheet(workbook, "By status", meta)
    sheet.header(["Status", "Activities"])
    for _, label, count in figures.status_counts:
        sheet.row([label, count], [None, "0"])
    sheet.total(["Total", Sum()], [None, "0"])
    sheets.append(sheet)

    sheet = TableSheet(workbook, "Activities", meta)
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
                _quarters(a.late_quarters),
            ],
            [None, None, None, excel_money_format(a.budget_currency), None, None, PERCENT, "0"],
        )
    sheet.total(
        [
            "Total",
            counted(len(figures.activities), "activity", "activities"),
            None,
            Sum(),
            "USD",
            None,
            figures.percent_complete / 100,
        ],
        [None, None, None, excel_money_format("USD"), None, None, PERCENT],
    )
    sheets.append(sheet)

    sheet = TableSheet(workbook, "Indicators", meta)
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
    sheets.append(sheet)

    late_head = ["Code", "Activity", "Lead", "Late quarters", "Status", "Percent", "Narrative"]
    sheet = TableSheet(workbook, "Narratives", meta)
    sheet.header([*late_head[:3], "Status", "Percent", "Reported", "Narrative", "Challenges"])
    for a in figures.activities:
        sheet.row(
            [
                a.code,
                a.title,
                a.lead,
                a.status_label,
                Decimal(a.percent) / 100,
                a.reported_quarter,
                a.narrative,
                a.challenges,
            ],
            [None, None, None, None, PERCENT, "0"],
        )
    sheets.append(sheet)

    sheet = TableSheet(workbook, "Late activities", meta)
    sheet.header([*late_head, "Challenges"])
    for a in figures.late_activities:
        sheet.row(
            [
                a.code,
                a.title,
                a.lead,
                _quarters(a.late_quarters),
                a.status_label,
                Decimal(a.percent) / 100,
                a.narrative or "No verified progress update.",
                a.challenges,
            ],
            [None, None, None, None, None, PERCENT],
        )
    sheets.append(sheet)
    sheets += detail_sheets(workbook, figures, meta)
    return save(workbook, sheets, tick=tick)
