"""How every report sheet is written: one header row (row 1) with an autofilter over the
table's rows and frozen panes below it, then the rows, then bold total rows whose sums are
SUM formulas over the rows above (the portal's own formulas, written after the text guard
of ctportal.spreadsheet_safety). Printed landscape, fitted to the page's width, the header
row repeated on every page, the report's name in the page header and "Page X of Y" below."""

import io
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from ctportal.spreadsheet_safety import inert_workbook, own_formula_set, xlsx_row
from reports.documents.pdf import ReportMeta

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="E3ECF2")
PERCENT = "0.0%"
RATIO = "0.00"
NUMBER = "#,##0.##"
DATE = "yyyy-mm-dd"


@dataclass(frozen=True)
class Sum:
    """A total cell: SUM of its column over `rows` (sheet row numbers), or over all the
    table's rows when `rows` is None."""

    rows: tuple[int, ...] | None = None


def _num(value: Decimal | None) -> Decimal | int | None:
    """Cells hold numbers: whole amounts as int, others as the Decimal itself (openpyxl
    writes its exact digits; a float could add binary noise)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral() else value


def _ranges(rows: list[int]) -> list[tuple[int, int]]:
    """[2, 3, 4, 7] -> [(2, 4), (7, 7)]."""
    spans: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if spans and spans[-1][1] == row - 1:
            spans[-1] = (spans[-1][0], row)
        else:
            spans.append((row, row))
    return spans


def _header_text(text: str) -> str:
    """Text for a printed page header: '&' starts a code there, '&&' prints one."""
    return text.replace("&", "&&")


class TableSheet:
    """One table: header(), row()s, total()s, then the workbook's save() finishes it."""

    def __init__(self, workbook: Workbook, title: str, meta: ReportMeta, *, first=False):
        self.ws = workbook.active if first else workbook.create_sheet()
        self.ws.title = title[:31]
        self.meta = meta
        self.widths: dict[int, int] = {}
        self.columns = 0
        self.last_data_row = 1
        self.formulas: list[tuple[int, int, Sum]] = []

    def header(self, names: list[str]) -> None:
        self.ws.append(xlsx_row(names))
        for cell in self.ws[1]:
            cell.font = BOLD
            cell.fill = HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        self.columns = len(names)
        self._measure(names)

    def row(self, values: list, formats: list[str | None], *, bold: bool = False) -> int:
        """A row of the table (filtered and sorted with it); its sheet row number."""
        number = self._append(values, formats, bold=bold)
        self.last_data_row = number
        return number

    def total(self, values: list, formats: list[str | None]) -> int:
        """A bold row under the table, outside its filter; Sum() cells become formulas."""
        return self._append(values, formats, bold=True)

    def _append(self, values: list, formats: list[str | None], *, bold: bool) -> int:
        number = self.ws.max_row + 1
        cells = []
        for column, value in enumerate(values, start=1):
            if isinstance(value, Sum):
                self.formulas.append((number, column, value))
                value = None
            cells.append(_num(value) if isinstance(value, Decimal) else value)
        self.ws.append(xlsx_row(cells))
        for cell, fmt in zip(self.ws[number], formats, strict=False):
            if fmt:
                cell.number_format = fmt
            if bold:
                cell.font = BOLD
        self._measure(values)
        return number

    def _measure(self, values: list) -> None:
        for index, value in enumerate(values, start=1):
            if isinstance(value, Sum):
                continue
            text = f"{value:,.2f}" if isinstance(value, Decimal | float) else str(value or "")
            self.widths[index] = min(max(self.widths.get(index, 8), len(text) + 2), 60)

    def _layout(self) -> None:
        ws = self.ws
        for index, width in self.widths.items():
            ws.column_dimensions[get_column_letter(index)].width = width
        last = get_column_letter(max(self.columns, 1))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{last}{self.last_data_row}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        meta = self.meta
        ws.oddHeader.left.text = _header_text(f"{meta.portal_name} - {meta.title}")
        ws.oddHeader.right.text = _header_text(f"{meta.scope} - {meta.period}")
        ws.oddFooter.left.text = _header_text(ws.title)
        ws.oddFooter.right.text = "Page &P of &N"

    def _write_formulas(self) -> None:
        for number, column, total in self.formulas:
            rows = list(range(2, self.last_data_row + 1)) if total.rows is None else total.rows
            cell = self.ws.cell(row=number, column=column)
            if not rows:
                cell.value = 0
                continue
            letter = get_column_letter(column)
            refs = [
                f"{letter}{a}" if a == b else f"{letter}{a}:{letter}{b}" for a, b in _ranges(rows)
            ]
            own_formula_set(cell, f"=SUM({','.join(refs)})")


def save(workbook: Workbook, sheets: list[TableSheet]) -> bytes:
    """The file: every text cell (names, titles, narratives people typed) kept as text,
    then the sheets' own total formulas written."""
    for sheet in sheets:
        sheet._layout()
    inert_workbook(workbook)
    for sheet in sheets:
        sheet._write_formulas()
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
