"""How every report sheet is written: one header row (row 1) with an autofilter over the
table's rows and frozen panes below it, then the rows, then bold total rows whose sums are
SUM formulas over the rows above (the portal's own formulas, through the text guard of
ctportal.spreadsheet_safety). Printed landscape, fitted to the page's width, the header
row repeated on every page, the report's name in the page header and "Page X of Y" below.

A sheet keeps its rows as plain values while the report adds them, counting their row
numbers itself, and writes them once at save(): into a write-only workbook (openpyxl's
streaming mode, which the report workbooks use) its cells go straight to the file, so
time and memory grow linearly with the rows. Column widths, measured from every value,
are known before the first row is written, as streaming needs.

A sheet may also take rows written ahead, elsewhere (part(): one donor's rows, written by
the donor's own task; reports.documents.xlsx.parts), which it puts in their place when
it writes, numbered and styled as its own."""

import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from ctportal.spreadsheet_safety import formula_like, own_formula_set, xlsx_value
from reports.documents.pdf import ReportMeta
from reports.documents.pdf.layout import no_tick
from reports.documents.xlsx.parts import write_with_parts
from reports.documents.xlsx.styles import StyleKey, styled

PERCENT = "0.0%"
RATIO = "0.00"
NUMBER = "#,##0.##"
DATE = "yyyy-mm-dd"


def report_workbook() -> Workbook:
    """The workbook a report's sheets are written into: streamed (write-only)."""
    return Workbook(write_only=True)


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
    """One table: header(), row()s, total()s, then save() writes it into the workbook.
    `wrap`: columns (from 1) whose cells wrap their text."""

    def __init__(self, workbook: Workbook, title: str, meta: ReportMeta, *, first=False, wrap=()):
        self.workbook = workbook
        self.title = title[:31]
        self.first = first
        self.meta = meta
        self.wrap = set(wrap)
        self.widths: dict[int, int] = {}
        self.columns = 0
        self.names: list[str] = []
        self.last_data_row = 1
        self.next_row = 2  # row 1 is the header
        # Each a row (values, formats, bold) or rows written ahead (a SheetPart).
        self.rows: list = []

    def header(self, names: list[str]) -> None:
        self.names = list(names)
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

    def part(self, part) -> int:
        """Rows of the table written ahead (reports.documents.xlsx.parts.SheetPart: a
        donor's, by its own task), in their place among the others; the sheet row number
        of the first. Needs a write-only workbook, whose sheets stream."""
        number = self.next_row
        if part.rows:
            self.next_row += part.rows
            self.last_data_row = self.next_row - 1
            self.rows.append(part)
            for index, width in part.widths.items():
                self.widths[index] = max(self.widths.get(index, 8), width)
        return number

    def _append(self, values: list, formats: list[str | None], *, bold: bool) -> int:
        number = self.next_row
        self.next_row += 1
        self.rows.append((values, formats, bold))
        self._measure(values)
        return number

    def _measure(self, values: list) -> None:
        for index, value in enumerate(values, start=1):
            if isinstance(value, Sum):
                continue
            text = f"{value:,.2f}" if isinstance(value, Decimal | float) else str(value or "")
            self.widths[index] = min(max(self.widths.get(index, 8), len(text) + 2), 60)

    def _sheet(self):
        if self.first and not self.workbook.write_only:
            ws = self.workbook.active
            ws.title = self.title
            return ws
        return self.workbook.create_sheet(self.title)

    def write(self, tick: Callable[[], None]) -> None:
        """Lay the sheet out and write its rows, once; `tick` at every row."""
        ws = self._sheet()
        self._layout(ws)
        ws.append([self._cell(ws, name, head=True) for name in self.names])
        if any(not isinstance(row, tuple) for row in self.rows):
            write_with_parts(self, ws, tick)
        else:
            for values, formats, bold in self.rows:
                tick()
                ws.append(self.cells(ws, values, formats, bold))
        self.rows = []

    def cells(
        self, ws, values: list, formats: list[str | None], bold: bool, keys: dict | None = None
    ) -> list:
        """One row's cells, for `ws`; `keys` collects {key: its style id in ws's workbook}."""
        padded = list(formats) + [None] * (len(values) - len(formats))
        return [
            self._cell(ws, value, fmt=fmt, bold=bold, column=column, keys=keys)
            for column, (value, fmt) in enumerate(zip(values, padded, strict=True), 1)
        ]

    def _cell(self, ws, value, *, fmt=None, bold=False, head=False, column=0, keys=None):
        quote = False
        if isinstance(value, Sum):
            formula = self._formula(value, column)
            cell = WriteOnlyCell(ws, 0)
            if formula:
                own_formula_set(cell, formula)
        elif value is None and not (bold or head):
            return None
        else:
            if isinstance(value, Decimal):
                value = _num(value)
            cell = WriteOnlyCell(ws, xlsx_value(value))
            if isinstance(value, str):
                # Text people typed stays text: never a formula, shown as typed.
                cell.data_type = "s"
                quote = formula_like(value)
        if head:
            key = StyleKey(head=True, quote=quote)
        else:
            key = StyleKey(fmt or None, bool(bold), False, column in self.wrap, quote)
        if key == StyleKey():
            return cell
        styled(cell, key)
        if keys is not None and key not in keys:
            keys[key] = cell.style_id
        return cell

    def _formula(self, total: Sum, column: int) -> str | None:
        """=SUM over the rows `total` names; None when it names none (the cell holds 0)."""
        letter = get_column_letter(column)
        if total.rows is None:  # all the table's rows: one span (or none)
            last = self.last_data_row
            if last < 2:
                return None
            return f"=SUM({letter}2)" if last == 2 else f"=SUM({letter}2:{letter}{last})"
        rows = total.rows
        if not rows:
            return None
        refs = [f"{letter}{a}" if a == b else f"{letter}{a}:{letter}{b}" for a, b in _ranges(rows)]
        return f"=SUM({','.join(refs)})"

    def _layout(self, ws) -> None:
        for index, width in self.widths.items():
            ws.column_dimensions[get_column_letter(index)].width = width
        last = get_column_letter(max(self.columns, 1))
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{last}{self.last_data_row}"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        meta = self.meta
        ws.oddHeader.left.text = _header_text(f"{meta.portal_name} - {meta.title}")
        ws.oddHeader.right.text = _header_text(f"{meta.scope} - {meta.period}")
        ws.oddFooter.left.text = _header_text(self.title)
        ws.oddFooter.right.text = "Page &P of &N"


def save(
    workbook: Workbook, sheets: list[TableSheet], *, tick: Callable[[], None] = no_tick
) -> bytes:
    """The file: each sheet written in order, every text cell (names, titles, narratives
    people typed) kept as text and the sheets' own total formulas written as formulas.
    `tick` is called at every row (the run's lease heartbeat: it renews when due)."""
    for sheet in sheets:
        sheet.write(tick)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
