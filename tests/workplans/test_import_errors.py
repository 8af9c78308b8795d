"""The workplan XLSX import reports every error of every row in one pass, each under its
column's label, with the same rules as the activity form (whole numbers for counts);
nothing is saved unless the whole file is valid."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.factories import (
    ActivityFactory,
    IndicatorFactory,
    OutcomeFactory,
    OutputFactory,
    ProvinceFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
)
from tests.workplans import counterpart, snapshot
from workplans.models import Activity, ActivityTarget
from workplans.xlsx_import import ImportFileError, workplan_import, workplan_import_check
from workplans.xlsx_template import template_workbook

pytestmark = pytest.mark.django_db

Q = ["Target Q1 (Jul-Sep 2022)", "Target Q2 (Oct-Dec 2022)", "Target Q3 (Jan-Mar 2023)"]


@pytest.fixture
def draft():
    sp = SubProgrammeFactory()
    output = OutputFactory(outcome=OutcomeFactory(sub_programme=sp), code="Op1.1")
    other_output = OutputFactory(outcome=output.outcome, code="Op1.2")
    IndicatorFactory(output=output, code="I1.1a", unit="persons")
    IndicatorFactory(output=output, code="I1.1b", unit="workshops")
    IndicatorFactory(output=output, code="I1.1c", unit="percent of cases")
    IndicatorFactory(output=other_output, code="I1.2a", unit="requests")
    ProvinceFactory(code="PK-IS", name="Islamabad")
    ProvinceFactory(code="PK-SD", name="Sindh")
    counterpart("NACTA")
    counterpart("CTD-SD")
    return WorkplanVersionFactory(
        workplan=WorkplanFactory(
            sub_programme=sp,
            code="WP-IMP",
            period_start=datetime.date(2022, 7, 1),
            period_end=datetime.date(2023, 3, 31),
        )
    )


def xlsx(version, rows: list[list]) -> io.BytesIO:
    """The version's own template with `rows` below its headers."""
    workbook = load_workbook(io.BytesIO(template_workbook(version)))
    sheet = workbook["Activities"]
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


GOOD = [
    ["A1", "CT investigation workshops", "Op1.1", "NACTA", "PK-IS", "", 135000, "I1.1b", 0, 1, 2],
    ["A1", "", "", "", "", "", "", "I1.1a", 20, 25, ""],
    ["A2", "Case-file reviews", "Op1.1", "CTD-SD", "PK-SD", "", "90,000", "I1.1c", "", 12.5, 40],
]


def test_the_template_has_the_versions_quarters_and_marks_counts(draft):
    workbook = load_workbook(io.BytesIO(template_workbook(draft)))
    headers = [cell.value for cell in workbook["Activities"][1]]
    assert headers == [
        "Activity code",
        "Activity title",
        "Output code",
        "Lead counterpart (short name)",
        "Provinces (ISO codes, comma-separated)",
        "Funding project code (optional)",
        "Budget (USD)",
        "Indicator code",
        *Q,
    ]
    reference = {row[1]: row[2] for row in workbook["Reference"].iter_rows(values_only=True)}
    assert reference["I1.1a"].startswith("Indicator ")
    assert "(persons, whole numbers)" in reference["I1.1a"]
    assert "(percent of cases)" in reference["I1.1c"]


def test_a_valid_file_is_checked_then_imported_with_every_target(draft, manager):
    result = workplan_import_check(version=draft, user=manager, uploaded=xlsx(draft, GOOD))
    assert (result.ok, result.problems) == (True, [])
    assert Activity.objects.count() == 0

    result = workplan_import(version=draft, user=manager, uploaded=xlsx(draft, GOOD))

    assert (result.ok, result.created) == (True, 2)
    assert list(
        ActivityTarget.objects.order_by("activity__code", "indicator__code", "quarter").values_list(
            "activity__code", "indicator__code", "quarter", "value"
        )
    ) == [
        ("A1", "I1.1a", 1, Decimal("20")),
        ("A1", "I1.1a", 2, Decimal("25")),
        ("A1", "I1.1b", 2, Decimal("1")),
        ("A1", "I1.1b", 3, Decimal("2")),
        ("A2", "I1.1c", 2, Decimal("12.5")),
        ("A2", "I1.1c", 3, Decimal("40")),
    ]
    assert Activity.objects.get(code="A2").budget == Decimal("90000")


