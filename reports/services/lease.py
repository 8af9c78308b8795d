"""The report's lock: a lease on the Report row, taken and kept by compare-and-set UPDATEs
(the same on PostgreSQL and SQLite).

A run claims a queued record (or a running one whose lease has expired, as after its
worker was killed) by writing a fresh `lock_token`; every progress step pushes the lease
forward only while the token is still its own; the files are published only by an UPDATE
that names the token (reports.services.generating). So one record never has two live
runs, and a run that lost its lock publishes nothing.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import F, Q
from django.utils import timezone

from ctportal.exceptions import DomainError
from reports import conf
from reports.models import Report


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
        progress=0,
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
    """Record progress and renew the lease; LockLost when another run holds the record."""
    now = timezone.now()
    updated = Report.objects.filter(
        pk=report_id, lock_token=token, status=Report.Status.RUNNING
    ).update(
        progress=max(0, min(int(percent), 99)),
        lease_expires_at=now + datetime.timedelta(seconds=conf.lease_seconds()),
    )
    if not updated:
        raise LockLost(f"Report {report_id} is no longer held by this run.")


def report_release(*, report_id: int, token: str) -> None:
    """Give the lock back after a transient error, so the retry can claim at once."""
    Report.objects.filter(pk=report_id, lock_token=token, status=Report.Status.RUNNING).update(
        status=Report.Status.QUEUED, lock_token="", lease_expires_at=None
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
        report = Report.objects.get(pk=report_id)
        Report.history.bulk_history_create([report], update=True, default_change_reason="failed")
    return bool(updated)


def failure_reason(error: BaseException) -> str:
    if isinstance(error, DomainError | ValueError) and getattr(error, "messages", None):
        return " ".join(error.messages)
    return f"{type(error).__name__}: {error}"
