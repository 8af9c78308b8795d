"""The parts a fanned-out report's documents are put together from: rows written ahead
(a donor's, by its own task) are the cells the sheet would have written in their place,
whatever they hold, numbered from where they land; pages made apart and numbered
together read as the pages of a PDF made in one piece."""

import datetime
import io
import json
from decimal import Decimal

from openpyxl import load_workbook
from pypdf import PdfReader
from reportlab.platypus import PageBreak

from reports.documents.pdf.layout import BODY, H2, ReportMeta, build_pdf, para
from reports.documents.pdf.pages import numbered_pdf
from reports.documents.xlsx.parts import SheetPart, rows_part
from reports.documents.xlsx.sheet import DATE, Sum, TableSheet, report_workbook, save
from tests.reports.test_fan_out_documents import _cells

META = ReportMeta(
    portal_name="CT Portal",
    title="Monthly disbursement report",
    scope="All donors",
    period="June 2025",
    generated_at=datetime.datetime(2025, 7, 1, 9, 0, tzinfo=datetime.UTC),
)
FORMATS = [None, None, "#,##0.00", DATE, None, None, "0", "#,##0"]


def _rows(tag: str) -> list[list]:
    """Text as people type it (braces, a formula, markup, accents, spaces, a number as
    text), amounts, dates, gaps."""
    return [
        [f"{tag} Café – ü", "{0} {s1} }{ {{", Decimal("1234.50"), datetime.date(2025, 6, 30)]
        + [None, '=HYPERLINK("http://evil.example/","x")', 7, Decimal("-3")],
        [f"  {tag} spaced  ", "<b>bold</b> & co", Decimal("0.125"), None]
        + ["tail", "-12.50", None, Decimal("1000000")],
        [tag, "", Decimal("0"), datetime.date(2016, 1, 1), "+1+1", "@sum", 0, None],
    ]


def _sheet(workbook) -> TableSheet:
    sheet = TableSheet(workbook, "Table", META, first=True, wrap=(2,))
    sheet.header(["Name", "Note", "Amount", "On", "Tag", "Text", "Count", "Whole"])
    return sheet


def _ahead(rows: list[list]) -> SheetPart:
    """Written by another sheet of no workbook, and kept as JSON, as a section's task does."""
    sheet = TableSheet(None, "Table", None, wrap=(2,))
    for values in rows:
        sheet.row(values, FORMATS)
    return SheetPart.from_json(json.loads(json.dumps(rows_part(sheet).to_json())))


def test_rows_written_ahead_are_the_cells_written_in_their_place():
    in_place = _sheet(report_workbook())
    for values in _rows("A") + _rows("B") + _rows("C"):
        in_place.row(values, FORMATS)
    in_place.total(["Total", None, Sum(), None, None, None, Sum(), Sum()], FORMATS)
    in_place.total(["Some", None, Sum((2, 3, 7)), None, None, None, None, None], FORMATS)

    ahead = _sheet(report_workbook())
    assert ahead.part(_ahead(_rows("A"))) == 2
    for values in _rows("B"):  # rows of the sheet's own between parts
        ahead.row(values, FORMATS)
    assert ahead.part(_ahead(_rows("C"))) == 8
    assert ahead.part(SheetPart()) == 11  # a donor with no rows adds none
    ahead.total(["Total", None, Sum(), None, None, None, Sum(), Sum()], FORMATS)
    ahead.total(["Some", None, Sum((2, 3, 7)), None, None, None, None, None], FORMATS)

    expected = load_workbook(io.BytesIO(save(in_place.workbook, [in_place])))
    book = load_workbook(io.BytesIO(save(ahead.workbook, [ahead])))
    assert _cells(book) == _cells(expected)
    table = book["Table"]
    assert table.max_row == 12
    assert table.auto_filter.ref == "A1:H10"
    assert table["C11"].value == "=SUM(C2:C10)"
    assert table["C12"].value == "=SUM(C2:C3,C7)"
    assert (table["B2"].value, table["B2"].alignment.wrap_text) == ("{0} {s1} }{ {{", True)
    assert (table["F8"].data_type, table["F8"].quotePrefix) == ("s", True)
    assert table["D8"].is_date


def test_pages_made_apart_and_numbered_together_read_as_one_pdf():
    def story(name: str, pages: int) -> list:
        flowables = []
        for page in range(pages):
            flowables += [para(H2, f"{name} page {page + 1}"), para(BODY, "Text (with) \\ marks")]
            flowables.append(PageBreak())
        return flowables[:-1]

    whole = build_pdf(META, story("First", 2) + [PageBreak()] + story("Second", 3))
    apart = numbered_pdf(
        META,
        [
            build_pdf(META, story("First", 2), numbered=False),
            build_pdf(META, story("Second", 3), numbered=False),
        ],
    )

    pages = [p.extract_text() for p in PdfReader(io.BytesIO(apart)).pages]
    # (pypdf ends a page that reportlab numbered with a line break more)
    assert pages == [p.extract_text().rstrip("\n") for p in PdfReader(io.BytesIO(whole)).pages]
    assert [p.splitlines()[-1] for p in pages] == [f"Page {n} of 5" for n in range(1, 6)]
    assert PdfReader(io.BytesIO(apart)).metadata.title == (
        "Monthly disbursement report: All donors, June 2025"
    )
