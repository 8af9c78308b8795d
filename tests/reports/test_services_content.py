from decimal import Decimal
from unittest import mock

import pytest

from organisations.models import Organisation
from reports import services
from reports.documents.formats import money
from reports.models import Report
from reports.services import requesting
from tests.factories import WorkplanFactory
from tests.reports.conftest import (
    MONTH,
    cell_decimal,
    pdf_pages,
    pdf_text,
    rows,
    workbook,
)
from tests.reports.services_support import _files_on_disk, _generate, _summary
from workplans.models import AchievedValue, ProgressUpdate, Workplan

pytestmark = pytest.mark.django_db


USD_COLUMNS = ["committed", "received", "allocated", "spent", "overdue"]


# --- Disbursement: the files say what the funding selectors say ----------------------------


def test_overall_disbursement_xlsx_totals_equal_the_funding_summary(users):
    report = _generate(kind="disbursement", month=MONTH, user=users["manager"])

    expected = _summary(users["manager"]).total_usd
    book = workbook(report)
    assert book.sheetnames == [
        "About",
        "Summary USD",
        "Agreements USD",
        "Agreements currency",
        "Overdue tranches",
        "Agreement details",
        "Projects",
        "Budget against actual",
    ]
    summary = rows(book["Summary USD"])
    header, donors, total = summary[0], summary[1:-1], summary[-1]
    assert total[0] == "Total"
    assert len(donors) == 4
    assert donors[0][0].startswith("European Union")
    for name in USD_COLUMNS:
        column = header.index(f"{name.capitalize()} (USD)")
        assert cell_decimal(total[column]) == getattr(expected, f"{name}_usd"), name
        # The total is the sum of the rows above it, as a formula over them.
        letter = "ABCDEFGHIJK"[column]
        assert book["Summary USD"][f"{letter}6"].value == f"=SUM({letter}2:{letter}5)"
        assert sum(cell_decimal(d[column]) for d in donors) == cell_decimal(total[column])
    balance = header.index("Balance (USD)")
    assert cell_decimal(total[balance]) == expected.received_usd - expected.spent_usd
    assert total[header.index("Overdue tranches")] == expected.overdue_count == 1

    agreements = rows(book["Agreements USD"])
    assert len(agreements) - 2 == 5  # header, five demo agreements, total
    committed = agreements[0].index("Committed (USD)")
    assert cell_decimal(agreements[-1][committed]) == expected.committed_usd
    # Real number formats, not text.
    sheet = book["Agreements USD"]
    assert sheet.cell(row=sheet.max_row, column=committed + 1).number_format == "#,##0.00"
    assert sheet.cell(row=sheet.max_row - 1, column=committed + 1).number_format == "#,##0.00"


def test_overall_disbursement_xlsx_keeps_each_donor_currency(users):
    report = _generate(kind="disbursement", month=MONTH, user=users["manager"])

    expected = {t.currency: t for t in _summary(users["manager"]).currency_totals}
    table = rows(workbook(report)["Agreements currency"])
    header = table[0]
    totals = {(r[0], r[2]): r for r in table if str(r[0]).startswith("Total")}
    eur = totals[("Total EU", "EUR")]
    assert cell_decimal(eur[header.index("Committed")]) == expected["EUR"].committed
    assert cell_decimal(eur[header.index("Received")]) == expected["EUR"].received
    cad = totals[("Total GAC", "CAD")]
    assert cell_decimal(cad[header.index("Overdue")]) == Decimal("800000.00")
    sheet = workbook(report)["Agreements currency"]
    formats = {
        sheet.cell(row=row, column=3).value: sheet.cell(
            row=row, column=header.index("Committed") + 1
        ).number_format
        for row in range(2, sheet.max_row + 1)
    }
    assert formats["EUR"] == "#,##0.00"
    assert formats["USD"] == "#,##0.00"


def test_disbursement_pdf_shows_the_same_totals_and_the_header_on_every_page(users):
    report = _generate(kind="disbursement", month=MONTH, user=users["manager"])

    expected = _summary(users["manager"]).total_usd
    text = pdf_text(report)
    for name in USD_COLUMNS:
        assert money(getattr(expected, f"{name}_usd")) in text, name
    assert "GAC-UNODC-SP4" in text
    assert "2023-09-30" in text
    pages = pdf_pages(report)
    assert len(pages) >= 2
    for page in pages:
        assert "CT Portal" in page
        assert "Scope: All donors" in page
        assert "Period: June 2025" in page
        assert "Generated " in page


