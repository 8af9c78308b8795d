"""Expenditure and exchange-rate imports through the pages: the template, every error of
every row reported at once under its column's label, nothing saved unless every row is
valid, and then every row saved."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from projects.models import ExchangeRate, Expenditure
from tests.factories import ExchangeRateFactory, ProjectFactory

HEADERS = ["Project code", "Category", "Date", "Amount", "Currency", "Description"]
IMPORT_URL = reverse("projects:expenditure-import")
RATE_IMPORT_URL = reverse("projects:rate-import")


@pytest.fixture
def projects(db):
    # P1: 1 Jul 2022 - 30 Jun 2025; P2: 1 Jan 2024 - 31 Dec 2024.
    return {
        "P1": ProjectFactory(code="P1"),
        "P2": ProjectFactory(
            code="P2", start_date=datetime.date(2024, 1, 1), end_date=datetime.date(2024, 12, 31)
        ),
    }


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def xlsx_upload(rows, headers=HEADERS, name="expenditures.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def problems_in(response) -> list[str]:
    html = response.content.decode()
    block = re.search(r'<ul class="import-problems mb-0">(.*?)</ul>', html, re.S).group(1)
    return [
        re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def test_the_template_holds_the_headers_and_lists_the_categories(manager_client):
    response = manager_client.get(reverse("projects:expenditure-template"))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="expenditures-template.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook["Expenditures"][1]] == HEADERS
    reference = [[c.value for c in row] for row in workbook["Reference"].iter_rows(min_row=2)]
    assert reference[0] == ["Category", "staff", "Staff and personnel"]
    assert len(reference) == 8


def test_every_error_of_every_row_is_reported_and_nothing_is_saved(projects, manager_client):
    ExchangeRateFactory(
        currency="EUR", month=datetime.date(2023, 1, 1), usd_per_unit=Decimal("1.08")
    )
    upload = xlsx_upload(
        [
            ["P1", "Training", datetime.date(2023, 5, 2), 1500, "USD", "Fine row"],
            ["P1", "Food", "2023-13-01", "abc", "USD", None],
            [None, None, None, None, None, "only a description"],
            ["P9", "travel", datetime.date(2023, 5, 2), Decimal("12.345"), "XYZ", None],
            ["P2", "psc", datetime.date(2023, 5, 2), -4, "EUR", None],
            ["P1", "staff", "02/05/2023", 1000, "JPY", None],
        ]
    )

    response = manager_client.post(IMPORT_URL, {"file": upload})

    assert response.status_code == 400
    assert problems_in(response) == [
        "Row 3 · Category: &#x27;Food&#x27; is not a budget category.",
        "Row 3 · Date: &#x27;2023-13-01&#x27; is not a date (YYYY-MM-DD or DD/MM/YYYY).",
        "Row 3 · Amount: &#x27;abc&#x27; is not a number.",
        "Row 4 · Project code: required.",
        "Row 4 · Category: required.",
        "Row 4 · Date: required.",
        "Row 4 · Amount: required.",
        "Row 4 · Currency: required.",
        "Row 5 · Project code: &#x27;P9&#x27; is not a project code.",
        "Row 5 · Currency: &#x27;XYZ&#x27; is not a currency the portal records.",
        "Row 6 · Date: 02 May 2023 is outside the project&#x27;s period "
        "(01 Jan 2024 - 31 Dec 2024).",
        "Row 6 · Amount: An expenditure must be greater than zero.",
        "Row 7 · Currency: No exchange rate to USD is recorded for JPY in or before May 2023.",
    ]
    assert "13 errors in 5 of 6 rows: nothing was saved." in response.content.decode()
    assert not Expenditure.objects.exists()


def test_a_valid_file_of_ten_rows_saves_ten_expenditures(projects, manager_client, manager):
    ExchangeRateFactory(
        currency="EUR", month=datetime.date(2023, 3, 1), usd_per_unit=Decimal("1.0625")
    )
    rows = [
        [
            "P1",
            "training",
            datetime.date(2023, 3, day),
            Decimal(f"{100 * day}.50"),
            "EUR",
            f"Item {day}",
        ]
        for day in range(1, 10)
    ]
    rows.append(["P2", "Travel", "2024-02-29", "1,250.75", "usd", None])

    response = manager_client.post(
        IMPORT_URL + "?project=P1", {"file": xlsx_upload(rows, name="march.xlsx")}
    )

    assert response.status_code == 302
    assert response["Location"] == "/projects/P1/expenditures/"
    assert Expenditure.objects.count() == 10
    first = Expenditure.objects.get(description="Item 1")
    assert (first.project.code, first.category, first.spent_on, first.amount, first.currency) == (
        "P1",
        "training",
        datetime.date(2023, 3, 1),
        Decimal("100.50"),
        "EUR",
    )
    assert (first.usd_rate, first.amount_usd) == (Decimal("1.06250000"), Decimal("106.78"))
    last = Expenditure.objects.get(project__code="P2")
    assert (last.category, last.spent_on, last.amount, last.currency, last.amount_usd) == (
        "travel",
        datetime.date(2024, 2, 29),
        Decimal("1250.75"),
        "USD",
        Decimal("1250.75"),
    )
    assert sum(e.amount for e in Expenditure.objects.filter(project__code="P1")) == Decimal(
        "4504.50"
    )
    record = first.history.get()
    assert (record.history_user, record.history_change_reason) == (
        manager,
        "Imported from march.xlsx",
    )
    follow = manager_client.get(response["Location"])
    assert "10 expenditures imported." in follow.content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("expenditures.xlsx", b"not a spreadsheet"),
            "This is not an XLSX file: save it from your spreadsheet program as "
            "Excel Workbook (.xlsx) and upload it again.",
        ),
        (
            xlsx_upload([["P1", "training"]], headers=["Project", "Category"]),
            "The first row must hold the template&#x27;s column headers (missing "
            "&quot;Project code&quot;, &quot;Date&quot;, &quot;Amount&quot;, "
            "&quot;Currency&quot;; unknown &quot;Project&quot;). Expected: "
            "&quot;Project code&quot;, &quot;Category&quot;, &quot;Date&quot;, "
            "&quot;Amount&quot;, &quot;Currency&quot;, &quot;Description&quot;.",
        ),
        (xlsx_upload([]), "The file holds no rows below its header row."),
    ],
)
def test_a_file_that_is_not_an_expenditure_file_is_refused_on_the_file_field(
    projects, manager_client, upload, message
):
    response = manager_client.post(IMPORT_URL, {"file": upload})

    assert response.status_code == 400
    html = response.content.decode()
    errors = re.search(r'id="id_file_errors"[^>]*>(.*?)</div>', html, re.S).group(1).strip()
    assert errors == message
    assert not Expenditure.objects.exists()


def test_more_rows_than_the_limit_are_refused(projects, manager_client, settings):
    rows = [["P1", "training", datetime.date(2023, 3, 1), 1, "USD"]] * 1001

    response = manager_client.post(IMPORT_URL, {"file": xlsx_upload(rows)})

    assert response.status_code == 400
    assert "A file may hold at most 1000 rows." in response.content.decode()
    assert not Expenditure.objects.exists()


# --- Exchange rates ---------------------------------------------------------------------------


def csv_upload(text: str, name="rates.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


def test_rate_import_reports_every_error_and_saves_nothing(manager_client):
    upload = csv_upload(
        "Currency,Month,USD per unit,Source\n"
        "EUR,2023-03,1.0712,UN ORE\n"
        "EUR,2023-03-15,1.08,UN ORE\n"
        "USD,2023-03,1,UN ORE\n"
        "JPY,March,0.0075,\n"
        "GBP,2023-04,-2,UN ORE\n"
    )

    response = manager_client.post(RATE_IMPORT_URL, {"file": upload})

    assert response.status_code == 400
    assert problems_in(response) == [
        "Row 3 · Month: EUR March 2023 is given twice.",
        "Row 4 · Currency: USD is the reporting currency: its rate is always 1.",
        "Row 5 · Month: &#x27;March&#x27; is not a date (YYYY-MM or YYYY-MM-DD).",
        "Row 5 · Source: required.",
        "Row 6 · USD per unit: The rate must be greater than zero.",
    ]
    assert not ExchangeRate.objects.exists()


def test_a_valid_rate_file_sets_every_month(manager_client, manager):
    ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 3, 1), usd_per_unit=Decimal("1"))
    upload = xlsx_upload(
        [
            ["eur", datetime.date(2023, 3, 1), Decimal("1.0712"), "UN ORE"],
            ["JPY", "2023-03", Decimal("0.0075"), "UN ORE"],
            ["GBP", "04/2023", 1.2401, "UN ORE"],
        ],
        headers=["Currency", "Month", "USD per unit", "Source"],
        name="rates.xlsx",
    )

    response = manager_client.post(RATE_IMPORT_URL, {"file": upload})

    assert response.status_code == 302
    assert response["Location"] == "/projects/exchange-rates/"
    assert sorted(ExchangeRate.objects.values_list("currency", "month", "usd_per_unit")) == [
        ("EUR", datetime.date(2023, 3, 1), Decimal("1.07120000")),
        ("GBP", datetime.date(2023, 4, 1), Decimal("1.24010000")),
        ("JPY", datetime.date(2023, 3, 1), Decimal("0.00750000")),
    ]
    corrected = ExchangeRate.objects.get(currency="EUR").history.latest()
    assert (corrected.history_user, corrected.history_change_reason) == (
        manager,
        "Imported from rates.xlsx",
    )


def test_the_rate_template_holds_the_headers(manager_client):
    response = manager_client.get(reverse("projects:rate-template"))

    workbook = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in workbook.active[1]] == ["Currency", "Month", "USD per unit", "Source"]
