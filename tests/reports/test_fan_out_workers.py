"""An overall report fanned out between two real Celery workers (separate processes on
Redis): each donor's task makes that donor's pages and rows wherever it runs, the
assembly reads them from storage, and the documents are those of one run in this
process, page by page and cell by cell."""

import re

import pytest

from reports import services
from reports.models import Report, ReportSection
from tests.reports.conftest import MONTH, wait_for
from tests.reports.test_fan_out_documents import DONORS, _documents, _one_run, _same_documents

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_two_workers_make_the_documents_one_run_makes(start_worker, users):
    workers = [start_worker(), start_worker()]

    report = services.report_request(kind="disbursement", month=MONTH, user=users["manager"])
    report = wait_for(report.pk, until=lambda r: r.status in ("done", "failed"), timeout=120)

    assert report.status == Report.Status.DONE, report.failure_reason
    assert report.attempts == 1
    assert not ReportSection.objects.exists()
    sections = [
        len(re.findall(r"report_section_task\[[^]]+\] succeeded", w.log.read_text()))
        for w in workers
    ]
    assert sum(sections) == DONORS
    print(f"\nsections per worker: {sections}")
    fanned = _documents(report)
    _same_documents(fanned, _one_run(users["manager"]))
