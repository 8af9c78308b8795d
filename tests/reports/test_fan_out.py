"""An overall disbursement report fanned out per donor: the sections, in parallel tasks, do
the figures' work; the assembly only reads the stored sections and writes the documents,
so it reads no money table and makes the same queries whatever the number of donors, and
a second worker shortens the report by the sections' share."""

import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import figures, services
from reports.models import Report, ReportSection
from reports.services import generating, requesting
from tests.reports.conftest import MONTH, rows, workbook
from tests.reports.services_support import _generate

# The tables a donor's figures are computed from.
MONEY_TABLES = {
    "donors_fundingagreement",
    "donors_allocation",
    "donors_disbursement",
    "projects_expenditure",
    "projects_budgetline",
}


def _tables(sql: str) -> set[str]:
    return set(re.findall(r'(?:FROM|JOIN) "(\w+)"', sql))


@pytest.fixture
def queued(users):
    with mock.patch.object(requesting, "_enqueue"):
        return services.report_request(kind="disbursement", month=MONTH, user=users["manager"])


def _sections_stored(report: Report) -> str:
    """Plan and store every donor's section, as the parallel tasks do; the assembly's token."""
    claim = services.report_claim(report_id=report.pk)
    donors = services.report_sections_plan(report_id=report.pk, token=claim.token)
    tokens = [
        services.report_section_store(report_id=report.pk, token=claim.token, donor_id=d)
        for d in donors
    ]
    assert len(donors) == 4
    assert tokens[:3] == [None, None, None]
    return tokens[3]


@pytest.mark.django_db
def test_the_assembly_reads_no_money_table_and_computes_no_donor_figures(queued):
    assembly = _sections_stored(queued)

    with (
        CaptureQueriesContext(connection) as queries,
        mock.patch.object(figures, "donor_section", side_effect=AssertionError("computed")),
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        done = services.report_generate(report_id=queued.pk, token=assembly)

    assert done.status == Report.Status.DONE
    read = set().union(*(_tables(q["sql"]) for q in queries.captured_queries))
    assert read & MONEY_TABLES == set()
    assert ReportSection.objects.filter(report=queued).count() == 0


@pytest.mark.django_db
def test_the_assembly_makes_as_many_queries_for_one_stored_section_as_for_four(queued, users):
    assembly = _sections_stored(queued)
    with (
        CaptureQueriesContext(connection) as four,
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        services.report_generate(report_id=queued.pk, token=assembly)

    with mock.patch.object(requesting, "_enqueue"):
        again = services.report_request(kind="disbursement", month="2025-05", user=users["manager"])
    assembly = _sections_stored(again)
    first = ReportSection.objects.filter(report=again).order_by("pk").first()
    ReportSection.objects.filter(report=again).exclude(pk=first.pk).delete()
    with (
        CaptureQueriesContext(connection) as one,
        mock.patch.object(figures, "donor_section", side_effect=AssertionError("computed")),
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        done = services.report_generate(report_id=again.pk, token=assembly)

    assert len(one.captured_queries) == len(four.captured_queries)
    assert [r[0] for r in rows(workbook(done)["Summary USD"])[1:-1]] == [first.donor.name]


@pytest.mark.django_db
def test_a_fanned_out_report_holds_the_same_figures_as_one_made_in_one_run(queued, users):
    assembly = _sections_stored(queued)
    with mock.patch.object(generating, "_enqueue_delivery"):
        fanned = workbook(services.report_generate(report_id=queued.pk, token=assembly))
    one_run = workbook(_generate(kind="disbursement", month=MONTH, user=users["manager"]))

    assert fanned.sheetnames == one_run.sheetnames
    for name in fanned.sheetnames[1:]:  # the About sheet says when each was made
        assert rows(fanned[name]) == rows(one_run[name]), name
