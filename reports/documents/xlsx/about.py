"""The first sheet of every report workbook: what the report is (title, scope, period, when
it was made) and its short summary, as a two-column table."""

from openpyxl import Workbook

from reports.documents.pdf import ReportMeta
from reports.documents.xlsx.sheet import TableSheet


def about_sheet(workbook: Workbook, meta: ReportMeta, lines: list[tuple[str, str]]) -> TableSheet:
    """`lines`: (item, value) pairs after the report's own description."""
    sheet = TableSheet(workbook, "About", meta, first=True, wrap=(2,))
    sheet.header(["Item", "Value"])
    for item, value in [
        ("Report", f"{meta.portal_name} - {meta.title}"),
        ("Scope", meta.scope),
        ("Period", meta.period),
        ("Generated", f"{meta.generated_at:%Y-%m-%d %H:%M %Z}"),
        *lines,
    ]:
        sheet.row([item, value], [None, None])
    sheet.widths[2] = 100
    return sheet
