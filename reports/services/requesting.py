"""Requesting a report: one record per kind, scope and period, (re)queued for generation.

The record is queued here and announced once committed (reports.signals.report_queued);
reports.tasks puts the generation on Celery, so these services never import the tasks.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations import access
from organisations.models import Organisation
from reports.models import Report
from reports.periods import Period, month_parse, workplan_quarter
from reports.services.period_check import report_period_check
from reports.signals import report_queued
from workplans.models import Workplan


def _enqueue(report: Report) -> None:
    report_id, generation = report.pk, report.generation
    transaction.on_commit(
        lambda: report_queued.send(sender=Report, report_id=report_id, generation=generation)
    )


def _scope_and_period(
    *,
    kind: str,
    donor: Organisation | None,
    workplan: Workplan | None,
    month: str | datetime.date | None,
    quarter: int | None,
) -> Period:
    if kind == Report.Kind.DISBURSEMENT:
        if workplan is not None:
            raise DomainError(
                "A disbursement report is per donor or overall, not per workplan.",
                field="workplan",
                code="scope_mismatch",
            )
        if donor is not None and donor.kind != Organisation.Kind.DONOR:
            raise DomainError(f"{donor} is not a donor.", field="donor", code="not_a_donor")
        if month in (None, ""):
            raise DomainError("Choose the month.", field="month", code="required")
        if isinstance(month, datetime.date):
            month = f"{month:%Y-%m}"
        return month_parse(month)
    if kind == Report.Kind.PROGRESS:
        if workplan is None:
            raise DomainError("Choose the workplan.", field="workplan", code="required")
        if donor is not None:
            raise DomainError(
                "A progress report is per workplan, not per donor.",
                field="donor",
                code="scope_mismatch",
            )
        if quarter in (None, ""):
            raise DomainError("Choose the quarter.", field="quarter", code="required")
        return workplan_quarter(workplan, int(quarter))
    raise DomainError("Unknown kind of report.", field="kind", code="invalid_kind")


def _requester_check(user, *, kind: str, donor: Organisation | None) -> None:
    """PermissionDenied (403) for a role that never requests reports; a DomainError (400)
    on the field for a donor viewer asking for more than its own donor's report."""
    access.require(
        access.can_request_reports(user),
        "Only programme managers and donor viewers request reports.",
    )
    donor_id = donor.pk if donor is not None else None
    if not access.can_request_reports(user, kind=kind, donor_id=donor_id):
        field = "donor" if kind == Report.Kind.DISBURSEMENT else "kind"
        raise DomainError(access.REPORT_SCOPE_REFUSED, field=field, code="own_donor_only")


@transaction.atomic
def report_request(
    *,
    kind: str,
    donor: Organisation | None = None,
    workplan: Workplan | None = None,
    month: str | datetime.date | None = None,
    quarter: int | None = None,
    user=None,
) -> Report:
    """The one record of this kind, scope and period, (re)queued for generation.

    A finished (or failed) report starts a new generation and keeps its files until the
    new ones replace them; a queued one is queued again (a duplicate message is harmless);
    one running under a live lease gets one follow-up run, however often it is asked for
    meanwhile. `user` None means the schedule.
    """
    if user is not None:
        _requester_check(user, kind=kind, donor=donor)
    period = _scope_and_period(
        kind=kind, donor=donor, workplan=workplan, month=month, quarter=quarter
    )
    report_period_check(kind=kind, period=period, donor=donor, workplan=workplan)
    now = timezone.now()
    report, created = Report.objects.select_for_update().get_or_create(
        kind=kind,
        donor=donor,
        workplan=workplan,
        period_start=period.start,
        period_end=period.end,
        defaults={"quarter": period.quarter, "requested_by": user, "requested_at": now},
    )
    if not created:
        running = report.status == Report.Status.RUNNING and (
            report.lease_expires_at is not None and report.lease_expires_at > now
        )
        if running:
            # One follow-up run, however often it is asked: it starts when this one ends.
            if not report.follow_up:
                report.follow_up = True
                report._change_reason = "asked for again while running"
                report.save(update_fields=["follow_up"])
            return report
        if report.status in (Report.Status.DONE, Report.Status.FAILED):
            report.generation += 1
        report.status = Report.Status.QUEUED
        report.progress = 0
        report.failure_reason = ""
        report.requested_by = user
        report.requested_at = now
        report.started_at = report.finished_at = None
        report.attempts = 0
        report.lock_token = ""
        report.lease_expires_at = None
        report.sent_at = now
        report._change_reason = "requested again"
        report.save()
    _enqueue(report)
    return report
