"""An uploaded XLSX is checked before openpyxl opens it, so that a small file cannot make a
worker build gigabytes.

An XLSX file is a ZIP archive of XML parts. Even read-only, openpyxl loads the whole
shared-strings part, builds every cell of a row before it hands the row over, and pads
every row to the size the sheet declares in its <dimension>: a 400 KB file whose row holds
or declares millions of cells, or a 1 MB file whose shared strings inflate to 1 GB, took a
worker to gigabytes. xlsx_check looks first, in bounded memory and time:

1. the archive's directory: at most MAX_PARTS parts, none larger than MAX_PART_BYTES once
   inflated, all of them together at most MAX_TOTAL_BYTES, and no sizeable part inflating
   more than MAX_RATIO times (spreadsheets compress 5 to 20 times, bombs about 1000).
   zipfile never inflates a part past the size the directory declares, so these sizes
   also bound what openpyxl reads;
2. every XML part, streamed through expat (the parser openpyxl streams sheets with) with
   no tree built: a DOCTYPE is refused; a sheet's <dimension> is read at its start and
   the cells it declares counted; then every cell is counted as it streams past, with
   the row and column it lands in, the way openpyxl numbers them. More than MAX_CELLS
   declared, held, or spanned (last row x last column, what openpyxl pads rows to) is
   refused as soon as it is seen, and so is a part of more than MAX_ELEMENTS elements.

Only then may the file be opened, read-only, its rows streamed.
"""

import os
import re
import struct
import zipfile
from decimal import Decimal
from typing import IO
from xml.parsers import expat

from django.conf import settings

MAX_PARTS = 1_000
MAX_PART_BYTES = 16 * 1024 * 1024
MAX_TOTAL_BYTES = 40 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024  # below this, a part cannot do harm whatever its ratio
MAX_CELLS = 200_000
MAX_ELEMENTS = 1_000_000

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROW, _DIMENSION = f"{_MAIN} row", f"{_MAIN} dimension"
_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
_CHUNK = 64 * 1024
_NOT_XLSX = (
    "This is not an XLSX file: save it from your spreadsheet program as "
    "Excel Workbook (.xlsx) and upload it again."
)
_TRIM = "Delete the empty rows and columns beyond your data, save the file and upload it again."


class XlsxRefused(ValueError):
    """The file is refused before it is parsed; the message is for the uploader."""


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _reference(text: str | None) -> tuple[int, int] | None:
    """(row, column) of "B12", or None."""
    match = _REFERENCE.fullmatch(text or "")
    return (int(match[2]), _column_number(match[1])) if match else None


def _declared_entries(file: IO[bytes], size: int) -> int:
    """The number of parts the archive's end record declares (0 when there is none), read
    before zipfile loads the whole directory into memory."""
    tail_size = min(size, 22 + 65_535)
    file.seek(size - tail_size)
    tail = file.read(tail_size)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) - end < 22:
        return 0
    return struct.unpack("<4s4H2LH", tail[end : end + 22])[4]


