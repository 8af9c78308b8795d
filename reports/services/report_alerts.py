"""Alerts on reports: a report a programme manager subscribes to is ready, or failed (the
report itself still reaches every subscriber who may see it by e-mail, with its PDF:
reports.services.delivering). Called by the services that publish or fail a run, once per
generation."""

from django.contrib.auth import get_user_model

from alerts import selectors as audience
from alerts.models import Kind
from alerts.services import Event, notify
from reports.models import Report


def _subscribed_managers(report: Report):
    return audience.audience_managers().filter(
        pk__in=get_user_model().objects.filter(report_subscriptions__kind=report.kind).values("pk")
    )


def report_ready_alert(*, report: Report) -> None:
    notify(
        event=Event(
            kind=Kind.REPORT_READY,
            subject=f"report:{report.pk}",
            dedupe_key=f"report_ready:{report.pk}:g{report.generation}",
            title=f"Report ready: {report}",
            body=f"{report} is ready, as PDF and XLSX.",
            url=report.get_absolute_url(),
            action="Download it",
        ),
        recipients=_subscribed_managers(report),
    )


def report_failed_alert(*, report: Report) -> None:
    notify(
        event=Event(
            kind=Kind.REPORT_FAILED,
            subject=f"report:{report.pk}",
            dedupe_key=f"report_failed:{report.pk}:g{report.generation}",
            title=f"Report failed: {report}",
            body=f"{report} could not be generated: {report.failure_reason}",
            url=report.get_absolute_url(),
            action="Generate it again",
        ),
        recipients=_subscribed_managers(report),
    )
