"""XLSX uploads are checked before they are parsed (ctportal.xlsx_safety): a small file
that inflates to gigabytes, or whose sheet declares or holds millions of cells, is refused
from its archive directory or from the first cells it streams, and openpyxl never opens it.

The bombs are built here with zipfile (deflate of repeated bytes), so nothing large is
committed; the work is measured by what the check inflates and whether openpyxl's
load_workbook runs, never by the clock."""

import io
import random
import tracemalloc
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ctportal import spreadsheets, xlsx_safety
from ctportal.spreadsheets import Column, SpreadsheetError, read_xlsx
from ctportal.uploads import TooLargeUpload
from ctportal.xlsx_safety import XlsxRefused, xlsx_check
from organisations.models import Role
from tests.factories import user_with_role
from tests.workplans import approved_version, snapshot
from workplans.models import WorkplanVersion

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_START = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode()


def package(sheet: Iterable[bytes], shared: Iterable[bytes] | None = None) -> bytes:
    """A complete XLSX file (one sheet "Data"; shared strings if given), each part streamed
    into the archive chunk by chunk so a bomb is never held whole in memory."""
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{rels}"><sheets>'
            '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        shared_rel = (
            f'<Relationship Id="rId2" Type="{rels}/sharedStrings" Target="sharedStrings.xml"/>'
            if shared is not None
            else ""
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/>'
            f"{shared_rel}</Relationships>",
        )
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared)):
            if chunks is None:
                continue
            with archive.open(name, "w") as part:
                for chunk in chunks:
                    part.write(chunk)
    return buffer.getvalue()


