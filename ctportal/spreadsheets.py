"""Reading the spreadsheets people upload: one header row, then one record per row.

Every import in the portal (expenditures, exchange rates, workplan activities) reads its
file here, so the rules on what a file must look like are written once:

- the first row holds the column labels; each label names one field (case and spacing
  do not matter); every required column must be there, and a column the import does not
  know is refused rather than silently ignored (it is usually a misspelt header);
- each later row that is not entirely blank becomes ``(row number, {field: value})``,
  the row number being the one the spreadsheet shows (the header is row 1);
- values stay as the file holds them, with two exceptions: text is stripped and blank
  text becomes None; numbers arrive as int or Decimal, never float, because money must
  not pass through binary floating point (a cell's float is read back through its
  shortest decimal form, which is what the person typed);
- more than ``max_rows`` data rows is an error, so one upload cannot tie up a worker.

Checking the values themselves (is this a date, a known project?) is the importer's job.
"""

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from ctportal.spreadsheet_safety import inert_workbook
from ctportal.xlsx_safety import XlsxRefused, xlsx_check

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DEFAULT_MAX_ROWS = 1000


class SpreadsheetError(Exception):
    """The file as a whole cannot be read as the import expects (not XLSX, wrong headers,
    too many rows). Its message is written for the person who uploaded the file."""


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    required: bool = True


Row = tuple[int, dict[str, Any]]


def _normalise(label: Any) -> str:
    return " ".join(str(label or "").split()).casefold()


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _header_map(header: Sequence[Any], columns: Sequence[Column]) -> dict[int, str]:
    """{cell position: field} for the header row; SpreadsheetError when it does not fit."""
    by_label = {_normalise(column.label): column for column in columns}
    positions: dict[int, str] = {}
    unknown, seen = [], set()
    for position, label in enumerate(header):
        key = _normalise(label)
        if not key:
            continue
        column = by_label.get(key)
        if column is None:
            unknown.append(str(label).strip())
        elif column.field in seen:
            raise SpreadsheetError(f'The column "{column.label}" appears twice.')
        else:
            seen.add(column.field)
            positions[position] = column.field
    missing = [c.label for c in columns if c.required and c.field not in seen]
    problems = []
    if missing:
        problems.append("missing " + ", ".join(f'"{label}"' for label in missing))
    if unknown:
        problems.append("unknown " + ", ".join(f'"{label}"' for label in unknown))
    if problems:
        expected = ", ".join(f'"{c.label}"' for c in columns)
        raise SpreadsheetError(
            f"The first row must hold the template's column headers ({'; '.join(problems)}). "
            f"Expected: {expected}."
        )
    return positions


def _records(
    rows: Iterator[Sequence[Any]],
    columns: Sequence[Column],
    max_rows: int,
    close: Callable[[], None] = lambda: None,
) -> Iterator[Row]:
    """Check the header row now (so a wrong file fails at once), then yield the records."""
    try:
        header = next(rows, None)
        if header is None:
            raise SpreadsheetError("The file is empty: the first row must hold the column headers.")
        positions = _header_map(header, columns)
    except BaseException:
        close()
        raise
    return _body(rows, positions, max_rows, close)


def _body(
    rows: Iterator[Sequence[Any]],
    positions: dict[int, str],
    max_rows: int,
    close: Callable[[], None],
) -> Iterator[Row]:
    try:
        count = 0
        for number, raw in enumerate(rows, start=2):
            cells = list(raw or ())
            values = {
                field: _clean(cells[position]) if position < len(cells) else None
                for position, field in positions.items()
            }
            if all(value is None for value in values.values()):
                continue
            count += 1
            if count > max_rows:
                raise SpreadsheetError(f"A file may hold at most {max_rows} rows.")
            yield number, values
    finally:
        close()


def read_xlsx(
    file: IO[bytes], columns: Sequence[Column], *, max_rows: int = DEFAULT_MAX_ROWS
) -> Iterator[Row]:
    """(row number, {field: value}) for each row of the first sheet of an XLSX file.

    The workbook is opened read-only (rows are streamed, not all loaded) with cached
    values instead of formulas. A file that is not XLSX, or whose header row does not
    fit `columns`, raises SpreadsheetError here; too many rows raises it while iterating.
    The workbook is closed once the rows are exhausted. The archive is checked first
    (ctportal.xlsx_safety), so a file that would inflate past its limits is never opened.
    """
    try:
        xlsx_check(file)
    except XlsxRefused as error:
        raise SpreadsheetError(str(error)) from error
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as error:  # openpyxl raises many kinds for a file that is not XLSX
        raise SpreadsheetError(
            "This is not an XLSX file: save it from your spreadsheet program as "
            "Excel Workbook (.xlsx) and upload it again."
        ) from error
    return _records(sheet.iter_rows(values_only=True), columns, max_rows, workbook.close)


def read_csv(
    file: IO[bytes], columns: Sequence[Column], *, max_rows: int = DEFAULT_MAX_ROWS
) -> Iterator[Row]:
    """The same as read_xlsx for a UTF-8 CSV file (with or without a byte-order mark).

    CSV cells are all text; they come back stripped, blank ones as None."""
    try:
        text = file.read().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpreadsheetError("This CSV file is not UTF-8 text.") from error
    return _records(iter(csv.reader(io.StringIO(text))), columns, max_rows)


def read_table(
    file: IO[bytes], name: str, columns: Sequence[Column], *, max_rows: int = DEFAULT_MAX_ROWS
) -> Iterator[Row]:
    """read_csv for a file named *.csv, else read_xlsx."""
    reader = read_csv if name.lower().endswith(".csv") else read_xlsx
    return reader(file, columns, max_rows=max_rows)


def template_xlsx(
    columns: Sequence[Column],
    *,
    title: str = "Data",
    examples: Sequence[Sequence[Any]] = (),
    reference: Sequence[Sequence[Any]] = (),
) -> bytes:
    """An XLSX file with the columns' labels as a bold, frozen header row (and example rows);
    `reference` rows (what, code, name), if any, go to a second sheet "Reference" listing
    the codes a column accepts."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append([column.label for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(14, len(str(cell.value)) + 4)
    for example in examples:
        sheet.append(list(example))
    sheet.freeze_panes = "A2"
    if reference:
        help_sheet = workbook.create_sheet("Reference")
        help_sheet.append(["What", "Code", "Name"])
        for cell in help_sheet[1]:
            cell.font = Font(bold=True)
        for row in reference:
            help_sheet.append(list(row))
        help_sheet.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    inert_workbook(workbook).save(buffer)
    return buffer.getvalue()
