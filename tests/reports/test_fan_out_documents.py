"""An overall report fanned out per donor makes the same documents as one made in one run:
each donor's task makes its pages of the PDF and its rows of the long sheets, the assembly
puts them in place and numbers the pages. Checked on the demo data through the Celery
tasks (eager: the tasks run in this process, in turn), page by page of the PDF's text and
cell by cell of the workbook; and still so when a section's task fails and is retried,
runs twice, or works longer than the report's lease."""

import datetime
import io
import re
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import services, tasks
from reports.models import Report, ReportSection
from reports.services import generating, requesting
from tests.reports.conftest import MONTH
from tests.reports.services_support import _files_on_disk, _generate

pytestmark = pytest.mark.django_db

GENERATED = re.compile(r"Generated \d{2} \w{3} \d{4} \d{2}:\d{2} \(\w+\)")
DONORS = 4  # in the demo data


@pytest.fixture
def eager():
    """Celery runs each task where it is sent, at once (retries too): the whole fan-out,
    every section then the assembly, within one apply()."""
    from ctportal.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def _request(user) -> Report:
    with mock.patch.object(requesting, "_enqueue"):
        return services.report_request(kind="disbursement", month=MONTH, user=user)


def _fan_out(report: Report, on_commit) -> Report:
    """Run the report through its tasks; the publication's on-commit work (the sweep of
    files no record names) runs too."""
    with on_commit(execute=True), mock.patch.object(generating, "_enqueue_delivery"):
        result = tasks.report_generate_task.apply(
            kwargs={"report_id": report.pk, "generation": report.generation}
        )
    assert result.get() == f"fanned out to {DONORS} donors"
    report.refresh_from_db()
    return report


