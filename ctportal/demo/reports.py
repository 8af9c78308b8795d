"""The demo's reports, generated there and then, without a worker, so that a fresh
`make run` shows every donor viewer its report on the first visit: last month's
disbursement report overall and for each donor, and each approved workplan's progress
report for its latest quarter that has ended.

Idempotent: a report already done for its kind, scope and period is left as it is.
Each is requested as the schedule requests it (reports.services), then generated in this
process; the queued message a worker may read later finds it done and does nothing.
"""

import datetime

from django.db import transaction

from reports import figures, services
from reports.models import Report
from reports.periods import previous_month
from workplans.models import Workplan, WorkplanVersion
from workplans.quarters import quarters_of


def _requests(today: datetime.date) -> list[dict]:
    month = previous_month(today)
    scopes: list[dict] = [{"kind": Report.Kind.DISBURSEMENT, "month": f"{month.start:%Y-%m}"}]
    for donor in figures.disbursement_donors(period_end=month.end):
        scopes.append({**scopes[0], "donor": donor})
    approved = Workplan.objects.filter(versions__status=WorkplanVersion.Status.APPROVED)
    for workplan in approved.distinct().order_by("code"):
        ended = [q for q in quarters_of(workplan) if q.end < today]
        if ended:
            scopes.append(
                {"kind": Report.Kind.PROGRESS, "workplan": workplan, "quarter": ended[-1].number}
            )
    return scopes


def _done(scope: dict, today: datetime.date) -> bool:
    reports = Report.objects.filter(
        kind=scope["kind"],
        donor=scope.get("donor"),
        workplan=scope.get("workplan"),
        status=Report.Status.DONE,
    )
    if scope["kind"] == Report.Kind.DISBURSEMENT:
        return reports.filter(period_start=previous_month(today).start).exists()
    return reports.filter(quarter=scope["quarter"]).exists()


def demo_reports_generate(*, today: datetime.date) -> int:
    """Generate the demo's reports that are not done yet; how many were generated."""
    generated = 0
    for scope in _requests(today):
        if _done(scope, today):
            continue
        with transaction.atomic():
            report = services.report_request(**scope)
            services.report_generate(report_id=report.pk)
        generated += 1
    return generated
