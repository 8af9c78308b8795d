import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from donors.selectors_funding import FundingFilters, funding_summary
from organisations.models import Organisation
from reports import figures, services
from reports.documents.formats import money
from reports.models import Report, ReportDelivery, ReportSection, Subscription
from reports.services import generating, requesting
from tests.factories import WorkplanFactory
from tests.reports.conftest import (
    MONTH,
    MONTH_END,
    cell_decimal,
    pdf_pages,
    pdf_text,
    rows,
    workbook,
)
from workplans.models import AchievedValue, ProgressUpdate, Workplan

pytestmark = pytest.mark.django_db

USD_COLUMNS = ["committed", "received", "allocated", "spent", "overdue"]


def _generate(**kwargs) -> Report:
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(**kwargs)
    with mock.patch.object(generating, "_enqueue_delivery"):
        return services.report_generate(report_id=report.pk)


def _files_on_disk(report: Report) -> list[str]:
    try:
        return sorted(default_storage.listdir(f"reports/{report.pk}")[1])
    except FileNotFoundError:
        return []


def _summary(user, **filters):
    return funding_summary(
        user=user,
        group_by="agreement",
        filters=FundingFilters(date_to=MONTH_END, **filters),
        today=MONTH_END + datetime.timedelta(days=1),
    )


# --- Disbursement: the files say what the funding selectors say ----------------------------


def test_overall_disbursement_xlsx_totals_equal_the_funding_summary(users):
    report = _generate(kind="disbursement", month=MONTH, user=users["manager"])

    expected = _summary(users["manager"]).total_usd
    book = workbook(report)
    assert book.sheetnames == [
        "Summary USD",
        "Agreements USD",
        "Agreements currency",
        "Overdue tranches",
    ]
    summary = rows(book["Summary USD"])
    header, donors, total = summary[0], summary[1:-1], summary[-1]
    assert total[0] == "Total"
    assert len(donors) == 4
    assert donors[0][0].startswith("European Union")
    for name in USD_COLUMNS:
        column = header.index(f"{name.capitalize()} (USD)")
        assert cell_decimal(total[column]) == getattr(expected, f"{name}_usd"), name
        # The total is the sum of the rows above it, and a number, not text.
        assert isinstance(total[column], int | float)
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
    assert book.sheetnames == ["By status", "Activities", "Indicators", "Late activities"]
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


# --- One record per kind, scope and period ---------------------------------------------------


def test_running_a_report_again_replaces_its_files_in_the_same_record(
    users, django_capture_on_commit_callbacks
):
    first = _generate(kind="disbursement", month=MONTH, user=users["manager"])
    old_pdf, old_xlsx = first.pdf.name, first.xlsx.name
    assert _files_on_disk(first) == sorted([old_pdf.split("/")[-1], old_xlsx.split("/")[-1]])

    # The old files go once the new ones are committed.
    with django_capture_on_commit_callbacks(execute=True):
        second = _generate(kind="disbursement", month=MONTH, user=users["manager"])

    assert second.pk == first.pk
    assert Report.objects.count() == 1
    assert second.generation == 2
    assert second.pdf.name != old_pdf
    assert not default_storage.exists(old_pdf)
    assert not default_storage.exists(old_xlsx)
    assert _files_on_disk(second) == sorted(
        [second.pdf.name.split("/")[-1], second.xlsx.name.split("/")[-1]]
    )
    assert second.history.filter(history_change_reason="generated").count() == 2


