"""At a decade's scale the dashboard cannot list every project: the page shows the
projects with the largest allocations (and only their results), the totals stay those of
every project, and the downloads list them all."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model

from reports.views_funding import FundingDashboardView

pytestmark = pytest.mark.django_db

DASHBOARD = "/funding/"


@pytest.fixture
def manager(demo):
    return get_user_model().objects.get(username="manager")


def _codes(table) -> list[str]:
    return sorted({row.cells[0].value for row in table.rows if row.level == 0})


def test_the_page_shows_the_largest_projects_and_the_downloads_all(client, manager, monkeypatch):
    client.force_login(manager)
    everything = client.get(DASHBOARD).context["tables"]
    all_codes = _codes(everything["projects"])
    assert len(all_codes) == 8
    footer = [[c.value for c in row.cells] for row in everything["projects"].footer]
    monkeypatch.setattr(FundingDashboardView, "PROJECTS_SHOWN", 3)

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
