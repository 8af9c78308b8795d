"""Report workbooks a finance officer can filter, pivot and print: every sheet has exactly
one header row (row 1, no blank row under it), an autofilter over its rows, panes frozen
below the header, landscape print fitted to the width with the header repeated, and
totals as SUM formulas over the rows above them (the only formulas in the file)."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from ctportal.spreadsheet_safety import own_formula_set
from reports.documents.pdf import ReportMeta
from reports.documents.xlsx.sheet import Sum, TableSheet, save
from tests.reports.conftest import MONTH, rows, workbook
from tests.reports.services_support import _generate
from workplans.models import Workplan

META = ReportMeta(
    portal_name="CT Portal",
    title="Monthly disbursement report",
    scope="R&D <donor>",
    period="June 2025",
    generated_at=datetime.datetime(2025, 7, 1, 9, 0, tzinfo=datetime.UTC),
)

# sheet -> the autofilter's range: the header and the table's rows, never a total row.
DISBURSEMENT_FILTERS = {
    "About": "A1:B8",
    "Summary USD": "A1:K5",
    "Agreements USD": "A1:L6",
    "Agreements currency": "A1:M6",
    "Overdue tranches": "A1:G2",
    "Agreement details": "A1:L6",
    "Projects": "A1:J10",
    "Budget against actual": "A1:I25",
}
PROGRESS_FILTERS = {
    "About": "A1:B10",
    "By status": "A1:B7",
    "Activities": "A1:I11",
    "Indicators": "A1:I10",
    "Narratives": "A1:H11",
    "Late activities": "A1:H9",
    "Targets by quarter": "A1:H37",
    "By sex and province": "A1:G4",
}


def _check_layout(book, filters: dict[str, str]) -> None:
    assert book.sheetnames == list(filters)
    for sheet in book.worksheets:
        name = sheet.title
        header = [c for c in sheet[1] if c.value is not None]
        assert header, name
        assert all(c.font.bold for c in header), name
        assert sheet["A2"].value is not None, name  # no blank row under the header
        assert not sheet["A2"].font.bold, name
        values = [c.value for c in sheet[1]]
        assert [r for r in sheet.iter_rows(min_row=2, values_only=True) if list(r) == values] == []
        assert sheet.auto_filter.ref == filters[name], name
        assert sheet.freeze_panes == "A2", name
        assert sheet.print_title_rows == "$1:$1", name
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert sheet.oddFooter.right.text == "Page &P of &N"


@pytest.mark.django_db
def test_disbursement_workbook_has_one_header_row_filters_frozen_panes_and_sum_totals(users):
    book = workbook(_generate(kind="disbursement", month=MONTH, user=users["manager"]))

    _check_layout(book, DISBURSEMENT_FILTERS)
    summary = book["Summary USD"]
    assert [summary.cell(row=6, column=c).value for c in range(1, 11)] == [
        "Total",
        *[f"=SUM({col}2:{col}5)" for col in "BCDEFGHIJ"],
    ]
    assert Decimal(str(summary["K6"].value)) == Decimal("0.04")  # a ratio, not a sum
    currency = book["Agreements currency"]
    totals = {r[0].value: (r[2].value, r[3].value) for r in currency.iter_rows(min_row=7)}
    assert totals == {
        "Total EU": ("EUR", "=SUM(D2:D3)"),
        "Total GAC": ("CAD", "=SUM(D4)"),
        "Total INL": ("USD", "=SUM(D5)"),
        "Total Japan": ("USD", "=SUM(D6)"),
    }
    assert {r[0]: r[3] for r in rows(currency)[6:]}["Total EU"] == Decimal("10998964")
    assert book["Overdue tranches"]["G3"].value == "=SUM(G2)"
    overdue = book["Overdue tranches"]
    assert rows(overdue)[-1][-1] == Decimal(str(overdue["G2"].value))


@pytest.mark.django_db
def test_progress_workbook_has_one_header_row_filters_frozen_panes_and_sum_totals(users):
    workplan = Workplan.objects.get()
    book = workbook(_generate(kind="progress", workplan=workplan, quarter=4, user=users["manager"]))

    _check_layout(book, PROGRESS_FILTERS)
    assert book["By status"]["B8"].value == "=SUM(B2:B7)"
    assert rows(book["By status"])[-1] == ["Total", Decimal(10)]
    assert book["Activities"]["D12"].value == "=SUM(D2:D11)"
    assert rows(book["Activities"])[-1][3] == Decimal("937000")
    about = dict(rows(book["About"])[1:])
    assert about["Percent complete (mean)"] == "25.0 %"
    assert about["Late activities"] == "8"


def test_totals_sum_the_rows_they_name_and_user_text_stays_text():
    workbook = Workbook()
    sheet = TableSheet(workbook, "Table", META, first=True)
    sheet.header(["Name", "Amount"])
    a = sheet.row(['=HYPERLINK("http://evil.example","x")', Decimal("1.50")], [None, None])
    sheet.row(["+other", 2], [None, None])
    c = sheet.row(["@third", 4], [None, None])
    sheet.total(["Total", Sum()], [None, None])
    sheet.total(["First and third", Sum((a, c))], [None, None])
    empty = TableSheet(workbook, "Empty", META)
    empty.header(["Name", "Amount"])
    empty.total(["Total", Sum()], [None, None])

    book = load_workbook(io.BytesIO(save(workbook, [sheet, empty])))
    table = book["Table"]
    assert [[c.value for c in r] for r in table.iter_rows(min_row=5)] == [
        ["Total", "=SUM(B2:B4)"],
        ["First and third", "=SUM(B2,B4)"],
    ]
    assert table.auto_filter.ref == "A1:B4"
    assert [(c.data_type, c.quotePrefix) for c in table["A"][1:4]] == [("s", True)] * 3
    assert book["Empty"]["B2"].value == 0
    assert book["Empty"].auto_filter.ref == "A1:B1"
    # '&' would start a code in a printed page header: it is doubled.
    assert table.oddHeader.right.text == "R&&D <donor> - June 2025"


@pytest.mark.parametrize(
    "formula",
    ['=HYPERLINK("http://evil.example","x")', "=SUM(A1)+1", "=SUM(A1:B2", "=sum(A1)", "A1"],
)
def test_only_sums_of_cell_references_may_be_written_as_formulas(formula):
    cell = Workbook().active["A1"]
    with pytest.raises(ValueError, match="Not one of the portal's own formulas"):
        own_formula_set(cell, formula)
    assert cell.value is None
