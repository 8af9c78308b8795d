"""Generating a report under its lock (reports.services.lease): the figures, the PDF and
XLSX made from them, the files stored and published on the record, progress on the way.

An overall disbursement report may be computed as one section per donor in parallel
tasks (report_sections_plan, report_section_store) and assembled by the run that stores
the last one; a report of one donor, or a progress report, is made in one run.
"""

import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Organisation
from reports import conf, figures
from reports.documents.pdf import ReportMeta, disbursement_pdf, progress_pdf
from reports.documents.xlsx import disbursement_xlsx, progress_xlsx
from reports.models import Report, ReportSection
from reports.services.files import files_delete, files_sweep, stored_file_name
from reports.services.lease import (
    Heartbeat,
    LockLost,
    failure_reason,
    report_claim,
    report_fail,
    report_follow_up_start,
    report_progress,
    report_release,
)
from reports.services.report_alerts import report_ready_alert
from reports.signals import report_published

logger = logging.getLogger(__name__)

# Worth another try later: the database or the disk was unavailable for a moment.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)


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
    report: Report, token: str, step: Callable[[int], None], beat: Heartbeat
) -> figures.DisbursementFigures:
    if report.donor_id:
        sections = [
            figures.donor_section(
                donor=report.donor, period_start=report.period_start, period_end=report.period_end
            )
        ]
        step(60)
    else:
        sections = [
            figures.DonorSection.from_json(s.data)
            for s in ReportSection.objects.filter(report=report, token=token).iterator()
        ]
        if sections:
            # The assembly of a fanned-out report: its sections hold every figure (the
            # token swap in report_section_store moved all of them to this token), so it
            # reads no money table and its work does not grow with the donors' figures.
            sections.sort(key=lambda s: (s.donor_short_name, s.donor_id))
        else:
            donors = figures.disbursement_donors(period_end=report.period_end)
            for index, donor in enumerate(donors, start=1):
                beat()
                sections.append(
                    figures.donor_section(
                        donor=donor,
                        period_start=report.period_start,
                        period_end=report.period_end,
                    )
                )
                step(5 + 55 * index // len(donors))
    return figures.DisbursementFigures(
        period_start=report.period_start,
        period_end=report.period_end,
        sections=sections,
        overall=report.donor_id is None,
    )


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

        beat = Heartbeat(report_id=report_id, token=token)
        step(max(report.progress, 2))
        _pause(report_id, token, 0.3)
        if report.kind == Report.Kind.DISBURSEMENT:
            data = _disbursement_figures(report, token, step, beat)
            step(65)
            _pause(report_id, token, 0.3)
            meta = _meta(report)
            pdf = disbursement_pdf(data, meta, tick=beat)
            step(80)
            xlsx = disbursement_xlsx(data, meta, tick=beat)
        else:
            data = figures.progress_figures(workplan=report.workplan, quarter=report.quarter)
            step(40)
            _pause(report_id, token, 0.3)
            meta = _meta(report)
            pdf = progress_pdf(data, meta, tick=beat)
            step(75)
            xlsx = progress_xlsx(data, meta, tick=beat)
        step(90)
        _pause(report_id, token, 0.4)
        for content, extension in ((pdf, "pdf"), (xlsx, "xlsx")):
            written.append(
                default_storage.save(
                    stored_file_name(report, token, extension), ContentFile(content)
                )
            )
        return _publish(report_id=report_id, token=token, pdf=written[0], xlsx=written[1])
    except LockLost:
        files_delete(written)
        raise
    except TRANSIENT_ERRORS:
        files_delete(written)
        report_release(report_id=report_id, token=token)
        raise
    except Exception as error:
        files_delete(written)
        logger.exception("Report %s failed", report_id)
        report_fail(report_id=report_id, token=token, reason=failure_reason(error))
        raise


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
    report_ready_alert(report=report)
    ReportSection.objects.filter(report_id=report_id).delete()
    keep = {pdf, xlsx}
    generation = report.generation
    transaction.on_commit(lambda: files_sweep(report_id, keep))
    transaction.on_commit(lambda: _enqueue_delivery(report_id, generation))
    # Asked for again while it ran: the follow-up generation is queued (and is the one
    # e-mailed; this generation's delivery then finds itself superseded).
    report_follow_up_start(report_id=report_id)
    return report


def _enqueue_delivery(report_id: int, generation: int) -> None:
    report_published.send(sender=Report, report_id=report_id, generation=generation)
