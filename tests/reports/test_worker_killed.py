"""A worker killed (SIGKILL) in the middle of a report: the message was not acknowledged
(acks_late), so Redis hands it out again; the next worker takes the record over once the
dead run's lease has expired, and the report completes once: one record, one set of files."""

import time

import pytest
from django.core.files.storage import default_storage

from donors.selectors_funding import FundingFilters, funding_summary
from organisations.models import Organisation
from reports import services
from reports.models import Report
from tests.reports.conftest import MONTH, MONTH_END, cell_decimal, rows, wait_for, workbook

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

LEASE = 3


def test_a_report_survives_its_worker_being_killed(start_worker, users):
    import datetime

    services.subscription_set(user=users["donor_canada"], kind="disbursement", subscribed=True)
    gac = Organisation.objects.get(short_name="GAC")
    slow = start_worker(REPORTS_TEST_DELAY_SECONDS=20, REPORTS_LOCK_LEASE_SECONDS=LEASE)
    started = time.monotonic()

    report = services.report_request(
        kind="disbursement", donor=gac, month=MONTH, user=users["manager"]
    )
    running = wait_for(report.pk, until=lambda r: r.status == "running" and r.progress >= 2)
    assert running.attempts == 1
    time.sleep(1.5)  # well inside the slowed-down generation
    slow.kill()
    killed_at = time.monotonic()
    assert Report.objects.get(pk=report.pk).status == Report.Status.RUNNING

    # A message delivered over a second ago and never acknowledged goes back to the queue
    # when the next worker starts.
    start_worker(REPORTS_LOCK_LEASE_SECONDS=LEASE, CELERY_VISIBILITY_TIMEOUT=1)
    done = wait_for(report.pk, until=lambda r: r.status in ("done", "failed"), timeout=60)
    elapsed = time.monotonic() - started

    assert done.status == Report.Status.DONE, done.failure_reason
    assert done.attempts == 2  # the killed run, then the one that finished
    assert Report.objects.count() == 1
    _, files = default_storage.listdir(f"reports/{done.pk}")
    assert sorted(files) == sorted([done.pdf.name.split("/")[-1], done.xlsx.name.split("/")[-1]])
    assert done.history.filter(history_change_reason="generated").count() == 1

    expected = funding_summary(
        user=users["donor_canada"],
        group_by="agreement",
        filters=FundingFilters(date_to=MONTH_END),
        today=MONTH_END + datetime.timedelta(days=1),
    ).total_usd
    total = rows(workbook(done)["Agreements USD"])[-1]
    header = rows(workbook(done)["Agreements USD"])[0]
    assert cell_decimal(total[header.index("Committed (USD)")]) == expected.committed_usd
    assert cell_decimal(total[header.index("Spent (USD)")]) == expected.spent_usd
    print(
        f"\nworker killed: completed {time.monotonic() - killed_at:.1f} s after the kill, "
        f"{elapsed:.1f} s in all"
    )