def test_every_error_of_every_row_is_reported_under_its_column(draft, manager):
    ActivityFactory(version=draft, code="A9", output=OutputFactory())
    rows = [
        # row 2: four wrong cells
        ["A1", "", "Op9.9", "NACTA", "PK-XX, PK-IS", "", -5, "I1.1a", 1, "ten", 0],
        # row 3: the activity is fine, its second indicator's cells are not
        ["A2", "Reviews", "Op1.1", "CTD-SD", "PK-SD", "", 1000, "I1.1b", 2.5, 1, 0],
        ["A2", "", "", "", "", "", "", "I1.2a", 0, 0, 3],
        ["A2", "", "", "", "", "", "", "I1.1b", 0, 0, 1],
        # row 6: a code already in the version, an unknown lead and project, no indicator
        ["A9", "Duplicate", "Op1.1", "Nobody", "", "P-404", "12.345", "", 0, 0, 0],
        # row 7: no code at all
        ["", "Orphan", "Op1.1", "NACTA", "", "", 0, "I1.9", "", "", ""],
    ]
    before = snapshot()

    result = workplan_import_check(version=draft, user=manager, uploaded=xlsx(draft, rows))

    assert result.problems == [
        "Row 2 · Output code: 'Op9.9' is not an output of this sub-programme.",
        "Row 2 · Provinces (ISO codes, comma-separated): 'PK-XX' is not an ISO 3166-2:PK code.",
        "Row 2 · Target Q2 (Oct-Dec 2022): 'ten' is not a number.",
        "Row 2 · Activity title: The title is required.",
        "Row 2 · Budget (USD): The budget cannot be negative.",
        "Row 3 · Target Q1 (Jul-Sep 2022): I1.1b counts workshops: its target in quarter 1 "
        "must be a whole number, not 2.5.",
        "Row 4 · Indicator code: Indicator I1.2a is not an indicator of output Op1.1.",
        "Row 5 · Indicator code: I1.1b already has targets for A2 in row 3; "
        "give each indicator one row.",
        "Row 6 · Indicator code: required.",
        "Row 6 · Lead counterpart (short name): 'Nobody' is not a known organisation.",
        "Row 6 · Funding project code (optional): 'P-404' is not a project.",
        "Row 6 · Activity code: WP-IMP v1 already has an activity A9.",
        "Row 6 · Budget (USD): 12.345 is not an amount in USD.",
        "Row 7 · Activity code: required.",
        "Row 7 · Indicator code: 'I1.9' is not an indicator of this sub-programme.",
    ]
    assert result.error_count == 15
    assert snapshot() == before


def test_the_import_page_lists_every_problem_and_saves_nothing(client, manager, draft):
    client.force_login(manager)
    rows = [
        ["A1", "Workshops", "Op1.1", "NACTA", "PK-IS", "", -5, "I1.1a", 1.5, 0, 0],
        ["A2", "Reviews", "Op7", "NACTA", "", "", 10, "I1.1b", 1, 0, 0],
    ]
    before = snapshot()

    response = client.post(
        reverse("workplans:version-import", args=[draft.pk]),
        {"file": SimpleUploadedFile("plan.xlsx", xlsx(draft, rows).getvalue())},
    )

    assert response.status_code == 400
    html = response.content.decode()
    for problem in (
        "Row 2 · Target Q1 (Jul-Sep 2022): I1.1a counts persons: its target in quarter 1 "
        "must be a whole number, not 1.5.",
        "Row 2 · Budget (USD): The budget cannot be negative.",
        "Row 3 · Output code: &#x27;Op7&#x27; is not an output of this sub-programme.",
    ):
        assert problem in html
    assert "3 errors: nothing was saved." in html
    assert snapshot() == before


def test_a_file_that_is_not_the_template_is_refused_on_the_file_field(client, manager, draft):
    client.force_login(manager)
    workbook = Workbook()
    workbook.active.append(["Code", "Name"])
    out = io.BytesIO()
    workbook.save(out)
    before = snapshot()

    response = client.post(
        reverse("workplans:version-import", args=[draft.pk]),
        {"file": SimpleUploadedFile("other.xlsx", out.getvalue())},
    )

    assert response.status_code == 400
    error = response.context["form"].errors["file"][0]
    assert error.startswith("The first row must hold the template's column headers (missing")
    assert snapshot() == before


def test_a_file_that_is_not_xlsx_is_refused(draft, manager):
    with pytest.raises(ImportFileError):
        workplan_import_check(version=draft, user=manager, uploaded=io.BytesIO(b"%PDF-1.7\n"))


def test_the_checked_file_is_imported_on_confirmation(client, manager, draft):
    client.force_login(manager)
    url = reverse("workplans:version-import", args=[draft.pk])

    checked = client.post(
        url, {"file": SimpleUploadedFile("plan.xlsx", xlsx(draft, GOOD).getvalue())}
    )

    assert checked.status_code == 200
    assert "All 3 rows are valid." in checked.content.decode()
    assert Activity.objects.count() == 0

    response = client.post(url, {"confirm": "1"})

    assert response.status_code == 302
    assert sorted(Activity.objects.values_list("code", flat=True)) == ["A1", "A2"]


@pytest.mark.parametrize(
    ("rows", "said", "button"),
    [
        (GOOD[:1], "The 1 row is valid. Nothing is saved until you import it.", "Import 1 row"),
        (
            GOOD[:2],
            "All 2 rows are valid. Nothing is saved until you import them.",
            "Import 2 rows",
        ),
    ],
)
def test_the_checked_file_counts_its_rows_in_good_english(
    client, manager, draft, rows, said, button
):
    client.force_login(manager)
    checked = client.post(
        reverse("workplans:version-import", args=[draft.pk]),
        {"file": SimpleUploadedFile("plan.xlsx", xlsx(draft, rows).getvalue())},
    )

    html = checked.content.decode()
    ok = re.search(r'data-testid="import-ok">(.*?)</div>', html, re.S).group(1)
    assert " ".join(ok.split()) == said
    assert (
        re.search(r'<button class="btn btn-primary" type="submit">(.*?)</button>', html).group(1)
        == button
    )
