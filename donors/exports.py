"""CSV and XLSX downloads of the funding tables: the rows and figures of a donors.tables.Table,
exactly as the page shows them (the same Table object renders both)."""

import csv
import datetime
import io
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font

from ctportal.money import excel_money_format, format_amount
from ctportal.spreadsheet_safety import inert_cell, inert_workbook, xlsx_row, xlsx_value
from donors.selectors_funding import ATTRIBUTION_NOTES
from donors.tables import Table

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMATS = {"ratio": "0.00", "percent": "0%", "int": "#,##0", "date": "yyyy-mm-dd"}


def _plain(value, kind: str, currency: str):
    """The value as a CSV field: numbers unformatted (no thousands separators)."""
    if value is None:
        return ""
    if kind == "money":
        return format_amount(value, currency, grouping=False)
    if kind == "percent":
        return f"{Decimal(value):.4f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return inert_cell(str(value))


def _filename(table: Table, extension: str) -> str:
    return f"funding-{table.name}-{timezone.localdate():%Y-%m-%d}.{extension}"


def table_csv(table: Table) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, _filename(table, "csv"))
    # A byte-order mark so that spreadsheet programs read the file as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(table.export_header())
    for row in table.export_rows():
        writer.writerow([_plain(value, kind, currency) for value, kind, currency in row])
    return response


def table_xlsx(table: Table, *, notes: list[str] | None = None) -> HttpResponse:
    """Numbers are written as numbers with a number format, dates as dates, text as text
    (never a formula)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.name[:31]
    sheet.append(xlsx_row(table.export_header()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in table.export_rows():
        sheet.append(
            xlsx_row(
                Decimal(value)
                if kind in ("money", "ratio", "percent") and value is not None
                else value
                for value, kind, _ in values
            )
        )
        for cell, (value, kind, currency) in zip(sheet[sheet.max_row], values, strict=True):
            if value is None:
                continue
            if kind == "money":
                cell.number_format = excel_money_format(currency)
            elif kind in _FORMATS:
                cell.number_format = _FORMATS[kind]
    for index, header in enumerate(table.export_header(), start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(48, len(header) + 4))
    sheet.freeze_panes = "A2"
    about = workbook.create_sheet("About")
    for line in [table.title, *(notes or []), *table.notes, *ATTRIBUTION_NOTES.values()]:
        about.append([xlsx_value(line)])
    buffer = io.BytesIO()
    inert_workbook(workbook).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, _filename(table, "xlsx"))
    return response
