"""ctportal.spreadsheets: headers mapped to fields by label, rows as (number, values),
clear errors for a file that is not what the import expects."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from ctportal.spreadsheets import (
    Column,
    SpreadsheetError,
    read_csv,
    read_table,
    read_xlsx,
    template_xlsx,
)

COLUMNS = [
    Column("code", "Project code"),
    Column("amount", "Amount"),
    Column("note", "Description", required=False),
]


def xlsx(*rows) -> io.BytesIO:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_maps_headers_to_fields_by_label_whatever_their_order_and_case():
    rows = list(
        read_xlsx(
            xlsx(
                ["  AMOUNT ", "project   code", "Description"],
                [1250, "P1", "  Venue hire  "],
                [Decimal("10.5"), "P2", None],
            ),
            COLUMNS,
        )
    )

    assert rows == [
        (2, {"amount": 1250, "code": "P1", "note": "Venue hire"}),
        (3, {"amount": Decimal("10.5"), "code": "P2", "note": None}),
    ]


def test_numbers_typed_with_decimals_arrive_as_decimal_never_float():
    [(_, values)] = read_xlsx(xlsx(["Project code", "Amount"], ["P1", 0.1]), COLUMNS)

    assert values["amount"] == Decimal("0.1")
    assert type(values["amount"]) is Decimal


def test_blank_rows_are_skipped_and_row_numbers_are_the_sheets_own():
    rows = list(
        read_xlsx(
            xlsx(["Project code", "Amount"], ["P1", 1], [None, None], ["", "  "], ["P2", 2]),
            COLUMNS,
        )
    )

    assert [number for number, _ in rows] == [2, 5]


def test_dates_stay_dates_and_optional_columns_may_be_absent():
    [(_, values)] = read_xlsx(
        xlsx(["Project code", "Amount"], ["P1", datetime.date(2023, 3, 1)]), COLUMNS
    )

    # Excel stores a date as a (naive) date and time; the importer decides what it means.
    assert set(values) == {"code", "amount"}
    assert isinstance(values["amount"], datetime.datetime)
    assert values["amount"].date() == datetime.date(2023, 3, 1)


def test_missing_and_unknown_headers_are_named_in_one_error():
    with pytest.raises(SpreadsheetError) as error:
        read_xlsx(xlsx(["Project code", "Amont"], ["P1", 1]), COLUMNS)

    assert str(error.value) == (
        'The first row must hold the template\'s column headers (missing "Amount"; '
        'unknown "Amont"). Expected: "Project code", "Amount", "Description".'
    )


def test_a_column_twice_is_refused():
    with pytest.raises(SpreadsheetError, match='The column "Amount" appears twice.'):
        read_xlsx(xlsx(["Project code", "Amount", "amount"]), COLUMNS)


def test_an_empty_workbook_is_refused():
    with pytest.raises(SpreadsheetError, match="The file is empty"):
        read_xlsx(xlsx(), COLUMNS)


def test_a_file_that_is_not_xlsx_is_refused_with_a_clear_message():
    with pytest.raises(SpreadsheetError) as error:
        read_xlsx(io.BytesIO(b"code,amount\nP1,1\n"), COLUMNS)

    assert str(error.value) == (
        "This is not an XLSX file: save it from your spreadsheet program as "
        "Excel Workbook (.xlsx) and upload it again."
    )


def test_more_rows_than_the_limit_is_an_error():
    file = xlsx(["Project code", "Amount"], *[[f"P{n}", n] for n in range(4)])

    with pytest.raises(SpreadsheetError, match="A file may hold at most 3 rows."):
        list(read_xlsx(file, COLUMNS, max_rows=3))


def test_exactly_the_limit_is_read():
    file = xlsx(["Project code", "Amount"], *[[f"P{n}", n] for n in range(3)])

    assert len(list(read_xlsx(file, COLUMNS, max_rows=3))) == 3


def test_csv_with_a_byte_order_mark_reads_like_xlsx():
    file = io.BytesIO("\ufeffAmount,Project code\n 12.50 ,P1\n,\n".encode())

    assert list(read_csv(file, COLUMNS)) == [(2, {"amount": "12.50", "code": "P1"})]


def test_csv_that_is_not_utf8_is_refused():
    with pytest.raises(SpreadsheetError, match="This CSV file is not UTF-8 text."):
        read_csv(io.BytesIO("Project code,Amount\nP\xe9,1\n".encode("latin-1")), COLUMNS)


def test_read_table_chooses_the_reader_by_file_name():
    csv_rows = list(read_table(io.BytesIO(b"Project code,Amount\nP1,1\n"), "rates.CSV", COLUMNS))
    xlsx_rows = list(read_table(xlsx(["Project code", "Amount"], ["P1", 1]), "rates.xlsx", COLUMNS))

    assert csv_rows == [(2, {"code": "P1", "amount": "1"})]
    assert xlsx_rows == [(2, {"code": "P1", "amount": 1})]


def test_template_holds_the_labels_as_a_bold_header_and_reads_back():
    content = template_xlsx(COLUMNS, title="Expenditures", examples=[["P1", 10, "Venue"]])

    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Expenditures"
    assert [cell.value for cell in sheet[1]] == ["Project code", "Amount", "Description"]
    assert all(cell.font.bold for cell in sheet[1])
    assert list(read_xlsx(io.BytesIO(content), COLUMNS)) == [
        (2, {"code": "P1", "amount": 10, "note": "Venue"})
    ]


def test_template_lists_reference_codes_on_a_second_sheet():
    content = template_xlsx(COLUMNS, reference=[("Category", "travel", "Travel")])

    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Data", "Reference"]
    assert [[c.value for c in row] for row in workbook["Reference"].iter_rows()] == [
        ["What", "Code", "Name"],
        ["Category", "travel", "Travel"],
    ]