def _archive_check(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    parts = archive.infolist()
    if len(parts) > MAX_PARTS:
        raise XlsxRefused(f"This file has {len(parts):,} parts; an XLSX file has far fewer.")
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > MAX_PART_BYTES:
            raise XlsxRefused(
                f"This file holds {_megabytes(part.file_size)} of data in one part "
                f"({part.filename}); at most {_megabytes(MAX_PART_BYTES)} are read."
            )
        compressed = max(part.compress_size, 1)
        if part.file_size > RATIO_FROM_BYTES and part.file_size / compressed > MAX_RATIO:
            raise XlsxRefused(
                f"This file is packed {part.file_size // compressed:,} times over in one part "
                f"({part.filename}), as no spreadsheet is; it is not read."
            )
    if total > MAX_TOTAL_BYTES:
        raise XlsxRefused(
            f"This file holds {_megabytes(total)} of data once unpacked; "
            f"at most {_megabytes(MAX_TOTAL_BYTES)} are read."
        )
    return parts


class _PartScanner:
    """Streams one XML part through expat, counting as openpyxl's sheet reader would."""

    def __init__(self, name: str, cells_before: int) -> None:
        self.name = name
        self.cells = cells_before
        self.elements = 0
        self.depth = 0
        self.row_depth: int | None = None
        self.row = self.column = 0
        self.last_row = self.last_column = 0
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.StartDoctypeDeclHandler = self.doctype
        parser.EntityDeclHandler = self.doctype
        self.parser = parser

    def doctype(self, *args) -> None:
        raise XlsxRefused(f"This file declares XML entities ({self.name}); it is not read.")

    def start(self, name: str, attributes: dict) -> None:
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise XlsxRefused(f"This file's part {self.name} is too large to read.")
        self.depth += 1
        if self.row_depth is not None and self.depth == self.row_depth + 1:
            self.cell(attributes.get("r"))
        elif name == _ROW:
            self.row_depth = self.depth
            self.row = self._row_number(attributes.get("r"))
            self.column = 0
        elif name == _DIMENSION:
            self.dimension(attributes.get("ref", ""))

    def end(self, name: str) -> None:
        if self.depth == self.row_depth:
            self.row_depth = None
        self.depth -= 1

    def _row_number(self, text: str | None) -> int:
        if text is None:
            return self.row + 1
        try:
            return int(Decimal(text))
        except (ArithmeticError, ValueError):
            return self.row + 1  # openpyxl stops at this row with an error

    def dimension(self, ref: str) -> None:
        corners = [_reference(corner) for corner in ref.split(":")]
        if not corners or None in corners:
            return
        (first_row, first_column), (last_row, last_column) = corners[0], corners[-1]
        rows, columns = last_row - first_row + 1, last_column - first_column + 1
        if rows * columns > MAX_CELLS:
            raise XlsxRefused(
                f"The sheet declares {rows * columns:,} cells ({ref}); at most {MAX_CELLS:,} "
                f"are read. {_TRIM}"
            )
        self.extent(last_row, last_column)

    def cell(self, reference: str | None) -> None:
        self.cells += 1
        if self.cells > MAX_CELLS:
            raise XlsxRefused(f"The file holds more than {MAX_CELLS:,} cells. {_TRIM}")
        position = _reference(reference)
        if position:
            self.column = position[1]
        else:
            self.column += 1
        self.extent(self.row, self.column)

    def extent(self, row: int, column: int) -> None:
        self.last_row = max(self.last_row, row)
        self.last_column = max(self.last_column, column)
        if self.last_row * self.last_column > MAX_CELLS:
            raise XlsxRefused(
                f"The sheet reaches row {self.last_row:,} and column {self.last_column:,}, "
                f"{self.last_row * self.last_column:,} cells to read; at most {MAX_CELLS:,} "
                f"are read. {_TRIM}"
            )

    def scan(self, head: bytes, stream: IO[bytes]) -> int:
        """Feeds the part to the end (or to the first refusal); returns the cells counted
        so far in the file. A part that is not well-formed XML ends the scan of that part
        (legacy VML drawings often are not): openpyxl's reader stops at the same place."""
        try:
            self.parser.Parse(head, False)
            while chunk := stream.read(_CHUNK):
                self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except expat.ExpatError:
            pass
        return self.cells


def _looks_like_xml(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")[:1] == b"<"


def xlsx_check(file: IO[bytes]) -> None:
    """Raise XlsxRefused (with a message for the uploader) unless `file` is an XLSX archive
    that openpyxl can stream within the limits above; leaves `file` at its start."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
    limit = settings.UPLOAD_MAX_FILE_SIZE
    if size > limit:
        raise XlsxRefused(
            f"The file is {_megabytes(size)}; files of at most {_megabytes(limit)} are accepted."
        )
    try:
        if _declared_entries(file, size) > MAX_PARTS:
            raise XlsxRefused("This file has too many parts for an XLSX file.")
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            cells = 0
            for part in _archive_check(archive):
                with archive.open(part) as stream:
                    head = stream.read(_CHUNK)
                    if not _looks_like_xml(head):
                        continue
                    cells = _PartScanner(part.filename, cells).scan(head, stream)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as error:
        # Not a ZIP, a damaged or encrypted one, or a compression zipfile cannot read.
        raise XlsxRefused(_NOT_XLSX) from error
    finally:
        file.seek(0)
