"""What donors expect in a report (as from Akvo RSR or TolaData): a short summary at the
top, "Page X of Y" on every PDF page, and the narrative of every activity."""

import io

import pytest
from pypdf import PdfReader

from reports.documents.pdf import disbursement_pdf
from reports.documents.summary import disbursement_summary
from tests.reports.conftest import pdf_pages, rows, workbook
from tests.reports.services_support import _generate
from tests.reports.test_charts import META, _figures
from workplans.models import ProgressUpdate, Workplan

FIFTY_SUMMARY = [
    (
        "Funding",
        "50 agreements of 50 donors: 1,275,000.00 USD committed, 637,500.00 USD received to "
        "date, 0.00 USD of it in the period.",
    ),
    (
        "Spending",
        "1,275,000.00 USD allocated to projects, 127,500.00 USD spent; balance 0.00 USD; "
        "burn rate -.",
    ),
    ("Still to receive", "0.00 USD. No tranche is overdue."),
]


def test_the_disbursement_summary_says_the_totals_in_three_lines():
    assert disbursement_summary(_figures(50)) == FIFTY_SUMMARY


def test_every_pdf_page_says_page_x_of_y_and_the_first_starts_with_the_summary():
    reader = PdfReader(io.BytesIO(disbursement_pdf(_figures(50), META)))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    first = " ".join(pages[0].split())
    for topic, sentence in FIFTY_SUMMARY:
        assert f"{topic}: {sentence}" in first
    assert first.index("Funding:") < first.index("USD, millions")  # above the chart


@pytest.mark.django_db
def test_the_progress_report_summarises_and_tells_every_activitys_narrative(users):
    workplan = Workplan.objects.get()
    report = _generate(kind="progress", workplan=workplan, quarter=4, user=users["manager"])

    pages = pdf_pages(report)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
    text = " ".join(" ".join(pages).split())
    assert "Activities: 10 activities: 1 on track, 2 completed, 7 no verified update." in text
    assert "Progress: Mean percent complete 25.0 %; 8 activities late." in text
    # A1 is completed, so not late: its narrative is told all the same.
    verified = ProgressUpdate.objects.filter(
        activity__version__workplan=workplan,
        activity__version__status="approved",
        activity__code="A1",
        state="verified",
        quarter__lte=4,
    ).latest("quarter")
    assert verified.narrative
    assert " ".join(verified.narrative.split()) in text
    narratives = {r[0]: r for r in rows(workbook(report)["Narratives"])[1:]}
    assert sorted(narratives, key=lambda code: int(code[1:])) == [f"A{n}" for n in range(1, 11)]
    assert narratives["A1"][6] == verified.narrative
    assert narratives["A1"][5] == verified.quarter
