"""The sweeper with a real worker and a real beat on a real Redis: a report whose worker is
SIGKILLed mid-run, and one asked for while Redis is down, each generated once with no
manual step. Short lease and sweep interval (env and the beat schedule, as an
administrator would set them) keep each test to seconds."""

import importlib
import time

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from organisations.models import Organisation
from reports import services
from reports.models import Report, ReportDelivery
from tests.reports.conftest import MONTH, Worker, wait_for
from tests.reports.pipeline_support import Beat, RedisServer, app_broker

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

LEASE = 3
SWEEPER = importlib.import_module("reports.migrations.0004_report_sweeper_schedule")


def _sweep_every_second(queue: str) -> None:
    """The administrator's change in the admin: the sweeper every second, on this test's
    queue; the monthly and quarterly schedules off."""
    if not PeriodicTask.objects.filter(name=SWEEPER.NAME).exists():
        SWEEPER.seed(apps, None)  # a transactional test before this one flushed it
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
    PeriodicTask.objects.filter(name=SWEEPER.NAME).update(interval=every, queue=queue)
    PeriodicTask.objects.exclude(name=SWEEPER.NAME).update(enabled=False)
    PeriodicTasks.update_changed()


def _done_once(report: Report) -> None:
    assert report.status == Report.Status.DONE, report.failure_reason
    assert report.generation == 1
    assert Report.objects.count() == 1
    assert report.history.filter(history_change_reason="generated").count() == 1
    _, files = default_storage.listdir(f"reports/{report.pk}")
    assert sorted(files) == sorted(
        [report.pdf.name.split("/")[-1], report.xlsx.name.split("/")[-1]]
    )


def _worker_env(**env) -> dict[str, str]:
    return {k: str(v) for k, v in env.items()}


def test_a_report_whose_worker_is_killed_is_done_once_by_the_sweeper(
    start_worker, celery_broker, tmp_path, users
):
    url, queue = celery_broker
    _sweep_every_second(queue)
    services.subscription_set(user=users["donor_canada"], kind="disbursement", subscribed=True)
    gac = Organisation.objects.get(short_name="GAC")
    # Redis would hand the killed run's message out again only after an hour: the sweeper,
    # not the broker, must bring the report back.
    slow = start_worker(
        REPORTS_TEST_DELAY_SECONDS=20,
        REPORTS_LOCK_LEASE_SECONDS=LEASE,
        CELERY_VISIBILITY_TIMEOUT=3600,
    )
    beat = Beat(folder=tmp_path, url=url, queue=queue, log=tmp_path / "beat.log", env={}).start()
    try:
        started = time.monotonic()
        report = services.report_request(
            kind="disbursement", donor=gac, month=MONTH, user=users["manager"]
        )
        wait_for(report.pk, until=lambda r: r.status == "running" and r.progress >= 2)
        time.sleep(1.5)  # well inside the slowed-down generation
        slow.kill()
        killed_at = time.monotonic()
        assert Report.objects.get(pk=report.pk).status == Report.Status.RUNNING

        start_worker(REPORTS_LOCK_LEASE_SECONDS=LEASE, CELERY_VISIBILITY_TIMEOUT=3600)
        done = wait_for(report.pk, until=lambda r: r.status in ("done", "failed"), timeout=120)
        recovered = time.monotonic() - killed_at
    finally:
        beat.stop()

    _done_once(done)
    assert done.attempts == 2  # the killed run, then the one the sweeper queued
    assert (
        done.history.filter(history_change_reason="queued again: its run went silent").count() == 1
    )
    assert recovered < 300  # the bound; a few seconds here
    sent = wait_for(
        report.pk, until=lambda r: ReportDelivery.objects.filter(report=r, sent_at__isnull=False)
    )
    assert ReportDelivery.objects.filter(report=sent).count() == 1
    print(
        f"\nkilled worker: done {recovered:.1f} s after the kill, "
        f"{time.monotonic() - started:.1f} s in all"
    )


def test_a_report_asked_for_while_redis_is_down_is_generated_once_redis_is_back(
    celery_broker, tmp_path, users, client
):
    _, queue = celery_broker
    _sweep_every_second(queue)
    redis = RedisServer(tmp_path).start()
    worker = Worker(url=redis.url, queue=queue, log=tmp_path / "worker.log", env=_worker_env())
    beat = Beat(folder=tmp_path, url=redis.url, queue=queue, log=tmp_path / "beat.log", env={})
    try:
        worker.start()
        beat.start()
        client.force_login(users["manager"])
        with app_broker(redis.url, queue):
            redis.stop()
            response = client.post(
                "/api/v1/reports/",
                {"kind": "disbursement", "month": MONTH},
                content_type="application/json",
            )
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "queue_unavailable"
            kept = Report.objects.get()
            assert (kept.status, kept.sent_at, kept.attempts) == ("queued", None, 0)

            redis.start()  # on the same port, empty: as compose's Redis after a restart
            back = time.monotonic()
            done = wait_for(kept.pk, until=lambda r: r.status in ("done", "failed"), timeout=90)
            print(f"\nredis down: done {time.monotonic() - back:.1f} s after Redis was back")
    finally:
        beat.stop()
        worker.stop()
        redis.stop()

    _done_once(done)
    assert done.attempts == 1
