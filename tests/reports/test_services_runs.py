import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from organisations.models import Organisation
from reports import figures, services
from reports.models import Report, ReportDelivery, ReportSection, Subscription
from reports.services import generating, requesting
from tests.reports.conftest import (
    MONTH,
    MONTH_END,
    cell_decimal,
    rows,
    workbook,
)
from tests.reports.services_support import _files_on_disk, _generate, _summary

pytestmark = pytest.mark.django_db


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


def test_only_managers_and_donors_request_reports_and_a_donor_only_its_own(users):
    from django.core.exceptions import PermissionDenied

    from ctportal.exceptions import DomainError

    for role in ("nacta", "ewg", "admin"):
        with pytest.raises(PermissionDenied):
            services.report_request(kind="disbursement", month=MONTH, user=users[role])
    with pytest.raises(DomainError) as refused:
        services.report_request(kind="disbursement", month=MONTH, user=users["donor_japan"])
    assert refused.value.message_dict == {
        "donor": ["A donor viewer may request only its own donor's disbursement report."]
    }
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
