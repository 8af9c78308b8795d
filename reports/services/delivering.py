"""Sending reports: subscriptions, and e-mailing each published generation once to each
subscriber who may see it."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ctportal.exceptions import DomainError
from reports.models import Report, ReportDelivery, Subscription
from reports.selectors import report_recipients
from reports.services.files import download_name


def subscription_set(*, user, kind: str, subscribed: bool) -> None:
    """Subscribe `user` to (or unsubscribe from) each new report of `kind` they may see."""
    if kind not in Report.Kind.values:
        raise DomainError("Unknown kind of report.", field="kind", code="invalid_kind")
    if subscribed:
        if not user.email:
            raise DomainError(
                "Your account has no e-mail address to send reports to.",
                field="kind",
                code="no_email",
            )
        Subscription.objects.get_or_create(user=user, kind=kind)
    else:
        Subscription.objects.filter(user=user, kind=kind).delete()


def report_deliver(*, report_id: int, generation: int) -> int:
    """E-mail this generation of the report to each subscriber who may see it, once:
    a ReportDelivery row per (report, subscriber, generation) records the sending.
    Returns how many e-mails were sent now."""
    report = Report.objects.select_related("donor", "workplan").get(pk=report_id)
    if report.status != Report.Status.DONE or report.generation != generation:
        return 0
    sent = 0
    for user in report_recipients(report=report):
        with transaction.atomic():
            delivery, _ = ReportDelivery.objects.get_or_create(
                report=report, user=user, generation=generation, defaults={"email": user.email}
            )
            delivery = (
                ReportDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk=delivery.pk, sent_at__isnull=True)
                .first()
            )
            if delivery is None:
                continue  # sent already, or being sent by another run
            _send(report, delivery)
            delivery.sent_at = timezone.now()
            delivery.save(update_fields=["sent_at"])
            sent += 1
    return sent


def _send(report: Report, delivery: ReportDelivery) -> None:
    context = {
        "report": report,
        "portal_name": getattr(settings, "PORTAL_NAME", "CT Portal"),
        "base_url": getattr(settings, "PORTAL_BASE_URL", "").rstrip("/"),
    }
    message = EmailMessage(
        subject=f"{context['portal_name']}: {report}",
        body=render_to_string("reports/email/report_ready.txt", context),
        to=[delivery.email],
    )
    with report.pdf.open("rb") as pdf:
        message.attach(download_name(report, "pdf"), pdf.read(), "application/pdf")
    message.send()
