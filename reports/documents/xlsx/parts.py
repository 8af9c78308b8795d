"""Rows of a report sheet written ahead, apart from the workbook they end up in: an overall
report's donor sections are made by parallel tasks, and each writes its donor's rows of
the long sheets (tens of thousands of overdue tranches and budget lines at a decade's
scale) so that the assembly only puts them in place.

openpyxl writes each row's cells with its row number and each styled cell with the
number its workbook gave that style, and neither is known ahead: so a part's rows are
written by openpyxl into a scratch sheet (the same cells as TableSheet writes: values,
number formats, text kept as text), then kept as a template whose row numbers and style
numbers are left open, with the style each stands for (sheet.StyleKey). The sheet
(TableSheet.write) fills them in with one str.format per part, in the file openpyxl
streamed the sheet's other rows into: the cells are exactly those openpyxl would have
written row by row."""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from reports.documents.pdf.layout import no_tick
from reports.documents.xlsx.styles import StyleKey, styled

# The start of a row or of a cell, as openpyxl writes them: '<row r="7"', '<c r="B7"' and,
# for a styled cell, ' s="3"' next. Text in cells never holds a bare "<" (XML escapes it).
_OPENING = re.compile(r'<row r="(\d+)"|<c r="([A-Z]+)(\d+)"(?: s="(\d+)")?')


class RowSheet(Protocol):
    """What a sheet gives the parts (sheet.TableSheet): its rows, widths and workbook,
    and one row's cells as it writes them."""

    rows: list
    widths: dict[int, int]
    workbook: Workbook

    def cells(
        self, ws, values: list, formats: list, bold: bool, keys: dict | None = None
    ) -> list: ...


@dataclass
class SheetPart:
    """Rows written ahead: how many, the column widths they need, and their XML with
    "{n}" for the n-th row's number and "{sK}" for the style numbered K where they were
    written (`styles` says which style that is)."""

    rows: int = 0
    widths: dict[int, int] = field(default_factory=dict)
    styles: dict[str, StyleKey] = field(default_factory=dict)
    xml: str = ""

    def to_json(self) -> dict:
        return {
            "rows": self.rows,
            "widths": {str(k): v for k, v in self.widths.items()},
            "styles": {name: list(key) for name, key in self.styles.items()},
            "xml": self.xml,
        }

    @classmethod
    def from_json(cls, data: dict) -> "SheetPart":
        return cls(
            rows=data["rows"],
            widths={int(k): v for k, v in data["widths"].items()},
            styles={name: StyleKey(*key) for name, key in data["styles"].items()},
            xml=data["xml"],
        )

    def filled(self, first_row: int, style_ids: Callable[[StyleKey], int]) -> str:
        """The rows' XML, numbered from `first_row`, styles as numbered by `style_ids`."""
        numbers = range(first_row, first_row + self.rows)
        return self.xml.format(
            *numbers, **{name: style_ids(key) for name, key in self.styles.items()}
        )


def _template(xml: str) -> str:
    xml = xml.replace("{", "{{").replace("}", "}}")

    def opening(match: re.Match) -> str:
        row, column, number, style = match.groups()
        if row:
            return f'<row r="{{{int(row) - 1}}}"'
        styled_as = f' s="{{s{style}}}"' if style else ""
        return f'<c r="{column}{{{int(number) - 1}}}"{styled_as}'

    return _OPENING.sub(opening, xml)


def rows_part(sheet: RowSheet, *, tick: Callable[[], None] = no_tick) -> SheetPart:
    """The rows added to `sheet` (with row() and total(); it needs no workbook), written
    ahead; `tick` at every row."""
    return _written(sheet, sheet.rows, tick)


def _written(sheet: RowSheet, rows: list, tick: Callable[[], None]) -> SheetPart:
    if not rows:
        return SheetPart()
    scratch = Workbook(write_only=True)
    ws = scratch.create_sheet()
    keys: dict[StyleKey, int] = {}
    for values, formats, bold in rows:
        tick()
        ws.append(sheet.cells(ws, values, formats, bold, keys))
    ws.close()
    writer = ws._writer  # where openpyxl streamed the sheet
    try:
        with open(writer.out, "rb") as handle:
            xml = handle.read().decode("utf-8")
    finally:
        writer.cleanup()
    body = xml[xml.index("<sheetData>") + len("<sheetData>") : xml.rindex("</sheetData>")]
    return SheetPart(
        rows=len(rows),
        widths=dict(sheet.widths),
        styles={f"s{number}": key for key, number in keys.items()},
        xml=_template(body),
    )


def write_with_parts(sheet: RowSheet, ws, tick: Callable[[], None]) -> None:
    """Write the rows of `sheet`, some written ahead, into the write-only `ws` (its header
    row written): openpyxl streams one placeholder row and closes the sheet; the rows then
    take its place in the file, each part filled in, the sheet's own rows written the same
    way in order between them."""
    if not sheet.workbook.write_only:
        raise ValueError("Rows written ahead go only into a write-only workbook.")
    marker = f"ctportal-rows-{uuid.uuid4().hex}"
    ws.append([marker])
    ws.close()
    path = ws._writer.out
    with open(path, "rb") as handle:
        content = handle.read()
    at = content.index(marker.encode())
    head = content[: content.rindex(b"<row ", 0, at)]
    tail = content[content.index(b"</row>", at) + len(b"</row>") :]

    ids: dict[StyleKey, int] = {}

    def style_id(key: StyleKey) -> int:
        if key not in ids:
            ids[key] = styled(WriteOnlyCell(ws), key).style_id
        return ids[key]

    with open(path, "wb") as out:
        out.write(head)
        number, own, own_from = 2, [], 2
        for entry in [*sheet.rows, None]:
            if isinstance(entry, tuple):
                if not own:
                    own_from = number
                own.append(entry)
                number += 1
                continue
            if own:
                part = _written(sheet, own, tick)
                out.write(part.filled(own_from, style_id).encode("utf-8"))
                own = []
            if entry is not None:
                tick()
                out.write(entry.filled(number, style_id).encode("utf-8"))
                number += entry.rows
        out.write(tail)