def _documents(report: Report) -> tuple[list[str], dict]:
    """(the PDF's text page by page, the workbook cell by cell), read now: the next run
    of the report replaces its files."""
    with report.pdf.open("rb") as handle:
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages]
    with report.xlsx.open("rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    return pages, _cells(book)


def _cells(book) -> dict:
    """Every sheet's layout and every cell's value, type and style."""
    sheets = {}
    for sheet in book.worksheets:
        cells = [
            [
                (
                    c.coordinate,
                    c.value,
                    c.data_type,
                    c.number_format,
                    c.font.b,
                    c.fill.fgColor.rgb,
                    c.alignment.wrap_text,
                    c.quotePrefix,
                )
                for c in row
            ]
            for row in sheet.iter_rows()
        ]
        widths = {k: d.width for k, d in sheet.column_dimensions.items()}
        layout = (sheet.auto_filter.ref, sheet.freeze_panes, sheet.print_title_rows, widths)
        sheets[sheet.title] = (layout, cells)
    return sheets


def _same_documents(fanned: tuple, one_run: tuple) -> None:
    """The same pages (but the minute each run started, in the header) and cells (but
    that minute, on the About sheet)."""
    fanned_pages, fanned_cells = fanned
    pages, cells = one_run
    assert len(fanned_pages) == len(pages) > DONORS
    for number, (a, b) in enumerate(zip(fanned_pages, pages, strict=True), start=1):
        assert GENERATED.sub("Generated -", a) == GENERATED.sub("Generated -", b), number
    assert list(fanned_cells) == list(cells)
    for name in cells:
        if name == "About":
            generated = [r for r in cells[name][1] if r[0][1] == "Generated"]
            assert len(generated) == 1
            drop = {generated[0][1][0]}  # B5, when the run started
            a = [[c for c in r if c[0] not in drop] for r in fanned_cells[name][1]]
            b = [[c for c in r if c[0] not in drop] for r in cells[name][1]]
            assert (fanned_cells[name][0], a) == (cells[name][0], b)
        else:
            assert fanned_cells[name] == cells[name], name


def _one_run(user) -> tuple:
    return _documents(_generate(kind="disbursement", month=MONTH, user=user))


def _every_page_has_its_header_and_number(report: Report, pages: list[str]) -> None:
    generated = f"Generated {timezone.localtime(report.started_at):%d %b %Y %H:%M (%Z)}"
    for number, text in enumerate(pages, start=1):
        assert text.startswith("CT Portal"), number
        assert "Monthly disbursement report" in text, number
        assert "Scope: All donors    Period: June 2025" in text, number
        assert generated in text, number
        assert f"Page {number} of {len(pages)}" in text, number


def test_the_fanned_out_documents_are_the_one_run_documents(
    eager, users, django_capture_on_commit_callbacks
):
    report = _fan_out(_request(users["manager"]), django_capture_on_commit_callbacks)

    assert report.status == Report.Status.DONE, report.failure_reason
    assert (report.attempts, report.progress) == (1, 100)
    fanned = _documents(report)
    _every_page_has_its_header_and_number(report, fanned[0])
    # Each donor's pages start on a page of their own, made by the donor's task.
    starts = [i for i, p in enumerate(fanned[0]) if ": agreements and projects" in p]
    assert len(starts) >= DONORS
    # The parts the tasks stored went with the publication; no section is left.
    assert _files_on_disk(report) == sorted(
        name.split("/")[-1] for name in (report.pdf.name, report.xlsx.name)
    )
    assert not ReportSection.objects.exists()
    _same_documents(fanned, _one_run(users["manager"]))


def test_a_section_task_that_fails_and_is_retried_still_makes_one_whole_report(
    eager, users, django_capture_on_commit_callbacks
):
    real = generating._parts_store
    calls = []

    def fails_once_after_writing(report, token, donor_id, parts):
        calls.append(donor_id)
        name = real(report, token, donor_id, parts)  # the file is written, its record not
        if len(calls) == 2:
            raise OperationalError("the database went away")
        return name

    queued = _request(users["manager"])
    with mock.patch.object(generating, "_parts_store", fails_once_after_writing):
        report = _fan_out(queued, django_capture_on_commit_callbacks)

    assert report.status == Report.Status.DONE, report.failure_reason
    assert len(calls) == DONORS + 1  # the second donor's task ran twice
    assert calls[1] == calls[2]
    assert report.attempts == 1  # the report's run went on: only the section was retried
    # The file the failed attempt wrote went with the publication's sweep.
    assert len(_files_on_disk(report)) == 2
    _same_documents(_documents(report), _one_run(users["manager"]))


def test_a_section_run_twice_is_stored_once_and_the_report_assembled_once(users):
    report = _request(users["manager"])
    token = services.report_claim(report_id=report.pk).token
    donors = services.report_sections_plan(report_id=report.pk, token=token)

    def store(donor_id, with_token=token):
        return services.report_section_store(
            report_id=report.pk, token=with_token, donor_id=donor_id
        )

    assert [store(d) for d in donors[:-1]] == [None] * (DONORS - 1)
    assert store(donors[0]) is None  # a duplicate message: the section made anew, kept once
    assert ReportSection.objects.filter(report=report, token=token).count() == DONORS - 1
    assembly = store(donors[-1])
    assert assembly
    with pytest.raises(services.LockLost):  # a duplicate after the assembly took over
        store(donors[1])
    with mock.patch.object(generating, "_enqueue_delivery"):
        done = services.report_generate(report_id=report.pk, token=assembly)

    assert done.status == Report.Status.DONE
    _same_documents(_documents(done), _one_run(users["manager"]))


def test_a_section_that_fails_for_good_fails_the_report_and_the_next_request_is_whole(
    eager, users, django_capture_on_commit_callbacks
):
    real = generating.donor_pdf
    broken = {"first": True}

    def fails_for_the_second_donor(section, meta, **kwargs):
        if section.donor_short_name == "GAC" and broken["first"]:
            broken["first"] = False
            raise ValueError("a page could not be drawn")
        return real(section, meta, **kwargs)

    with mock.patch.object(generating, "donor_pdf", fails_for_the_second_donor):
        failed = _fan_out(_request(users["manager"]), django_capture_on_commit_callbacks)
    assert failed.status == Report.Status.FAILED
    assert failed.failure_reason == "ValueError: a page could not be drawn"
    assert not broken["first"]

    report = _fan_out(_request(users["manager"]), django_capture_on_commit_callbacks)
    assert (report.status, report.generation) == (Report.Status.DONE, 2)
    _same_documents(_documents(report), _one_run(users["manager"]))


# --- The lease is held while a section works ------------------------------------------

LEASE = 60


class Clock:
    def __init__(self):
        self.current = timezone.now()

    def now(self) -> datetime.datetime:
        return self.current


@pytest.fixture
def clock(settings):
    settings.REPORTS_LOCK_LEASE_SECONDS = LEASE
    clock = Clock()
    with mock.patch("django.utils.timezone.now", clock.now):
        yield clock


def _slow_work(clock, per_step: float, on_step=lambda: None):
    """A donor's parts made at `per_step` seconds of the clock per page and per row."""
    real = generating._donor_parts

    def slow(section, meta, tick):
        def step():
            clock.current += datetime.timedelta(seconds=per_step)
            on_step()
            tick()

        return real(section, meta, step)

    return mock.patch.object(generating, "_donor_parts", slow)


def test_a_section_working_longer_than_the_lease_keeps_it(users, clock):
    report = _request(users["manager"])
    token = services.report_claim(report_id=report.pk).token
    donors = services.report_sections_plan(report_id=report.pk, token=token)
    started = clock.now()

    with _slow_work(clock, per_step=LEASE):
        services.report_section_store(report_id=report.pk, token=token, donor_id=donors[0])

    assert clock.now() - started > datetime.timedelta(seconds=2 * LEASE)
    sweep = services.reports_sweep(now=clock.now())
    assert (sweep.requeued, sweep.failed) == ([], [])
    held = Report.objects.get(pk=report.pk)
    assert (held.lock_token, held.status) == (token, Report.Status.RUNNING)
    assert held.lease_expires_at > clock.now()
    assert ReportSection.objects.filter(report=report, token=token).count() == 1


def test_a_section_whose_report_another_run_took_over_stops_and_keeps_nothing(users, clock):
    report = _request(users["manager"])
    token = services.report_claim(report_id=report.pk).token
    donors = services.report_sections_plan(report_id=report.pk, token=token)

    def taken_over():
        Report.objects.filter(pk=report.pk).update(lock_token="another run")

    with (
        _slow_work(clock, per_step=LEASE / 2, on_step=taken_over),
        pytest.raises(services.LockLost),
    ):
        services.report_section_store(report_id=report.pk, token=token, donor_id=donors[0])

    assert not ReportSection.objects.exists()
    assert not [n for n in _files_on_disk(report) if n.endswith(".parts")]


def test_parts_left_by_a_dead_run_go_with_the_next_publication(
    users, django_capture_on_commit_callbacks
):
    report = _request(users["manager"])
    token = services.report_claim(report_id=report.pk).token
    donors = services.report_sections_plan(report_id=report.pk, token=token)
    services.report_section_store(report_id=report.pk, token=token, donor_id=donors[0])
    assert len([n for n in _files_on_disk(report) if n.endswith(".parts")]) == 1
    # The run dies; its lease runs out; a new run makes the report in one go.
    Report.objects.filter(pk=report.pk).update(lease_expires_at=timezone.now())

    with (
        django_capture_on_commit_callbacks(execute=True),
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        done = services.report_generate(report_id=report.pk)

    assert done.status == Report.Status.DONE
    assert len(_files_on_disk(done)) == 2
    assert default_storage.exists(done.pdf.name)
