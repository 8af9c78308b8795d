"""The report's lock: a lease on the Report row, taken and kept by compare-and-set UPDATEs
(the same on PostgreSQL and SQLite).

A run claims a queued record (or a running one whose lease has expired, as after its
worker was killed) by writing a fresh `lock_token`; every progress step pushes the lease
forward only while the token is still its own; the files are published only by an UPDATE
that names the token (reports.services.generating). So one record never has two live
runs, and a run that lost its lock publishes nothing.

Progress only ever rises within a generation: it is written with GREATEST(progress, new),
so parallel sections finishing out of order, the assembly's own steps after them, and a
run taking over from a dead one never move the bar back.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from ctportal.exceptions import DomainError
from reports import conf
from reports.models import Report
from reports.services.report_alerts import report_failed_alert
from reports.signals import report_queued


class LockLost(Exception):
    """Another run took the record over (this one's lease expired): publish nothing."""


@dataclass(frozen=True)
class Claim:
    """The outcome of trying to take a report's lock."""

    token: str = ""
    stale: bool = False  # nothing to do: superseded, finished, or gone
    wait_seconds: float = 0.0  # another live run holds it

    @property
    def claimed(self) -> bool:
        return bool(self.token)


def report_claim(*, report_id: int, generation: int | None = None) -> Claim:
    """Take the report's lock for this run: a queued record, or a running one whose lease
    expired. `generation` None claims whatever generation is current."""
    now = timezone.now()
    token = uuid.uuid4().hex
    claimable = Q(status=Report.Status.QUEUED) | Q(
        status=Report.Status.RUNNING, lease_expires_at__lt=now
    )
    queryset = Report.objects.filter(claimable, pk=report_id)
    if generation is not None:
        queryset = queryset.filter(generation=generation)
    if queryset.update(
        status=Report.Status.RUNNING,
        lock_token=token,
        lease_expires_at=now + datetime.timedelta(seconds=conf.lease_seconds()),
        started_at=now,
        finished_at=None,
        failure_reason="",
        attempts=F("attempts") + 1,
    ):
        return Claim(token=token)
    report = Report.objects.filter(pk=report_id).first()
    if report is None or (generation is not None and report.generation != generation):
        return Claim(stale=True)
    if report.status == Report.Status.RUNNING and report.lease_expires_at:
        wait = (report.lease_expires_at - now).total_seconds()
        return Claim(wait_seconds=max(wait, 0.0) + 0.5)
    return Claim(stale=True)  # done or failed for this generation


def report_progress(*, report_id: int, token: str, percent: int) -> None:
    """Record progress, never below what was recorded already, and renew the lease;
    LockLost when another run holds the record."""
    now = timezone.now()
    updated = Report.objects.filter(
        pk=report_id, lock_token=token, status=Report.Status.RUNNING
    ).update(
        progress=Greatest(F("progress"), max(0, min(int(percent), 99))),
        lease_expires_at=now + datetime.timedelta(seconds=conf.lease_seconds()),
    )
    if not updated:
        raise LockLost(f"Report {report_id} is no longer held by this run.")


class Heartbeat:
    """Keeps a run's lease while it works between progress steps (writing a document of
    tens of thousands of rows, assembling many sections): call it as often as convenient,
    at every row or page; it renews the lease (report_progress, the bar unchanged) once a
    quarter of the lease has passed since it last did, so a long run is never taken for
    a dead one by the sweeper, and raises LockLost as soon as another run holds the
    record."""

    def __init__(self, *, report_id: int, token: str):
        self.report_id = report_id
        self.token = token
        self.every = datetime.timedelta(seconds=conf.lease_seconds() / 4)
        self.last = timezone.now()
        self.renewals = 0

    def __call__(self) -> None:
        now = timezone.now()
        if now - self.last < self.every:
            return
        report_progress(report_id=self.report_id, token=self.token, percent=0)
        self.last = now
        self.renewals += 1


def report_release(*, report_id: int, token: str) -> None:
    """Give the lock back after a transient error, so the retry can claim at once."""
    # sent_at: the retry's message leaves now (with its countdown), not lost.
    Report.objects.filter(pk=report_id, lock_token=token, status=Report.Status.RUNNING).update(
        status=Report.Status.QUEUED, lock_token="", lease_expires_at=None, sent_at=timezone.now()
    )


def report_fail(
    *, report_id: int, reason: str, token: str | None = None, generation: int | None = None
) -> bool:
    """Mark a queued or running report failed, with a reason people can read: only the run
    holding the lock when `token` is given, only that generation when `generation` is."""
    queryset = Report.objects.filter(
        pk=report_id, status__in=[Report.Status.QUEUED, Report.Status.RUNNING]
    )
    if token is not None:
        queryset = queryset.filter(lock_token=token)
    else:
        # Without the token (a duplicate message that failed), a live run keeps its record.
        queryset = queryset.exclude(
            status=Report.Status.RUNNING, lease_expires_at__gt=timezone.now()
        )
    if generation is not None:
        queryset = queryset.filter(generation=generation)
    updated = queryset.update(
        status=Report.Status.FAILED,
        failure_reason=reason[:2000],
        finished_at=timezone.now(),
        lock_token="",
        lease_expires_at=None,
    )
    if updated:
        report = Report.objects.select_related("donor", "workplan").get(pk=report_id)
        Report.history.bulk_history_create([report], update=True, default_change_reason="failed")
        report_failed_alert(report=report)
        report_follow_up_start(report_id=report_id)
    return bool(updated)


def report_follow_up_start(*, report_id: int) -> bool:
    """The run just ended (done or failed): when "Generate now" was asked while it ran,
    start the one follow-up run it owes, as a new generation, queued once committed."""
    with transaction.atomic():
        started = Report.objects.filter(
            pk=report_id,
            follow_up=True,
            status__in=[Report.Status.DONE, Report.Status.FAILED],
        ).update(
            follow_up=False,
            status=Report.Status.QUEUED,
            generation=F("generation") + 1,
            progress=0,
            failure_reason="",
            started_at=None,
            finished_at=None,
            attempts=0,
            requested_at=timezone.now(),
            sent_at=timezone.now(),
        )
        if not started:
            return False
        report = Report.objects.get(pk=report_id)
        Report.history.bulk_history_create(
            [report], update=True, default_change_reason="follow-up run queued"
        )
        generation = report.generation
        transaction.on_commit(
            lambda: report_queued.send(sender=Report, report_id=report_id, generation=generation)
        )
    return True


def failure_reason(error: BaseException) -> str:
    if isinstance(error, DomainError | ValueError) and getattr(error, "messages", None):
        return " ".join(error.messages)
    return f"{type(error).__name__}: {error}"
