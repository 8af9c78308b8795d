"""The tasks' own decisions, run in-process with Task.apply (the broker is tested end to
end in test_celery_e2e.py): stale messages are dropped, a held lock is waited for, a
transient error is retried and then reported, and the overall report fans out."""

import threading
from unittest import mock

import pytest
from django.db import OperationalError, connection

from reports import services, tasks
from reports.models import Report
from reports.services import requesting
from tests.reports.conftest import MONTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(users):
    with mock.patch.object(requesting, "_enqueue"):
        return services.report_request(kind="disbursement", month=MONTH, user=users["manager"])


def test_a_message_for_a_superseded_generation_does_nothing(queued):
    result = tasks.report_generate_task.apply(kwargs={"report_id": queued.pk, "generation": 9})
    assert result.get() == "stale"
    queued.refresh_from_db()
    assert queued.status == Report.Status.QUEUED
    assert queued.attempts == 0


def test_a_held_lock_is_waited_for_not_run_twice(queued):
    services.report_claim(report_id=queued.pk, generation=1)
    with mock.patch.object(tasks.report_generate_task, "apply_async") as again:
        result = tasks.report_generate_task.apply(kwargs={"report_id": queued.pk, "generation": 1})
    assert result.get() == "waiting for the lock"
    kwargs = again.call_args.kwargs
    assert kwargs["kwargs"] == {"report_id": queued.pk, "generation": 1, "waits": 1}
    assert 0 < kwargs["countdown"] <= 121  # when the holder's lease would run out
    queued.refresh_from_db()
    assert queued.status == Report.Status.RUNNING
    assert queued.attempts == 1  # the second run never started

    result = tasks.report_generate_task.apply(
        kwargs={"report_id": queued.pk, "generation": 1, "waits": tasks.LOCK_WAITS}
    )
    assert result.get() == "left to the run holding the lock"


def test_a_duplicate_that_fails_does_not_fail_the_live_run(queued):
    services.report_claim(report_id=queued.pk, generation=1)
    services.report_fail(report_id=queued.pk, generation=1, reason="duplicate failed")
    queued.refresh_from_db()
    assert queued.status == Report.Status.RUNNING
    assert queued.failure_reason == ""


def test_transient_errors_are_retried_then_the_report_fails_with_the_reason(queued):
    with mock.patch.object(
        services, "report_claim", side_effect=OperationalError("connection refused")
    ) as claim:
        result = tasks.report_generate_task.apply(kwargs={"report_id": queued.pk, "generation": 1})
    assert result.failed()
    assert claim.call_count == tasks.MAX_RETRIES + 1
    queued.refresh_from_db()
    assert queued.status == Report.Status.FAILED
    assert queued.failure_reason == (
        "Gave up after 6 attempts: OperationalError: connection refused"
    )


def test_the_overall_report_fans_out_one_task_per_donor(queued):
    with mock.patch.object(tasks, "group") as group:
        result = tasks.report_generate_task.apply(kwargs={"report_id": queued.pk, "generation": 1})
    assert result.get() == "fanned out to 4 donors"
    signatures = list(group.call_args.args[0])
    assert [s.task for s in signatures] == ["reports.tasks.report_section_task"] * 4
    queued.refresh_from_db()
    assert queued.parts_expected == 4
    assert queued.status == Report.Status.RUNNING


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_get_one_lock(require_postgres, users):
    with mock.patch.object(requesting, "_enqueue"):
        report = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    barrier = threading.Barrier(4)
    claims = []

    def claim():
        barrier.wait()
        try:
            claims.append(services.report_claim(report_id=report.pk, generation=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(c.claimed for c in claims) == 1
    assert sum(c.wait_seconds > 0 for c in claims) == 3
    report.refresh_from_db()
    assert report.attempts == 1