def test_a_donor_report_holds_only_that_donors_agreements_as_the_donor_sees_them(users):
    gac = Organisation.objects.get(short_name="GAC")
    report = _generate(kind="disbursement", donor=gac, month=MONTH, user=users["manager"])

    expected = _summary(users["donor_canada"]).total_usd
    table = rows(workbook(report)["Agreements USD"])
    assert [r[1] for r in table[1:-1]] == ["GAC-UNODC-SP4"]
    header, total = table[0], table[-1]
    for name in USD_COLUMNS:
        assert cell_decimal(total[header.index(f"{name.capitalize()} (USD)")]) == getattr(
            expected, f"{name}_usd"
        )
    text = pdf_text(report)
    assert "INL-UNODC-PTP" not in text
    assert money(expected.committed_usd) in text


def test_received_in_period_counts_only_the_months_receipts(users):
    report = _generate(kind="disbursement", month="2023-10", user=users["manager"])

    table = rows(workbook(report)["Agreements USD"])
    header = table[0]
    column = header.index("Received in period (USD)")
    in_period = {r[1]: cell_decimal(r[column]) for r in table[1:-1]}
    # INL's second tranche arrived on 12 Oct 2023; nothing else that month.
    assert in_period["INL-UNODC-PTP"] == Decimal("600000.00")
    assert sum(in_period.values()) == Decimal("600000.00")


# --- Progress: verified figures only ---------------------------------------------------------


def test_progress_report_counts_verified_updates_only(users):
    workplan = Workplan.objects.get()
    report = _generate(kind="progress", workplan=workplan, quarter=4, user=users["manager"])

    book = workbook(report)
    assert book.sheetnames == [
        "About",
        "By status",
        "Activities",
        "Indicators",
        "Narratives",
        "Late activities",
        "Targets by quarter",
        "By sex and province",
    ]
    by_status = {r[0]: r[1] for r in rows(book["By status"]) if r[0]}
    # Verified: A10 completed (Q1), A1 completed (Q3), A3 on track (Q2); A3's Q3 update is
    # only submitted and A8's are returned or draft, so they count as not reported.
    assert by_status["Completed"] == 2
    assert by_status["On track"] == 1
    assert by_status["No verified update"] == 7
    assert by_status["Total"] == 10
    assert (
        ProgressUpdate.objects.filter(
            activity__version__workplan=workplan, state="verified", quarter__lte=4
        ).count()
        == 3
    )
    activities = {r[0]: r for r in rows(book["Activities"])[1:-1]}
    assert activities["A3"][6] == 0.5  # 50 % from the verified Q2 update, not 90 %

    indicators = {r[0]: r for r in rows(book["Indicators"])[1:]}
    header = rows(book["Indicators"])[0]
    achieved = header.index("Achieved to date")
    verified_i11a = sum(
        v.value
        for v in AchievedValue.objects.filter(
            indicator__code="I1.1a",
            update__state="verified",
            update__activity__version__workplan=workplan,
        )
    )
    assert verified_i11a == Decimal("48")
    assert Decimal(str(indicators["I1.1a"][achieved])) == verified_i11a

    late = {r[0]: r for r in rows(book["Late activities"])[1:]}
    assert "A1" not in late
    assert "A10" not in late
    assert late["A3"][6].startswith("First cohort")  # the verified narrative

    text = pdf_text(report)
    assert "First cohort of newly inducted inspectors" in text
    assert "Second cohort trained" not in text  # submitted, not verified
    assert "25.0 %" in text  # mean percent complete: (100 + 100 + 50) / 10


def test_a_workplan_without_an_approved_version_fails_with_its_reason(users):
    workplan = WorkplanFactory(code="WP-DRAFT")  # only ever a draft
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(
            kind="progress", workplan=workplan, quarter=1, user=users["manager"]
        )
    with pytest.raises(Exception, match="no approved version"):
        services.report_generate(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.failure_reason == "Workplan WP-DRAFT has no approved version to report on."
    assert not report.pdf
    assert not report.xlsx
    assert _files_on_disk(report) == []
