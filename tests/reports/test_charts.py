"""The overall disbursement chart stays readable at 50 donors: the ten largest by
commitment and one "Others" bar summing the other forty. Built from 50 donors' sections,
without the database, and the PDF drawn from them."""

import datetime
import io
from decimal import Decimal

from pypdf import PdfReader

from reports.documents.pdf import ReportMeta, disbursement_pdf
from reports.documents.pdf.disbursement import disbursement_chart
from reports.figures import AgreementRow, DisbursementFigures, DonorSection, chart_groups

META = ReportMeta(
    portal_name="CT Portal",
    title="Monthly disbursement report",
    scope="All donors",
    period="June 2025",
    generated_at=datetime.datetime(2025, 7, 1, 9, 0, tzinfo=datetime.UTC),
)


def _section(number: int) -> DonorSection:
    """Donor 01 commits USD 1,000 ... Donor 50 USD 50,000, received half, spent a tenth."""
    committed = Decimal(number * 1000)
    row = AgreementRow(
        reference=f"AGR-{number:02d}",
        title=f"Agreement {number}",
        currency="USD",
        start_date="2024-01-01",
        end_date="2026-12-31",
        committed=committed,
        committed_usd=committed,
        received_usd=committed / 2,
        allocated_usd=committed,
        spent_usd=committed / 10,
    )
    return DonorSection(
        donor_id=number,
        donor_name=f"Donor number {number:02d}",
        donor_short_name=f"Donor {number:02d}",
        agreements=[row],
    )


def _figures(count: int) -> DisbursementFigures:
    return DisbursementFigures(
        period_start=datetime.date(2025, 6, 1),
        period_end=datetime.date(2025, 6, 30),
        sections=[_section(n) for n in range(1, count + 1)],
        overall=True,
    )


def test_fifty_donors_chart_as_the_ten_largest_and_one_others_bar():
    groups = chart_groups(_figures(50))

    assert [label for label, _ in groups] == [
        *[f"Donor {n}" for n in range(50, 40, -1)],
        "Others (40 donors)",
    ]
    others = groups[-1][1]
    # Donors 1 to 40: 1,000 + ... + 40,000 committed.
    assert others.committed == Decimal("820000")
    assert others.received == Decimal("410000")
    assert others.spent == Decimal("82000")
    assert groups[0][1].committed == Decimal("50000")

    chart = disbursement_chart(_figures(50)).contents[0]
    assert chart.categoryAxis.categoryNames == [label for label, _ in groups]
    assert len(chart.data) == 4  # committed, received, allocated, spent
    assert all(len(series) == 11 for series in chart.data)
    assert chart.data[0][-1] == 820000


def test_eleven_donors_or_fewer_are_each_charted_in_report_order():
    assert [label for label, _ in chart_groups(_figures(11))] == [
        f"Donor {n:02d}" for n in range(1, 12)
    ]
    labels = [label for label, _ in chart_groups(_figures(12))]
    assert labels[-1] == "Others (2 donors)"
    assert len(labels) == 11


def test_the_fifty_donor_pdf_builds_with_the_others_bar_on_its_first_page():
    pdf = disbursement_pdf(_figures(50), META)

    first = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Others (40 donors)" in first
    assert "Donor 50" in first