def test_the_unique_constraint_refuses_a_second_record_for_the_same_period(users):
    from django.db import IntegrityError, transaction

    _generate(kind="disbursement", month=MONTH, user=users["manager"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            kind="disbursement",
            period_start=datetime.date(2025, 6, 1),
            period_end=MONTH_END,
            requested_at=timezone.now(),
        )


def test_only_managers_request_reports(users):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.report_request(kind="disbursement", month=MONTH, user=users["donor_japan"])
    assert Report.objects.count() == 0


def test_a_request_is_queued_on_commit(users, django_capture_on_commit_callbacks):
    with (
        mock.patch("reports.tasks.report_generate_task.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    delay.assert_called_once_with(kwargs={"report_id": report.pk, "generation": 1})
    assert report.status == Report.Status.QUEUED


# --- The lock -----------------------------------------------------------------------------------


def test_a_report_is_claimed_by_one_run_at_a_time(users):
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])

    first = services.report_claim(report_id=report.pk, generation=1)
    second = services.report_claim(report_id=report.pk, generation=1)

    assert first.claimed
    assert not second.claimed
    assert not second.stale
    assert 0 < second.wait_seconds <= 121
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING
    assert report.attempts == 1
    # A request while it runs under a live lease leaves it alone.
    with mock.patch.object(requesting, "_enqueue") as enqueue:
        again = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    assert again.pk == report.pk
    assert again.generation == 1
    enqueue.assert_not_called()


def test_a_run_whose_lease_expired_is_taken_over_and_publishes_nothing(users):
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    dead = services.report_claim(report_id=report.pk, generation=1)
    # Its worker died: the lease runs out.
    Report.objects.filter(pk=report.pk).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    live = services.report_claim(report_id=report.pk, generation=1)
    assert live.claimed
    with pytest.raises(services.LockLost):
        services.report_progress(report_id=report.pk, token=dead.token, percent=50)
    with pytest.raises(services.LockLost):
        services.report_generate(report_id=report.pk, token=dead.token)
    assert _files_on_disk(report) == []  # the dead run's files were removed

    with mock.patch.object(generating, "_enqueue_delivery"):
        done = services.report_generate(report_id=report.pk, token=live.token)
    assert done.status == Report.Status.DONE
    assert done.attempts == 2
    assert len(_files_on_disk(done)) == 2


def test_a_stale_message_is_dropped(users):
    first = _generate(kind="disbursement", month=MONTH, user=users["manager"])
    assert services.report_claim(report_id=first.pk, generation=1).stale  # done already
    with mock.patch.object(requesting, "_enqueue"):
        services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    assert services.report_claim(report_id=first.pk, generation=1).stale  # superseded
    assert services.report_claim(report_id=first.pk, generation=2).claimed


def test_a_transient_error_gives_the_lock_back_for_the_retry(users):
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    with (
        mock.patch(
            "reports.figures.disbursement.funding_summary", side_effect=OperationalError("gone")
        ),
        pytest.raises(OperationalError),
    ):
        services.report_generate(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED
    assert report.lock_token == ""
    assert report.failure_reason == ""
    assert services.report_claim(report_id=report.pk, generation=1).claimed


# --- Fan-out: an overall report assembled from per-donor sections ---------------------------------


def test_sections_computed_apart_assemble_into_the_same_report(users):
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    claim = services.report_claim(report_id=report.pk, generation=1)
    donors = services.report_sections_plan(report_id=report.pk, token=claim.token)
    assert len(donors) == 4

    tokens = [
        services.report_section_store(report_id=report.pk, token=claim.token, donor_id=d)
        for d in donors
    ]
    assert tokens[:-1] == [None, None, None]
    assembly = tokens[-1]
    assert assembly
    assert assembly != claim.token
    # Storing the last section again (a redelivered message) starts no second assembly.
    with pytest.raises(services.LockLost):
        services.report_section_store(report_id=report.pk, token=claim.token, donor_id=donors[-1])
    assert ReportSection.objects.filter(report=report, token=assembly).count() == 4

    with (
        mock.patch.object(figures, "donor_section", side_effect=AssertionError("recomputed")),
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        done = services.report_generate(report_id=report.pk, token=assembly)
    assert done.status == Report.Status.DONE
    assert not ReportSection.objects.filter(report=report).exists()
    expected = _summary(users["manager"]).total_usd
    total = rows(workbook(done)["Summary USD"])[-1]
    assert cell_decimal(total[1]) == expected.committed_usd


# --- Sending ---------------------------------------------------------------------------------


def test_subscribers_get_each_generation_of_a_report_they_may_see_once(users):
    services.subscription_set(user=users["donor_japan"], kind="disbursement", subscribed=True)
    services.subscription_set(user=users["donor_canada"], kind="disbursement", subscribed=True)
    japan = Organisation.objects.get(short_name="Japan")

    report = _generate(kind="disbursement", donor=japan, month=MONTH, user=users["manager"])
    assert services.report_deliver(report_id=report.pk, generation=1) == 1
    assert services.report_deliver(report_id=report.pk, generation=1) == 0  # never twice

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [users["donor_japan"].email]
    assert "Japan" in message.subject
    assert "June 2025" in message.subject
    assert message.attachments[0][0].endswith(".pdf")
    assert message.attachments[0][1].startswith(b"%PDF")
    assert (
        ReportDelivery.objects.filter(report=report, generation=1, sent_at__isnull=False).count()
        == 1
    )

    again = _generate(kind="disbursement", donor=japan, month=MONTH, user=users["manager"])
    assert services.report_deliver(report_id=again.pk, generation=2) == 1
    assert len(mail.outbox) == 2


def test_an_unsubscribed_user_gets_nothing(users):
    services.subscription_set(user=users["donor_japan"], kind="disbursement", subscribed=True)
    services.subscription_set(user=users["donor_japan"], kind="disbursement", subscribed=False)
    report = _generate(kind="disbursement", month=MONTH, user=users["manager"])
    assert services.report_deliver(report_id=report.pk, generation=1) == 0
    assert mail.outbox == []
    assert not Subscription.objects.exists()


# --- Schedules ---------------------------------------------------------------------------------


def test_the_schedules_are_in_the_database():
    monthly = PeriodicTask.objects.get(name="Monthly disbursement reports")
    quarterly = PeriodicTask.objects.get(name="Quarterly progress reports")
    assert monthly.task == "reports.tasks.reports_request_monthly_task"
    assert (monthly.crontab.day_of_month, monthly.crontab.month_of_year) == ("1", "*")
    assert quarterly.task == "reports.tasks.reports_request_quarterly_task"
    assert quarterly.crontab.month_of_year == "1,4,7,10"
    assert monthly.enabled
    assert quarterly.enabled


def test_the_monthly_run_requests_the_previous_month_overall_and_per_donor(users):
    with mock.patch.object(requesting, "_enqueue"):
        reports = services.reports_request_previous_month(today=datetime.date(2023, 11, 1))
    assert {(r.kind, r.donor.short_name if r.donor else None) for r in reports} == {
        ("disbursement", None),
        ("disbursement", "GAC"),  # running, and a tranche overdue
        ("disbursement", "INL"),  # running
    }
    assert {r.period_start for r in reports} == {datetime.date(2023, 10, 1)}
    assert all(r.requested_by is None for r in reports)


def test_the_quarterly_run_requests_the_quarter_that_ended(users):
    with mock.patch.object(requesting, "_enqueue"):
        reports = services.reports_request_previous_quarter(today=datetime.date(2023, 7, 1))
    assert [(r.workplan.code, r.quarter) for r in reports] == [("WP-SP4-2022-23", 4)]
    with mock.patch.object(requesting, "_enqueue"):
        assert services.reports_request_previous_quarter(today=datetime.date(2024, 7, 1)) == []
