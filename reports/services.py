"""Writes for reports: request one, generate it under a lock, store its files, send it.

The lock is a lease on the Report row, taken and kept by compare-and-set UPDATEs (the
same on PostgreSQL and SQLite): a run claims a queued record (or a running one whose
lease has expired, as after its worker was killed) by writing a fresh `lock_token`; every
progress step pushes the lease forward only while the token is still its own; the files
are published only by an UPDATE that names the token. So one record never has two live
runs, and a run that lost its lock publishes nothing.
"""

import datetime
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations import access
from organisations.models import Organisation
from reports import conf, figures
from reports.documents.pdf import ReportMeta, disbursement_pdf, progress_pdf
from reports.documents.xlsx import disbursement_xlsx, progress_xlsx
from reports.models import Report, ReportDelivery, ReportSection, Subscription
from reports.periods import Period, month_parse, workplan_quarter
from reports.signals import report_published, report_queued
from workplans.models import Workplan

logger = logging.getLogger(__name__)

# Worth another try later: the database or the disk was unavailable for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)


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


# --- Requesting ----------------------------------------------------------------------


def can_request_reports(user) -> bool:
    return access.is_manager(user)


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
    one running under a live lease is left alone. `user` None means the schedule.
    """
    if user is not None:
        access.require(can_request_reports(user), "Only programme managers request reports.")
    period = _scope_and_period(
        kind=kind, donor=donor, workplan=workplan, month=month, quarter=quarter
    )
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
        report._change_reason = "requested again"
        report.save()
    _enqueue(report)
    return report


# --- The lock ------------------------------------------------------------------------


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


# --- Generating ----------------------------------------------------------------------


def _pause(report_id: int, token: str, share: float) -> None:
    """Tests slow generation down (REPORTS_TEST_DELAY_SECONDS) to kill a worker midway;
    the lease is renewed every second meanwhile, as real work does at each step."""
    delay = conf.test_delay_seconds() * share
    while delay > 0:
        time.sleep(min(delay, 1.0))
        delay -= 1.0
        report_progress(report_id=report_id, token=token, percent=_current(report_id))


def _current(report_id: int) -> int:
    return Report.objects.filter(pk=report_id).values_list("progress", flat=True).first() or 0


def _meta(report: Report) -> ReportMeta:
    return ReportMeta(
        portal_name=getattr(settings, "PORTAL_NAME", "CT Portal"),
        title=report.get_kind_display(),
        scope=report.scope_label,
        period=report.period_label,
        generated_at=timezone.localtime(),
    )


def report_sections_plan(*, report_id: int, token: str) -> list[int]:
    """The donors whose sections an overall disbursement report is made of; records how
    many the assembly waits for."""
    report = Report.objects.get(pk=report_id)
    donors = [d.pk for d in figures.disbursement_donors(period_end=report.period_end)]
    updated = Report.objects.filter(pk=report_id, lock_token=token).update(
        parts_expected=len(donors)
    )
    if not updated:
        raise LockLost(f"Report {report_id} is no longer held by this run.")
    report_progress(report_id=report_id, token=token, percent=5)
    return donors


def report_section_store(*, report_id: int, token: str, donor_id: int) -> str | None:
    """Compute and keep one donor's section. Returns the token the assembly runs under
    when this was the last section missing (exactly one caller gets it), else None."""
    report = Report.objects.get(pk=report_id)
    if report.lock_token != token:
        raise LockLost(f"Report {report_id} is no longer held by this run.")
    donor = Organisation.objects.get(pk=donor_id)
    section = figures.donor_section(
        donor=donor, period_start=report.period_start, period_end=report.period_end
    )
    ReportSection.objects.update_or_create(
        report_id=report_id, donor_id=donor_id, token=token, defaults={"data": section.to_json()}
    )
    done = ReportSection.objects.filter(report_id=report_id, token=token).count()
    expected = max(report.parts_expected, 1)
    report_progress(report_id=report_id, token=token, percent=5 + 75 * done // expected)
    if done < expected:
        return None
    # The last two sections may finish together: the token swap lets only one assemble.
    assembly_token = uuid.uuid4().hex
    if Report.objects.filter(pk=report_id, lock_token=token).update(lock_token=assembly_token):
        ReportSection.objects.filter(report_id=report_id, token=token).update(token=assembly_token)
        return assembly_token
    return None


def _disbursement_figures(
    report: Report, token: str, step: Callable[[int], None]
) -> figures.DisbursementFigures:
    if report.donor_id:
        sections = [
            figures.donor_section(
                donor=report.donor, period_start=report.period_start, period_end=report.period_end
            )
        ]
        step(60)
    else:
        stored = {
            s.donor_id: figures.DonorSection.from_json(s.data)
            for s in ReportSection.objects.filter(report=report, token=token)
        }
        donors = figures.disbursement_donors(period_end=report.period_end)
        sections = []
        for index, donor in enumerate(donors, start=1):
            section = stored.get(donor.pk) or figures.donor_section(
                donor=donor, period_start=report.period_start, period_end=report.period_end
            )
            sections.append(section)
            if donor.pk not in stored:
                step(5 + 55 * index // len(donors))
    return figures.DisbursementFigures(
        period_start=report.period_start,
        period_end=report.period_end,
        sections=sections,
        overall=report.donor_id is None,
    )


def _file_name(report: Report, token: str, extension: str) -> str:
    scope = (
        report.workplan.code
        if report.workplan_id
        else report.donor.short_name
        if report.donor_id
        else "all-donors"
    )
    period = (
        f"{report.period_start:%Y-%m}"
        if report.kind == Report.Kind.DISBURSEMENT
        else f"q{report.quarter}"
    )
    slug = "".join(c if c.isalnum() or c == "-" else "-" for c in f"{scope}-{period}").lower()
    return f"reports/{report.pk}/{report.kind}-{slug}-g{report.generation}-{token[:8]}.{extension}"


def download_name(report: Report, extension: str) -> str:
    """The name a downloaded file gets: portal, kind, scope, period."""
    name = _file_name(report, "x" * 8, extension).split("/")[-1]
    return "ctportal-" + name.replace(f"-g{report.generation}-xxxxxxxx", "")


def _sweep(report_id: int, keep: set[str]) -> None:
    """Delete every file of the report but the current ones (older generations, and what
    a run killed between writing and publishing left behind)."""
    folder = f"reports/{report_id}"
    try:
        _, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        path = f"{folder}/{name}"
        if path not in keep:
            default_storage.delete(path)


def report_generate(*, report_id: int, token: str | None = None) -> Report:
    """Build the report's PDF and XLSX from the selectors' figures, store them, and publish
    them on the record (replacing the previous generation's files), with progress on the
    way. Claims the record unless `token` already holds it. Transient errors give the
    lock back and propagate (the task retries); a final error marks the report failed."""
    if token is None:
        claim = report_claim(report_id=report_id)
        if not claim.claimed:
            raise DomainError(
                "This report is being generated by another run or is not queued.",
                code="report_not_claimable",
            )
        token = claim.token
    written: list[str] = []
    try:
        report = Report.objects.select_related("donor", "workplan").get(pk=report_id)

        def step(percent: int) -> None:
            report_progress(report_id=report_id, token=token, percent=percent)

        step(max(report.progress, 2))
        _pause(report_id, token, 0.3)
        if report.kind == Report.Kind.DISBURSEMENT:
            data = _disbursement_figures(report, token, step)
            step(65)
            _pause(report_id, token, 0.3)
            meta = _meta(report)
            pdf = disbursement_pdf(data, meta)
            step(80)
            xlsx = disbursement_xlsx(data, meta)
        else:
            data = figures.progress_figures(workplan=report.workplan, quarter=report.quarter)
            step(40)
            _pause(report_id, token, 0.3)
            meta = _meta(report)
            pdf = progress_pdf(data, meta)
            step(75)
            xlsx = progress_xlsx(data, meta)
        step(90)
        _pause(report_id, token, 0.4)
        for content, extension in ((pdf, "pdf"), (xlsx, "xlsx")):
            written.append(
                default_storage.save(_file_name(report, token, extension), ContentFile(content))
            )
        return _publish(report_id=report_id, token=token, pdf=written[0], xlsx=written[1])
    except LockLost:
        _delete(written)
        raise
    except TRANSIENT_ERRORS:
        _delete(written)
        report_release(report_id=report_id, token=token)
        raise
    except Exception as error:
        _delete(written)
        logger.exception("Report %s failed", report_id)
        report_fail(report_id=report_id, token=token, reason=failure_reason(error))
        raise


def _delete(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not delete %s", name)


@transaction.atomic
def _publish(*, report_id: int, token: str, pdf: str, xlsx: str) -> Report:
    """Point the record at its new files, iff this run still holds it; old files go once
    that is committed, and the subscribers' e-mails are queued then too."""
    now = timezone.now()
    updated = Report.objects.filter(
        pk=report_id, lock_token=token, status=Report.Status.RUNNING
    ).update(
        status=Report.Status.DONE,
        progress=100,
        pdf=pdf,
        xlsx=xlsx,
        finished_at=now,
        failure_reason="",
        lock_token="",
        lease_expires_at=None,
    )
    if not updated:
        raise LockLost(f"Report {report_id} is no longer held by this run.")
    report = Report.objects.select_related("donor", "workplan").get(pk=report_id)
    Report.history.bulk_history_create([report], update=True, default_change_reason="generated")
    ReportSection.objects.filter(report_id=report_id).delete()
    keep = {pdf, xlsx}
    generation = report.generation
    transaction.on_commit(lambda: _sweep(report_id, keep))
    transaction.on_commit(lambda: _enqueue_delivery(report_id, generation))
    return report


def _enqueue_delivery(report_id: int, generation: int) -> None:
    report_published.send(sender=Report, report_id=report_id, generation=generation)


# --- Sending -------------------------------------------------------------------------


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
    from reports.selectors import report_recipients

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


# --- Schedules -----------------------------------------------------------------------


def reports_request_previous_month(*, today: datetime.date | None = None) -> list[Report]:
    """The schedule's monthly run: the overall disbursement report of the previous month
    and one per donor owed one (see figures.donors_active_in)."""
    from reports.periods import previous_month

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
    from reports.periods import previous_quarter
    from workplans.models import WorkplanVersion

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
