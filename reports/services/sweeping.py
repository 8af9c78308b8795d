"""Keeping queued and running reports moving when a worker or the broker lets them down.

The broker is Redis, which keeps nothing over a restart (compose runs it so), and a worker
may die mid-report (SIGKILL, out of memory, a host lost). The sweeper, a beat task whose
interval an administrator sets in the admin (Periodic tasks, "Report sweeper"), looks for
- a run gone silent: RUNNING with its lease expired (the run renews it at every step, so
  the worker stopped): the report is queued again, and its dead run can publish nothing;
- a message never sent (the broker was down at "Generate now": sent_at empty) or lost
  (sent longer than REPORTS_LOST_AFTER_SECONDS ago and still not claimed): sent again.
A duplicate message is harmless: the lease lets one run claim the report and drops the
rest (reports.services.lease). A generation whose runs keep dying is failed after
REPORTS_MAX_ATTEMPTS runs instead of being queued forever.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reports import conf
from reports.models import Report
from reports.services.lease import report_fail
from reports.signals import report_queued

logger = logging.getLogger(__name__)


class QueueUnavailable(Exception):
    """The broker refused the message (down, or unreachable). The report stays queued with
    no sent_at, and the sweeper sends it once the broker is back."""

    def __init__(self, report_id: int):
        super().__init__(f"The task queue is unavailable; report {report_id} waits for it.")
        self.report_id = report_id


@dataclass
class Sweep:
    """What one sweep did, by report id."""

    requeued: list[int] = field(default_factory=list)  # silent runs queued again
    sent: list[int] = field(default_factory=list)  # messages never sent, or lost, sent again
    failed: list[int] = field(default_factory=list)  # runs that kept dying


def report_unsent(*, report_id: int, generation: int) -> None:
    """The message of this queued generation did not reach the broker: the sweeper sends it."""
    Report.objects.filter(pk=report_id, generation=generation, status=Report.Status.QUEUED).update(
        sent_at=None
    )


def _announce(report_id: int, generation: int) -> None:
    # robust: one report whose message cannot be sent must not stop the others'.
    transaction.on_commit(
        lambda: report_queued.send(sender=Report, report_id=report_id, generation=generation),
        robust=True,
    )


@transaction.atomic
def reports_sweep(*, now: datetime.datetime | None = None) -> Sweep:
    """Queue again every report whose run went silent, and send again every queued report
    whose message never left or was lost. Each change is a compare-and-set UPDATE, so two
    sweeps at once (or a sweep and a run) never both act on one report."""
    now = now or timezone.now()
    sweep = Sweep()
    silent = Report.objects.filter(status=Report.Status.RUNNING, lease_expires_at__lt=now)
    for report in silent.order_by("pk"):
        if report.attempts >= conf.max_attempts():
            reason = (
                f"Its run stopped {report.attempts} times before finishing (the worker "
                "died or ran out of time); it was not started again."
            )
            if report_fail(report_id=report.pk, reason=reason, generation=report.generation):
                sweep.failed.append(report.pk)
            continue
        if Report.objects.filter(
            pk=report.pk,
            generation=report.generation,
            status=Report.Status.RUNNING,
            lease_expires_at__lt=now,
        ).update(status=Report.Status.QUEUED, lock_token="", lease_expires_at=None, sent_at=None):
            report.refresh_from_db()
            Report.history.bulk_history_create(
                [report], update=True, default_change_reason="queued again: its run went silent"
            )
            sweep.requeued.append(report.pk)
    cutoff = now - datetime.timedelta(seconds=conf.lost_after_seconds())
    unsent = Q(sent_at__isnull=True) | Q(sent_at__lt=cutoff)
    for report_id, generation in (
        Report.objects.filter(unsent, status=Report.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", "generation")
    ):
        if (
            Report.objects.filter(unsent, pk=report_id, generation=generation)
            .filter(status=Report.Status.QUEUED)
            .update(sent_at=now)
        ):
            _announce(report_id, generation)
            sweep.sent.append(report_id)
    if sweep.requeued or sweep.sent or sweep.failed:
        logger.warning(
            "Report sweep: queued again (silent) %s, sent again %s, failed %s",
            sweep.requeued,
            sweep.sent,
            sweep.failed,
        )
    return sweep