def repeated(unit: bytes, size: int) -> Iterator[bytes]:
    """`unit` repeated to about `size` bytes, a megabyte at a time."""
    block = unit * max(1, MB // len(unit))
    for _ in range(max(1, size // len(block))):
        yield block


def sheet(*middle: Iterable[bytes] | bytes, dimension: str | None = None) -> Iterator[bytes]:
    yield SHEET_START
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    for piece in middle:
        yield from [piece] if isinstance(piece, bytes) else piece
    yield b"</sheetData></worksheet>"


@contextmanager
def inflated() -> Iterator[dict]:
    """Counts the bytes read out of archive parts (by the check or by openpyxl)."""
    seen = {"bytes": 0}
    original = zipfile.ZipExtFile.read

    def read(self, n=-1):
        data = original(self, n)
        seen["bytes"] += len(data)
        return data

    with mock.patch.object(zipfile.ZipExtFile, "read", read):
        yield seen


@contextmanager
def never_parsed() -> Iterator[mock.Mock]:
    with mock.patch.object(
        spreadsheets, "load_workbook", side_effect=AssertionError("openpyxl opened it")
    ) as load:
        yield load
    assert not load.called, "openpyxl's load_workbook ran on the file"


def refused(content: bytes) -> tuple[str, int, int]:
    """(message, bytes inflated, peak Python memory) of xlsx_check refusing `content`."""
    tracemalloc.start()
    try:
        with inflated() as seen, pytest.raises(XlsxRefused) as error:
            xlsx_check(io.BytesIO(content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(error.value), seen["bytes"], peak


@pytest.fixture(scope="module")
def shared_strings_bomb() -> bytes:
    """About 1 MB: a shared-strings part of one 1 GB string."""
    shared = [
        f'<sst xmlns="{MAIN}"><si><t>'.encode(),
        *repeated(b"x", 1024 * MB),
        b"</t></si></sst>",
    ]
    return package(sheet(b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared)


@pytest.fixture(scope="module")
def row_bomb() -> bytes:
    """About 120 KB: one row of 8 million cells (120 MB of sheet XML)."""
    return package(sheet(b'<row r="1">', repeated(b"<c><v>1</v></c>", 120 * MB), b"</row>"))


# --- What passes ---------------------------------------------------------------------------


def test_an_ordinary_workbook_passes_and_is_left_at_its_start():
    workbook = openpyxl.Workbook()
    for row in range(2000):
        workbook.active.append([f"A{row}", "Workshop on CT investigation", "NACTA", 135000.5] * 3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    xlsx_check(buffer)
    assert buffer.tell() == 0


def test_the_files_built_here_are_real_xlsx_files_openpyxl_reads():
    small = package(
        sheet(b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>7</v></c></row>'),
        [f'<sst xmlns="{MAIN}"><si><t>Title</t></si></sst>'.encode()],
    )
    xlsx_check(io.BytesIO(small))
    rows = list(read_xlsx(io.BytesIO(small), [Column("title", "Title"), Column("n", "7")]))
    assert rows == []  # the header row only; "7" is read back as the number 7
    workbook = openpyxl.load_workbook(io.BytesIO(small), read_only=True)
    assert list(workbook.active.iter_rows(values_only=True)) == [("Title", 7)]


# --- Bombs ----------------------------------------------------------------------------


def test_a_row_holding_8_million_cells_is_refused_from_the_archive_directory(row_bomb):
    assert len(row_bomb) < 500 * 1024
    message, inflated_bytes, peak = refused(row_bomb)
    assert "xl/worksheets/sheet1.xml" in message
    assert inflated_bytes == 0  # the directory's sizes were enough
    assert peak < 8 * MB


def test_a_1_gb_shared_strings_part_is_refused_from_the_archive_directory(shared_strings_bomb):
    assert len(shared_strings_bomb) < 2 * MB
    message, inflated_bytes, peak = refused(shared_strings_bomb)
    assert message == (
        "This file holds 1,024.0 MB of data in one part (xl/sharedStrings.xml); "
        "at most 16.0 MB are read."
    )
    assert inflated_bytes == 0
    assert peak < 8 * MB


def test_a_sheet_declaring_millions_of_cells_is_refused_from_its_first_bytes():
    rng = random.Random(11)
    rows = b"".join(
        f'<row r="{r}"><c r="A{r}"><v>{rng.randrange(10**9)}</v></c></row>'.encode()
        for r in range(1, 50_001)
    )
    content = package(sheet(rows, dimension="A1:XFD1048576"))
    message, inflated_bytes, _ = refused(content)
    assert message.startswith("The sheet declares 17,179,869,184 cells (A1:XFD1048576)")
    assert len(rows) > 2 * MB
    assert inflated_bytes <= 3 * 64 * 1024  # the start of the sheet, not its 2 MB


def test_a_sheet_holding_more_cells_than_the_limit_is_refused_while_they_are_counted(
    monkeypatch,
):
    limit = 20_000  # the rule is the same at 200,000; a smaller one keeps the test quick
    monkeypatch.setattr(xlsx_safety, "MAX_CELLS", limit)
    rng = random.Random(7)
    # Varied values compress like real data, so the archive directory lets this through.
    cells = b"".join(f"<c><v>{rng.randrange(10**9)}</v></c>".encode() for _ in range(3 * limit))
    content = package(sheet(b'<row r="1">', cells, b"</row>"))
    part = zipfile.ZipFile(io.BytesIO(content)).getinfo("xl/worksheets/sheet1.xml")
    assert part.file_size / part.compress_size < 100

    message, inflated_bytes, peak = refused(content)

    assert message.startswith(f"The file holds more than {limit:,} cells.")
    assert inflated_bytes < part.file_size / 2  # stopped at the limit, not at the end
    assert peak < 4 * MB


def test_rows_padded_out_to_the_last_column_are_refused():
    # 20 rows, each with one cell in column XFD: openpyxl would pad each to 16,384 cells.
    rows = (f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>'.encode() for r in range(1, 21))
    message, _, _ = refused(package(sheet(rows)))
    assert message.startswith("The sheet reaches row 13 and column 16,384")


def test_a_doctype_with_entities_is_refused():
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        + SHEET_START[SHEET_START.index(b"<worksheet") :]
        + b'<sheetData><row r="1"><c t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    message, _, _ = refused(package([laughs]))
    assert message == "This file declares XML entities (xl/worksheets/sheet1.xml); it is not read."


@pytest.mark.parametrize(
    "content",
    [b"Activity code,Title\nA1,Workshop\n", b"PK\x03\x04" + b"\0" * 200, b""],
    ids=["csv", "zip-magic-only", "empty"],
)
def test_a_file_that_is_no_zip_is_refused_as_not_xlsx(content):
    message, _, _ = refused(content)
    assert message.startswith("This is not an XLSX file")


def test_a_file_stopped_at_the_upload_limit_is_refused_for_its_size():
    stand_in = TooLargeUpload(name="plan.xlsx", content_type="application/zip", size=30 * MB)
    with pytest.raises(XlsxRefused, match=r"^The file is 30.0 MB; files of at most 10.0 MB"):
        xlsx_check(stand_in)


# --- Through the imports --------------------------------------------------------------


def test_the_shared_reader_refuses_a_bomb_without_opening_it(row_bomb, shared_strings_bomb):
    for bomb in (row_bomb, shared_strings_bomb):
        with never_parsed(), pytest.raises(SpreadsheetError, match="in one part"):
            read_xlsx(io.BytesIO(bomb), [Column("code", "Activity code")])


@pytest.mark.django_db
def test_the_workplan_import_refuses_a_bomb_on_its_field_without_opening_it(client, row_bomb):
    version = approved_version(status=WorkplanVersion.Status.DRAFT, decided_by_meeting=None)
    client.force_login(user_with_role(Role.PROGRAMME_MANAGER))
    before = snapshot()
    with never_parsed():
        response = client.post(
            reverse("workplans:version-import", args=[version.pk]),
            {"file": SimpleUploadedFile("plan.xlsx", row_bomb)},
        )
    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1
    assert "(xl/worksheets/sheet1.xml)" in errors[0]
    assert snapshot() == before
