"""Celery tasks for reports: thin, keyword ids in, services do the work.

Every task is acks_late with reject_on_worker_lost (settings), so a message whose worker
dies mid-run goes back to the queue; running it again is safe because generation is
idempotent and guarded by the report's lease lock (reports.services): a run that finds
the lock held by a live run re-queues itself for when that lease would run out (at most
LOCK_WAITS times), and a run that finds its generation finished or superseded does
nothing. Transient errors (database or disk unavailable) are retried with exponential
backoff, at most MAX_RETRIES times; anything else, or the last retry, marks the report
failed with its reason. What no message will bring back (a worker killed while Redis keeps
its message for the visibility timeout, a message lost with Redis, or never sent because
Redis was down) the sweeper does: reports_sweep_task, on the beat schedule.
"""

import logging

from celery import Task, current_task, group, shared_task
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from reports import conf, services
from reports.models import Report
from reports.signals import report_published, report_queued

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
# How often a run waits for a live run holding the lock before it leaves the report to it.
LOCK_WAITS = 30


class ReportTask(Task):
    autoretry_for = services.TRANSIENT_ERRORS
    # Explicit on every retry: Celery remembers the last max_retries given to retry() on
    # the task object, so this keeps transient retries at MAX_RETRIES whatever ran before.
    retry_kwargs = {"max_retries": MAX_RETRIES}
    retry_backoff = 2
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = MAX_RETRIES
    acks_late = True
    reject_on_worker_lost = True
    # The broker hands an unacknowledged message out again after its visibility timeout,
    # set a margin above this (settings): a run is stopped before its message could be
    # given to a second worker. A worker that dies sooner is the sweeper's business.
    time_limit = conf.longest_run_seconds()

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """A final error, or a transient one that outlived its retries: the report fails
        with the reason (only the generation, and the run, this task was for)."""
        report_id = kwargs.get("report_id")
        if report_id is None:
            return
        reason = services.failure_reason(exc)
        if isinstance(exc, services.TRANSIENT_ERRORS):
            reason = f"Gave up after {self.request.retries + 1} attempts: {reason}"
        services.report_fail(
            report_id=report_id,
            reason=reason,
            token=kwargs.get("token"),
            generation=kwargs.get("generation"),
        )


def _same_queue(task: Task | None) -> dict:
    """Keep a report's tasks on the queue its first task came from."""
    request = getattr(task, "request", None)
    queue = ((request and request.delivery_info) or {}).get("routing_key")
    return {"queue": queue} if queue else {}


def enqueue(task: Task, **kwargs) -> None:
    """Queue `task`; from inside a task, on that task's queue."""
    task.apply_async(kwargs=kwargs, **_same_queue(current_task))


@shared_task(bind=True, base=ReportTask)
def report_generate_task(self, *, report_id: int, generation: int, waits: int = 0) -> str:
    claim = services.report_claim(report_id=report_id, generation=generation)
    if claim.stale:
        return "stale"
    if not claim.claimed:
        # Another live run holds the lock: look again when its lease would run out (a
        # fresh message, so waiting never uses up the retries kept for transient errors).
        if waits >= LOCK_WAITS:
            return "left to the run holding the lock"
        report_generate_task.apply_async(
            kwargs={"report_id": report_id, "generation": generation, "waits": waits + 1},
            countdown=claim.wait_seconds,
            **_same_queue(self),
        )
        return "waiting for the lock"
    try:
        report = Report.objects.get(pk=report_id)
        overall = report.kind == Report.Kind.DISBURSEMENT and report.donor_id is None
        if overall:
            donors = services.report_sections_plan(report_id=report_id, token=claim.token)
            if len(donors) >= conf.fan_out_min_donors():
                group(
                    report_section_task.si(report_id=report_id, token=claim.token, donor_id=d)
                    for d in donors
                ).apply_async(**_same_queue(self))
                return f"fanned out to {len(donors)} donors"
        services.report_generate(report_id=report_id, token=claim.token)
    except services.LockLost:
        return "lock lost"
    return "done"


@shared_task(bind=True, base=ReportTask)
def report_section_task(self, *, report_id: int, token: str, donor_id: int) -> str:
    try:
        assembly_token = services.report_section_store(
            report_id=report_id, token=token, donor_id=donor_id
        )
    except services.LockLost:
        return "lock lost"
    if assembly_token:
        report_assemble_task.apply_async(
            kwargs={"report_id": report_id, "token": assembly_token}, **_same_queue(self)
        )
        return "last section: assembling"
    return "section stored"


@shared_task(bind=True, base=ReportTask)
def report_assemble_task(self, *, report_id: int, token: str) -> str:
    try:
        services.report_generate(report_id=report_id, token=token)
    except services.LockLost:
        return "lock lost"
    return "done"


@shared_task(bind=True, base=ReportTask)
def report_deliver_task(self, *, report_id: int, generation: int) -> int:
    return services.report_deliver(report_id=report_id, generation=generation)


@receiver(report_queued, dispatch_uid="reports.tasks.generate_when_queued")
def _generate_when_queued(sender, *, report_id: int, generation: int, **kwargs) -> None:
    try:
        enqueue(report_generate_task, report_id=report_id, generation=generation)
    except BrokerError as error:
        # The record is kept, marked unsent; the sweeper sends it once the broker is back.
        logger.warning("Report %s not queued, the broker is down: %s", report_id, error)
        services.report_unsent(report_id=report_id, generation=generation)
        raise services.QueueUnavailable(report_id) from error


@receiver(report_published, dispatch_uid="reports.tasks.deliver_when_published")
def _deliver_when_published(sender, *, report_id: int, generation: int, **kwargs) -> None:
    enqueue(report_deliver_task, report_id=report_id, generation=generation)


@shared_task(bind=True, base=ReportTask)
def reports_request_monthly_task(self) -> list[int]:
    """Scheduled on the 1st of the month: disbursement reports of the previous month."""
    return [r.pk for r in services.reports_request_previous_month()]


@shared_task(bind=True, base=ReportTask)
def reports_request_quarterly_task(self) -> list[int]:
    """Scheduled at each quarter's start: progress reports of each workplan's last quarter."""
    return [r.pk for r in services.reports_request_previous_quarter()]


@shared_task(bind=True, base=ReportTask)
def reports_sweep_task(self) -> dict[str, list[int]]:
    """Scheduled every minute (admin: Periodic tasks, "Report sweeper"): silent runs
    queued again, unsent or lost messages sent again."""
    sweep = services.reports_sweep()
    return {"requeued": sweep.requeued, "sent": sweep.sent, "failed": sweep.failed}


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def alerts_daily_task(self) -> dict[str, int]:
    """The day's date-driven alerts and digests (reports.services.alerting): run again on a
    restarted worker, it tells nobody twice."""
    return dict(services.alerts_daily(today=timezone.localdate()))
