"""The schedules' runs (django-celery-beat calls them through reports.tasks): which reports
the previous month and the previous quarter owe, each requested as the schedule."""

import datetime

from django.utils import timezone

from organisations.models import Organisation
from reports import figures
from reports.models import Report
from reports.periods import previous_month, previous_quarter
from reports.services.requesting import report_request as _report_request
from reports.services.sweeping import QueueUnavailable
from workplans.models import Workplan, WorkplanVersion


def report_request(**kwargs) -> Report:
    """One of the schedule's requests: the broker being down loses none of them (each is
    kept and the sweeper sends it once the broker is back)."""
    try:
        return _report_request(**kwargs)
    except QueueUnavailable as error:
        return Report.objects.get(pk=error.report_id)


def reports_request_previous_month(*, today: datetime.date | None = None) -> list[Report]:
    """The schedule's monthly run: the overall disbursement report of the previous month
    and one per donor owed one (see figures.donors_active_in)."""
    period = previous_month(today or timezone.localdate())
    month = f"{period.start:%Y-%m}"
    reports = [report_request(kind=Report.Kind.DISBURSEMENT, month=month)]
    donor_ids = figures.donors_active_in(period_start=period.start, period_end=period.end)
    for donor in Organisation.objects.filter(pk__in=donor_ids).order_by("short_name"):
        reports.append(report_request(kind=Report.Kind.DISBURSEMENT, donor=donor, month=month))
    return reports


def reports_request_previous_quarter(*, today: datetime.date | None = None) -> list[Report]:
    """The schedule's quarterly run: a progress report for the quarter that ended last of
    every workplan with an approved version."""
    today = today or timezone.localdate()
    reports = []
    for workplan in Workplan.objects.filter(
        versions__status=WorkplanVersion.Status.APPROVED
    ).order_by("code"):
        period = previous_quarter(workplan, today)
        if period is not None:
            reports.append(
                report_request(kind=Report.Kind.PROGRESS, workplan=workplan, quarter=period.quarter)
            )
    return reports
