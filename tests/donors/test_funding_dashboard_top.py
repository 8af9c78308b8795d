"""At a decade's scale the dashboard cannot list every project: the page shows the
projects with the largest allocations (and only their results), the totals stay those of
every project, and the downloads list them all."""

import csv
import datetime
import io

import pytest
from django.contrib.auth import get_user_model

from donors.models import FundingAgreement
from projects.models import Project
from reports.views_funding import FundingDashboardView
from tests.factories import (
    ActivityFactory,
    ProgressUpdateFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
)
from workplans.models import ProgressUpdate, WorkplanVersion

pytestmark = pytest.mark.django_db

DASHBOARD = "/funding/"


@pytest.fixture
def manager(demo):
    return get_user_model().objects.get(username="manager")


def _codes(table) -> list[str]:
    return sorted({row.cells[0].value for row in table.rows if row.level == 0})


def _download(client, table: str) -> list[list[str]]:
    response = client.get(DASHBOARD, {"export": "csv", "table": table})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_page_shows_the_largest_projects_and_the_downloads_all(client, manager, monkeypatch):
    client.force_login(manager)
    everything = client.get(DASHBOARD).context["tables"]
    all_codes = _codes(everything["projects"])
    assert len(all_codes) == 8
    footer = [[c.value for c in row.cells] for row in everything["projects"].footer]
    monkeypatch.setattr(FundingDashboardView, "PROJECTS_SHOWN", 3)
    monkeypatch.setattr(FundingDashboardView, "RESULTS_PROJECTS_SHOWN", 3)

    page = client.get(DASHBOARD).context["tables"]

    # P6 (Japan, USD 2,545,335) and the two PACT projects (the EU's euros) are the largest.
    assert _codes(page["projects"]) == ["P1-PACT-KP", "P2-PACT-SD", "P6-JP-TOC"]
    assert "Only the rows of the 3 projects with the largest" in page["projects"].notes[0]
    assert "of 8" in page["projects"].notes[0]
    assert [[c.value for c in row.cells] for row in page["projects"].footer] == footer
    assert _codes(page["results"]) == ["P1-PACT-KP", "P2-PACT-SD", "P6-JP-TOC"]
    download = client.get(DASHBOARD, {"export": "csv", "table": "projects"})
    body = b"".join(download.streaming_content) if download.streaming else download.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert {row[0] for row in rows[1:] if row and not row[0].startswith("Total")} == set(all_codes)


def test_results_show_fewer_projects_than_the_money_rows(client, manager, monkeypatch):
    client.force_login(manager)
    monkeypatch.setattr(FundingDashboardView, "RESULTS_PROJECTS_SHOWN", 2)

    page = client.get(DASHBOARD).context["tables"]

    # The projects table keeps its 8 rows; the results only the two largest projects'.
    assert len(_codes(page["projects"])) == 8
    assert _codes(page["results"]) == ["P1-PACT-KP", "P2-PACT-SD"]
    assert "Only the results of the 2 projects with the largest" in page["results"].notes[0]
    assert "of 8" in page["results"].notes[0]
    rows = _download(client, "results")
    assert len({row[0] for row in rows[1:] if row and row[0].startswith("P")}) >= 8


def test_the_page_shows_the_largest_agreements_and_the_download_all(client, manager, monkeypatch):
    client.force_login(manager)
    everything = client.get(DASHBOARD).context["tables"]["agreements"]
    footer = [[c.value for c in row.cells] for row in everything.footer]
    agreements = list(FundingAgreement.objects.order_by("-amount_usd", "reference"))
    assert len(agreements) > 2
    assert sorted(row.cells[0].value for row in everything.rows) == sorted(
        a.reference for a in agreements
    )
    monkeypatch.setattr(FundingDashboardView, "AGREEMENTS_SHOWN", 2)

    table = client.get(DASHBOARD).context["tables"]["agreements"]

    assert sorted(row.cells[0].value for row in table.rows) == sorted(
        a.reference for a in agreements[:2]
    )
    assert table.notes[0] == (
        f"Only the 2 agreements with the largest commitments (USD) are shown here, of "
        f"{len(agreements)}; the CSV and XLSX downloads list them all."
    )
    assert [[c.value for c in row.cells] for row in table.footer] == footer
    listed = {row[0] for row in _download(client, "agreements")[1:] if row}
    assert {a.reference for a in agreements} <= listed


def test_the_page_shows_the_quarters_of_the_latest_workplans(client, manager, monkeypatch):
    # The demo's workplan runs 2022-23; a later one has verified progress in its first quarter.
    project = Project.objects.filter(allocations__isnull=False).order_by("code").first()
    later = WorkplanFactory(
        code="WP-LATER",
        period_start=datetime.date(2023, 7, 1),
        period_end=datetime.date(2024, 6, 30),
    )
    version = WorkplanVersionFactory(workplan=later, status=WorkplanVersion.Status.APPROVED)
    activity = ActivityFactory(version=version, project=project)
    ProgressUpdateFactory(activity=activity, state=ProgressUpdate.State.VERIFIED, quarter=1)
    client.force_login(manager)
    everything = client.get(DASHBOARD).context["tables"]["quarter_status"]
    labels = [row.cells[0].value for row in everything.rows]
    assert labels[0] == "WP-LATER Q1 (Jul-Sep 2023)"  # in order of code
    assert len(labels) > 1
    assert everything.notes == [
        "Only verified progress updates count; drafts and submitted updates do not."
    ]
    monkeypatch.setattr(FundingDashboardView, "WORKPLANS_SHOWN", 1)

    response = client.get(DASHBOARD)
    table = response.context["tables"]["quarter_status"]

    assert [row.cells[0].value for row in table.rows] == ["WP-LATER Q1 (Jul-Sep 2023)"]
    assert [c.value for c in table.rows[0].cells] == [c.value for c in everything.rows[0].cells]
    assert table.notes[0] == (
        "Only the quarters of the 1 latest workplans are shown here, of 2; the CSV and XLSX "
        "downloads list them all."
    )
    assert response.context["charts"]["quarter_status"]["labels"] == [labels[0]]
    downloaded = [row[0] for row in _download(client, "quarter_status")[1:] if row]
    assert downloaded == labels
