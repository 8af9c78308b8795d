"""The progress workbook's indicator detail: targets against actuals per quarter (one row
per indicator and quarter, to filter and pivot) and the achievements by sex and province."""

from openpyxl import Workbook

from reports.documents.pdf import ReportMeta
from reports.documents.xlsx.sheet import NUMBER, PERCENT, TableSheet
from reports.figures import ProgressFigures


def detail_sheets(
    workbook: Workbook, figures: ProgressFigures, meta: ReportMeta
) -> list[TableSheet]:
    sheet = TableSheet(workbook, "Targets by quarter", meta)
    sheet.header(
        ["Code", "Indicator", "Unit", "Quarter", "Period", "Target", "Achieved", "Of target"]
    )
    for row in figures.quarterly:
        sheet.row(
            [
                row.code,
                row.title,
                row.unit,
                row.quarter,
                row.quarter_label,
                row.target,
                row.achieved,
                row.share_of_target,
            ],
            [None, None, None, "0", None, NUMBER, NUMBER, PERCENT],
        )
    sheets = [sheet]

    sheet = TableSheet(workbook, "By sex and province", meta)
    sheet.header(["Code", "Indicator", "Unit", "By", "Group", f"In Q{figures.quarter}", "To date"])
    for row in figures.breakdowns:
        sheet.row(
            [row.code, row.title, row.unit, row.dimension, row.group, row.in_quarter, row.to_date],
            [None, None, None, None, None, NUMBER, NUMBER],
        )
    sheets.append(sheet)
    return sheets
