"""Generating a report under its lock (reports.services.lease): the figures, the PDF and
XLSX made from them, the files stored and published on the record, progress on the way.

An overall disbursement report may be computed as one section per donor in parallel
tasks (report_sections_plan, report_section_store) and assembled by the run that stores
the last one; a report of one donor, or a progress report, is made in one run.

A donor's section task does all of that donor's work: its figures, its pages of the PDF
and its rows of the workbook's long sheets (reports.documents: donor_pdf,
donor_xlsx_parts), kept as files beside the report's until it is published. The assembly
makes the pages and sheets about all the donors (from each section's agreements and its
longest overdue tranches), puts the donors' parts in place and numbers the pages, so that
several workers share nearly all the work. A report made in one run makes the same parts
one after another: the documents are the same either way.
"""

import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from ctportal.exceptions import DomainError
from organisations.models import Organisation
from reports import conf, figures
from reports.documents.pdf import ReportMeta, disbursement_pdf, progress_pdf
from reports.documents.pdf.disbursement import OVERDUE_LISTED, donor_pdf
from reports.documents.xlsx import disbursement_xlsx, progress_xlsx
from reports.documents.xlsx.disbursement import donor_xlsx_parts
from reports.documents.xlsx.parts import SheetPart
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
    """What every page says; generated when this run started, so that the pages made by
    a fanned-out report's several tasks all say the same."""
    return ReportMeta(
        portal_name=getattr(settings, "PORTAL_NAME", "CT Portal"),
        title=report.get_kind_display(),
        scope=report.scope_label,
        period=report.period_label,
        generated_at=timezone.localtime(report.started_at or timezone.now()),
    )


def _parts_name(report: Report, token: str, donor_id: int) -> str:
    """Where one donor's parts of a run's documents wait for the assembly: beside the
    report's files, so the publication's sweep (files_sweep) takes them away."""
    unique = uuid.uuid4().hex[:8]
    return f"reports/{report.pk}/section-{token[:8]}-{donor_id}-{unique}.parts"


@dataclass
class _DonorParts:
    """One donor's parts of the documents: its PDF pages and its rows of the long sheets."""

    pdf: bytes
    xlsx: dict[str, SheetPart]


def _donor_parts(section: figures.DonorSection, meta: ReportMeta, tick) -> _DonorParts:
    return _DonorParts(
        pdf=donor_pdf(section, meta, tick=tick), xlsx=donor_xlsx_parts(section, tick=tick)
    )


def _parts_store(report: Report, token: str, donor_id: int, parts: _DonorParts) -> str:
    """Keep the parts in one file; its name, for the section's record. The file: a line
    of JSON (the PDF's length, each sheet part's rows, widths, styles and length), then
    the PDF, then each sheet part's XML (kept as it is: no JSON escaping to undo)."""
    sheets, blobs = [], [parts.pdf]
    for title, part in parts.xlsx.items():
        about = part.to_json()
        xml = about.pop("xml").encode("utf-8")
        sheets.append({**about, "title": title, "size": len(xml)})
        blobs.append(xml)
    head = json.dumps({"pdf": len(parts.pdf), "sheets": sheets}).encode()
    content = ContentFile(b"".join([head, b"\n", *blobs]))
    return default_storage.save(_parts_name(report, token, donor_id), content)


def _parts_read(name: str) -> _DonorParts:
    with default_storage.open(name, "rb") as handle:
        head, body = handle.read().split(b"\n", 1)
    about = json.loads(head)
    at = about["pdf"]
    pdf, xlsx = body[:at], {}
    for sheet in about["sheets"]:
        xml = body[at : at + sheet["size"]].decode("utf-8")
        at += sheet["size"]
        xlsx[sheet["title"]] = SheetPart.from_json({**sheet, "xml": xml})
    return _DonorParts(pdf=pdf, xlsx=xlsx)


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
    """Compute and keep one donor's section: its figures, and its parts of the documents
    (its PDF pages, its rows of the long sheets) as files. Returns the token the assembly
    runs under when this was the last section missing (exactly one caller gets it), else
    None. Run again (a retry, a duplicate message), it makes and keeps the section anew:
    the record is replaced and the files it named are left to the publication's sweep."""
    report = Report.objects.select_related("donor", "workplan").get(pk=report_id)
    if report.lock_token != token:
        raise LockLost(f"Report {report_id} is no longer held by this run.")
    beat = Heartbeat(report_id=report_id, token=token)
    donor = Organisation.objects.get(pk=donor_id)
    section = figures.donor_section(
        donor=donor, period_start=report.period_start, period_end=report.period_end
    )
    parts = _donor_parts(section, _meta(report), beat)
    beat()
    name = _parts_store(report, token, donor_id, parts)
    data = {"section": section.assembly_copy(OVERDUE_LISTED).to_json(), "parts": name}
    try:
        ReportSection.objects.update_or_create(
            report_id=report_id, donor_id=donor_id, token=token, defaults={"data": data}
        )
    except BaseException:
        files_delete([name])
        raise
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


def _stored_sections(
    report: Report, token: str, meta: ReportMeta, beat: Heartbeat
) -> tuple[list[figures.DonorSection], list[_DonorParts]]:
    """The sections a fanned-out report's tasks stored (the token swap in
    report_section_store moved all of them to this token), in the report's order, and
    each one's parts of the documents. A section stored without parts (by an older
    release) holds every figure, and its parts are made here."""
    stored = []
    for record in ReportSection.objects.filter(report=report, token=token).iterator():
        beat()
        if "parts" in record.data:
            section = figures.DonorSection.from_json(record.data["section"])
            parts = _parts_read(record.data["parts"])
        else:
            section = figures.DonorSection.from_json(record.data)
            parts = _donor_parts(section, meta, beat)
        stored.append((section, parts))
    stored.sort(key=lambda pair: (pair[0].donor_short_name, pair[0].donor_id))
    return [s for s, _ in stored], [p for _, p in stored]


def _disbursement_figures(
    report: Report, token: str, step: Callable[[int], None], beat: Heartbeat
) -> tuple[figures.DisbursementFigures, list[_DonorParts] | None]:
    """The report's figures, and the donors' parts of its documents when its sections'
    tasks made them."""
    parts = None
    if report.donor_id:
        sections = [
            figures.donor_section(
                donor=report.donor, period_start=report.period_start, period_end=report.period_end
            )
        ]
        step(60)
    else:
        # The assembly of a fanned-out report: its sections hold every figure it needs,
        # so it reads no money table and its work does not grow with the donors' figures.
        sections, parts = _stored_sections(report, token, _meta(report), beat)
        if not sections:  # made in this run
            parts = None
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
    data = figures.DisbursementFigures(
        period_start=report.period_start,
        period_end=report.period_end,
        sections=sections,
        overall=report.donor_id is None,
    )
    return data, parts


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
            data, parts = _disbursement_figures(report, token, step, beat)
            step(65)
            _pause(report_id, token, 0.3)
            meta = _meta(report)
            if parts is None:  # made in this run, the donors' parts too
                pdf = disbursement_pdf(data, meta, tick=beat)
                step(80)
                xlsx = disbursement_xlsx(data, meta, tick=beat)
            else:
                pdf = disbursement_pdf(data, meta, tick=beat, donor_pages=[p.pdf for p in parts])
                step(80)
                xlsx = disbursement_xlsx(data, meta, tick=beat, donor_parts=[p.xlsx for p in parts])
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
