"""The report pipeline's own rules, in-process (a real worker on Redis is in
test_pipeline_recovery.py): progress never goes back, "Generate now" during a run queues one
follow-up, the sweeper queues again what a dead worker or a lost message left behind."""

import datetime
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from reports import conf, services, tasks
from reports.models import Report
from reports.services import generating, requesting
from tests.reports.conftest import MONTH

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(users):
    with mock.patch.object(requesting, "_enqueue"):
        return services.report_request(kind="disbursement", month=MONTH, user=users["manager"])


@pytest.fixture
def sends():
    """Every report_generate_task message, as (report_id, generation)."""
    with mock.patch.object(tasks.report_generate_task, "apply_async") as apply_async:
        yield lambda: [
            (c.kwargs["kwargs"]["report_id"], c.kwargs["kwargs"]["generation"])
            for c in apply_async.call_args_list
        ]


def _progress(report_id: int) -> int:
    return Report.objects.values_list("progress", flat=True).get(pk=report_id)


# --- Progress never goes backwards --------------------------------------------------------


def test_a_lower_progress_never_replaces_a_higher_one_but_still_renews_the_lease(queued):
    claim = services.report_claim(report_id=queued.pk, generation=1)
    services.report_progress(report_id=queued.pk, token=claim.token, percent=80)
    before = Report.objects.get(pk=queued.pk).lease_expires_at

    services.report_progress(report_id=queued.pk, token=claim.token, percent=65)

    report = Report.objects.get(pk=queued.pk)
    assert report.progress == 80
    assert report.lease_expires_at > before


