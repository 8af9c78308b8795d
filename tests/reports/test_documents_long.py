"""Long reports (a decade of a programme: tens of thousands of overdue tranches): the PDF
lists what a person reads, the longest overdue first, and says how many more the XLSX
holds; the XLSX holds every row, written by row numbers the sheet counts itself into a
streamed (write-only) workbook, its totals SUMs over all of them."""

import datetime
import io
import re
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from reports.documents.pdf import ReportMeta, disbursement_pdf
from reports.documents.pdf.layout import PDF_ROW_LIMIT
from reports.documents.xlsx import disbursement_xlsx
from reports.documents.xlsx.sheet import Sum, TableSheet, report_workbook, save
from reports.figures import AgreementRow, DisbursementFigures, DonorSection, OverdueTranche
from reports.figures.disbursement_detail import BudgetActualRow

META = ReportMeta(
    portal_name="CT Portal",
    title="Monthly disbursement report",
    scope="All donors",
    period="June 2025",
    generated_at=datetime.datetime(2025, 7, 1, 9, 0, tzinfo=datetime.UTC),
)
PERIOD_END = datetime.date(2025, 6, 30)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _section(donor_id: int, short: str, days: list[int], budget_lines: int = 0) -> DonorSection:
    reference = f"{short}-001"
    overdue = [
        OverdueTranche(
            reference=reference,
            currency="USD",
            planned_date=(PERIOD_END - datetime.timedelta(days=d)).isoformat(),
            planned_amount=Decimal("10.00"),
            planned_amount_usd=Decimal("10.00"),
            days_overdue=d,
        )
        for d in days
    ]
    agreement = AgreementRow(
        reference=reference,
        title="Agreement",
        currency="USD",
        start_date="2016-01-01",
        end_date="2026-12-31",
        committed=Decimal("1000000"),
        committed_usd=Decimal("1000000"),
        overdue=Decimal("10.00") * len(days),
        overdue_usd=Decimal("10.00") * len(days),
        overdue_count=len(days),
    )
    budget = [
        BudgetActualRow(
            project_code=f"{short}-P{i:04d}",
            year=2020,
            category="Staff",
            budget=Decimal("100.00"),
            currency="USD",
            budget_usd=Decimal("100.00"),
            spent_usd=Decimal("40.00"),
        )
        for i in range(budget_lines)
    ]
    return DonorSection(
        donor_id=donor_id,
        donor_name=f"Donor {short}",
        donor_short_name=short,
        agreements=[agreement],
        overdue=overdue,
        budget=budget,
    )


def _figures(*sections: DonorSection) -> DisbursementFigures:
    return DisbursementFigures(
        period_start=datetime.date(2025, 6, 1),
        period_end=PERIOD_END,
        sections=list(sections),
        overall=True,
    )


def _pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_pdf_lists_the_longest_overdue_tranches_and_says_how_many_more_the_xlsx_holds():
    # 150 tranches each: AAA's overdue 1..150 days, BBB's 1001..1150 days.
    figures = _figures(
        _section(1, "AAA", list(range(1, 151))), _section(2, "BBB", list(range(1001, 1151)))
    )

    text = _pdf_text(disbursement_pdf(figures, META))

    assert PDF_ROW_LIMIT == 200
    assert (
        "The longest overdue first: 200 of 300 overdue tranches listed here; the other 100 "
        'are in the XLSX file of this report (sheet "Overdue tranches"), which lists all of '
        "them." in " ".join(text.split())
    )
    lines = text.splitlines()
    # Each overdue row is printed cell by cell; its planned date (ISO, as only this table
    # prints dates) is followed by its days overdue.
    listed = [int(lines[i + 1]) for i, line in enumerate(lines) if ISO_DATE.fullmatch(line)]
    # BBB's 150 (1150 down to 1001), then AAA's longest 50 (150 down to 101): none shorter.
    assert listed == [*range(1150, 1000, -1), *range(150, 100, -1)]
    assert "Total 300 tranches USD 3,000.00" in " ".join(text.split())

    book = load_workbook(io.BytesIO(disbursement_xlsx(figures, META)))
    sheet = book["Overdue tranches"]
    assert sheet.max_row == 302  # the header, all 300 tranches, the total
    assert sheet.auto_filter.ref == "A1:G301"
    assert sheet["G302"].value == "=SUM(G2:G301)"
    assert sheet["B302"].value == "300 tranches"


def test_pdf_budget_table_lists_its_first_lines_and_totals_them_all():
    figures = _figures(_section(1, "AAA", [5], budget_lines=PDF_ROW_LIMIT + 30))

    text = " ".join(_pdf_text(disbursement_pdf(figures, META)).split())

    assert (
        "200 of 230 lines listed here; the other 30 are in the XLSX file of this report "
        '(sheet "Budget against actual"), which lists all of them.' in text
    )
    assert "AAA-P0199" in text
    assert "AAA-P0200" not in text
    # 230 lines of budget 100.00 and spent 40.00
    assert "Total USD 23,000.00 9,200.00 13,800.00" in text


def test_pdf_with_few_overdue_tranches_lists_them_all_without_a_note():
    figures = _figures(_section(1, "AAA", [3, 9]))

    text = " ".join(_pdf_text(disbursement_pdf(figures, META)).split())

    assert "listed here" not in text
    assert "Total 2 tranches USD 20.00" in text


def test_a_long_table_is_numbered_by_the_sheet_and_streamed_into_a_write_only_workbook():
    workbook = report_workbook()
    sheet = TableSheet(workbook, "Long", META, first=True)
    sheet.header(["Name", "Amount"])
    numbers = [sheet.row([f"row {i}", Decimal("1.25")], [None, "0.00"]) for i in range(5000)]
    odd = Sum(tuple(numbers[1::2]))
    total = sheet.total(["Total", Sum()], [None, "0.00"])
    sheet.total(["Every other", odd], [None, "0.00"])

    assert workbook.write_only
    assert (numbers[0], numbers[-1], total) == (2, 5001, 5002)
    book = load_workbook(io.BytesIO(save(workbook, [sheet])))
    table = book["Long"]
    assert table.max_row == 5003
    assert table.auto_filter.ref == "A1:B5001"
    assert table.freeze_panes == "A2"
    assert table.print_title_rows == "$1:$1"
    assert table["B5002"].value == "=SUM(B2:B5001)"
    assert table["B5003"].value == "=" + "SUM(" + ",".join(f"B{n}" for n in numbers[1::2]) + ")"
    assert table["A5001"].value == "row 4999"
    assert table["B5001"].value == 1.25
    assert table["A5002"].font.bold


def test_a_sheet_writes_into_an_ordinary_workbook_too():
    workbook = Workbook()
    sheet = TableSheet(workbook, "Plain", META, first=True)
    sheet.header(["Name", "Amount"])
    sheet.row(["one", 1], [None, None])
    sheet.total(["Total", Sum()], [None, None])

    book = load_workbook(io.BytesIO(save(workbook, [sheet])))

    assert book.sheetnames == ["Plain"]
    assert [[c.value for c in r] for r in book["Plain"].iter_rows()] == [
        ["Name", "Amount"],
        ["one", 1],
        ["Total", "=SUM(B2)"],
    ]