def test_the_overall_report_fanned_out_per_donor_only_ever_rises(queued):
    """The issue's 80 -> 65 -> 90: sections end at 80, then the assembly stepped to 65."""
    seen = []
    real = generating.report_progress

    def record(**kwargs):
        real(**kwargs)
        seen.append(_progress(kwargs["report_id"]))

    claim = services.report_claim(report_id=queued.pk, generation=1)
    with (
        mock.patch.object(generating, "report_progress", side_effect=record),
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        donors = services.report_sections_plan(report_id=queued.pk, token=claim.token)
        assembly = None
        for donor_id in donors:
            assembly = services.report_section_store(
                report_id=queued.pk, token=claim.token, donor_id=donor_id
            )
        done = services.report_generate(report_id=queued.pk, token=assembly)

    assert len(donors) == 4
    # plan 5; sections 5 + 75 * n // 4; the assembly's steps (80, 65, 80, 90) never lower it.
    assert seen == [5, 23, 42, 61, 80, 80, 80, 80, 90]
    assert done.progress == 100


def test_sections_finishing_out_of_order_never_lower_the_bar(queued):
    claim = services.report_claim(report_id=queued.pk, generation=1)
    for percent in (42, 23, 61, 5):  # as parallel workers might record them
        services.report_progress(report_id=queued.pk, token=claim.token, percent=percent)
    assert _progress(queued.pk) == 61


def test_a_run_taking_over_from_a_dead_one_keeps_the_progress_shown(queued):
    dead = services.report_claim(report_id=queued.pk, generation=1)
    services.report_progress(report_id=queued.pk, token=dead.token, percent=60)
    Report.objects.filter(pk=queued.pk).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    live = services.report_claim(report_id=queued.pk, generation=1)
    assert live.claimed
    services.report_progress(report_id=queued.pk, token=live.token, percent=5)
    assert _progress(queued.pk) == 60


# --- "Generate now" during a run ---------------------------------------------------------------


def test_generate_now_while_running_queues_exactly_one_follow_up(
    queued, users, sends, django_capture_on_commit_callbacks
):
    claim = services.report_claim(report_id=queued.pk, generation=1)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            again = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
            assert (again.pk, again.status, again.generation) == (queued.pk, "running", 1)
            assert again.follow_up
    assert sends() == []  # nothing more runs while this run holds the report

    with (
        mock.patch.object(generating, "_enqueue_delivery"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.report_generate(report_id=queued.pk, token=claim.token)

    report = Report.objects.get(pk=queued.pk)
    assert (report.status, report.generation, report.follow_up) == ("queued", 2, False)
    assert (report.attempts, report.progress) == (0, 0)
    assert report.pdf  # the first run's files stay until the follow-up replaces them
    assert sends() == [(queued.pk, 2)]
    assert list(
        report.history.order_by("history_date", "history_id").values_list(
            "history_change_reason", flat=True
        )
    ) == [None, "asked for again while running", "generated", "follow-up run queued"]

    with (
        mock.patch.object(generating, "_enqueue_delivery"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        done = services.report_generate(report_id=queued.pk)
    assert (done.status, done.generation) == ("done", 2)
    assert sends() == [(queued.pk, 2)]  # and no third run
    assert Report.objects.count() == 1


def test_a_failed_run_still_starts_the_follow_up_asked_for_while_it_ran(
    queued, users, sends, django_capture_on_commit_callbacks
):
    claim = services.report_claim(report_id=queued.pk, generation=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
        assert services.report_fail(report_id=queued.pk, token=claim.token, reason="disk full")
    report = Report.objects.get(pk=queued.pk)
    assert (report.status, report.generation, report.follow_up) == ("queued", 2, False)
    assert report.failure_reason == ""
    assert sends() == [(queued.pk, 2)]


def test_the_page_says_a_follow_up_run_is_queued(queued, users, client, sends):
    services.report_claim(report_id=queued.pk, generation=1)
    client.force_login(users["manager"])
    response = client.post(
        "/reports/", {"kind": "disbursement", "month": MONTH, "donor": ""}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "is running now; it runs once more when this run ends." in text
    assert Report.objects.get(pk=queued.pk).follow_up


# --- The sweeper ------------------------------------------------------------------------------


def test_the_sweeper_queues_again_a_run_whose_lease_expired(
    queued, sends, django_capture_on_commit_callbacks
):
    dead = services.report_claim(report_id=queued.pk, generation=1)
    services.report_progress(report_id=queued.pk, token=dead.token, percent=40)
    Report.objects.filter(pk=queued.pk).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        sweep = services.reports_sweep()

    assert (sweep.requeued, sweep.sent, sweep.failed) == ([queued.pk], [queued.pk], [])
    report = Report.objects.get(pk=queued.pk)
    assert (report.status, report.lock_token, report.lease_expires_at) == ("queued", "", None)
    assert (report.generation, report.attempts, report.progress) == (1, 1, 40)
    assert report.sent_at is not None
    assert sends() == [(queued.pk, 1)]
    with pytest.raises(services.LockLost):  # the dead run can publish nothing
        services.report_progress(report_id=queued.pk, token=dead.token, percent=50)
    assert (
        report.history.filter(history_change_reason="queued again: its run went silent").count()
        == 1
    )


def test_the_sweeper_leaves_live_runs_and_fresh_messages_alone(
    queued, users, sends, django_capture_on_commit_callbacks
):
    with mock.patch.object(requesting, "_enqueue"):
        other = services.report_request(kind="disbursement", month="2025-05", user=users["manager"])
    services.report_claim(report_id=queued.pk, generation=1)
    before = list(Report.objects.order_by("pk").values())
    with django_capture_on_commit_callbacks(execute=True):
        sweep = services.reports_sweep()
    assert (sweep.requeued, sweep.sent, sweep.failed) == ([], [], [])
    assert list(Report.objects.order_by("pk").values()) == before
    assert sends() == []
    assert other.status == "queued"


def test_the_sweeper_sends_again_a_queued_report_whose_message_was_lost(
    queued, sends, django_capture_on_commit_callbacks
):
    lost_at = timezone.now() - datetime.timedelta(seconds=conf.lost_after_seconds() + 1)
    Report.objects.filter(pk=queued.pk).update(sent_at=lost_at)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reports_sweep()
        second = services.reports_sweep()  # the next sweep: sent a moment ago, left alone
    assert (first.requeued, first.sent, second.sent) == ([], [queued.pk], [])
    assert sends() == [(queued.pk, 1)]
    report = Report.objects.get(pk=queued.pk)
    assert report.sent_at > lost_at
    assert (report.status, report.generation, report.attempts) == ("queued", 1, 0)


def test_the_sweeper_fails_a_report_whose_runs_keep_dying(
    queued, sends, django_capture_on_commit_callbacks
):
    services.report_claim(report_id=queued.pk, generation=1)
    Report.objects.filter(pk=queued.pk).update(
        attempts=conf.max_attempts(),
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        sweep = services.reports_sweep()
    assert (sweep.requeued, sweep.sent, sweep.failed) == ([], [], [queued.pk])
    report = Report.objects.get(pk=queued.pk)
    assert report.status == "failed"
    assert report.failure_reason == (
        "Its run stopped 8 times before finishing (the worker died or ran out of time); it "
        "was not started again."
    )
    assert sends() == []


def test_the_sweep_task_reports_what_it_did(queued, sends):
    Report.objects.filter(pk=queued.pk).update(sent_at=None)
    result = tasks.reports_sweep_task.apply()
    assert result.get() == {"requeued": [], "sent": [queued.pk], "failed": []}


def test_the_sweeper_is_scheduled_in_the_database_every_minute():
    sweeper = PeriodicTask.objects.get(name="Report sweeper")
    assert sweeper.task == "reports.tasks.reports_sweep_task"
    assert (sweeper.interval.every, sweeper.interval.period) == (60, "seconds")
    assert sweeper.enabled


def test_the_visibility_timeout_is_matched_to_the_longest_report():
    """A report task is stopped at REPORTS_LONGEST_RUN_SECONDS; Redis hands its message out
    again only after that plus the longest countdown a task waits (300 s) and a minute."""
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0", "REPORTS_LONGEST_RUN_SECONDS": "900"}
    env.pop("CELERY_VISIBILITY_TIMEOUT", None)
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "from reports.tasks import ReportTask; "
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'], ReportTask.time_limit)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "ctportal.settings.test"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["1260", "900.0"]
    assert tasks.ReportTask.retry_backoff_max == 300
