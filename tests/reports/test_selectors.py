from unittest import mock

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from organisations.models import Organisation
from reports import services
from reports.models import Report
from reports.selectors import report_list
from reports.services import generating, requesting
from tests.reports.conftest import MONTH
from workplans.models import Workplan

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(users):
    """The overall report, Japan's and GAC's, and the workplan's Q4 progress report."""
    made = {}
    with (
        mock.patch.object(requesting, "_enqueue"),
        mock.patch.object(generating, "_enqueue_delivery"),
    ):
        for key, kwargs in {
            "overall": {"kind": "disbursement", "month": MONTH},
            "japan": {
                "kind": "disbursement",
                "donor": Organisation.objects.get(short_name="Japan"),
                "month": MONTH,
            },
            "gac": {
                "kind": "disbursement",
                "donor": Organisation.objects.get(short_name="GAC"),
                "month": MONTH,
            },
            "progress": {"kind": "progress", "workplan": Workplan.objects.get(), "quarter": 4},
        }.items():
            report = services.report_request(user=users["manager"], **kwargs)
            made[key] = services.report_generate(report_id=report.pk)
    return made


def _keys(reports, user) -> set[str]:
    visible = set(report_list(user=user).values_list("pk", flat=True))
    return {key for key, report in reports.items() if report.pk in visible}


def test_managers_see_every_report(users, reports):
    assert _keys(reports, users["manager"]) == {"overall", "japan", "gac", "progress"}
    assert _keys(reports, users["admin"]) == {"overall", "japan", "gac", "progress"}


def test_a_donor_sees_its_own_donor_reports_and_progress_of_workplans_it_funds(users, reports):
    # GAC's money reaches the SP-IV workplan (P7-GAC-CT); Japan's does not.
    assert _keys(reports, users["donor_canada"]) == {"gac", "progress"}
    assert _keys(reports, users["donor_japan"]) == {"japan"}
    assert _keys(reports, users["donor_inl"]) == {"progress"}


def test_counterparts_and_the_secretariat_see_progress_reports_only(users, reports):
    assert _keys(reports, users["nacta"]) == {"progress"}
    assert _keys(reports, users["ewg"]) == {"progress"}


def test_a_donor_cannot_open_or_download_another_donors_report_on_the_pages(client, users, reports):
    client.force_login(users["donor_japan"])
    gac = reports["gac"]
    for name in ("report-detail", "report-status", "report-pdf", "report-xlsx"):
        response = client.get(reverse(f"reports:{name}", args=[gac.pk]))
        assert response.status_code == 404, name
    overall = reports["overall"]
    assert client.get(reverse("reports:report-pdf", args=[overall.pk])).status_code == 404

    page = client.get(reverse("reports:report-list"))
    assert page.status_code == 200
    assert f'data-report="{reports["japan"].pk}"' in page.text
    assert f'data-report="{gac.pk}"' not in page.text
    assert "Generate now" in page.text  # its own donor's report (test_requesting_roles)

    own = client.get(reverse("reports:report-pdf", args=[reports["japan"].pk]))
    assert own.status_code == 200
    assert own["Content-Type"] == "application/pdf"
    assert "attachment" in own["Content-Disposition"]
    assert b"".join(own.streaming_content).startswith(b"%PDF")


def test_a_donor_cannot_read_or_download_another_donors_report_through_the_api(users, reports):
    api = APIClient()
    api.force_authenticate(users["donor_japan"])
    gac = reports["gac"]
    assert api.get(f"/api/v1/reports/{gac.pk}/").status_code == 404
    assert api.get(f"/api/v1/reports/{gac.pk}/pdf").status_code == 404
    assert api.get(f"/api/v1/reports/{gac.pk}/xlsx").status_code == 404
    listed = api.get("/api/v1/reports/").json()
    assert {r["id"] for r in listed["results"]} == {reports["japan"].pk}

    own = api.get(f"/api/v1/reports/{reports['japan'].pk}/xlsx")
    assert own.status_code == 200
    assert own["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_api_starts_a_report_for_a_manager_and_refuses_anyone_else(
    users, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(users["nacta"])
    refused = api.post("/api/v1/reports/", {"kind": "disbursement", "month": MONTH}, format="json")
    assert refused.status_code == 403
    api.force_authenticate(users["donor_canada"])
    refused = api.post("/api/v1/reports/", {"kind": "disbursement", "month": MONTH}, format="json")
    assert refused.status_code == 400  # the overall report: its own donor's only
    assert list(refused.json()["error"]["fields"]) == ["donor"]
    assert not Report.objects.exists()

    api.force_authenticate(users["manager"])
    with (
        mock.patch("reports.tasks.report_generate_task.apply_async") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        started = api.post(
            "/api/v1/reports/", {"kind": "disbursement", "month": MONTH}, format="json"
        )
    assert started.status_code == 202, started.content
    body = started.json()
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["scope"] == "All donors"
    assert body["period"] == "June 2025"
    assert body["pdf"] is None
    delay.assert_called_once_with(kwargs={"report_id": body["id"], "generation": 1})

    polled = api.get(f"/api/v1/reports/{body['id']}/").json()
    assert polled["status"] == "queued"

    bad = api.post("/api/v1/reports/", {"kind": "progress"}, format="json")
    assert bad.status_code == 400
    assert "workplan" in bad.json()["error"]["fields"]


def test_the_api_polls_a_finished_report_with_its_file_links(users, reports):
    api = APIClient()
    api.force_authenticate(users["manager"])
    body = api.get(f"/api/v1/reports/{reports['progress'].pk}/").json()
    assert body["status"] == "done"
    assert body["progress"] == 100
    assert body["pdf"].endswith(f"/api/v1/reports/{reports['progress'].pk}/pdf")
    pdf = api.get(body["pdf"])
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_a_manager_generates_from_the_page_and_sees_the_progress_fragment(
    client, users, django_capture_on_commit_callbacks
):
    client.force_login(users["manager"])
    page = client.get(reverse("reports:report-list"))
    assert "Generate now" in page.text

    with (
        mock.patch("reports.tasks.report_generate_task.apply_async"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("reports:report-list"), {"kind": "progress", "workplan": "", "quarter": ""}
        )
        assert response.status_code == 400
        assert "Choose the workplan." in response.text
        response = client.post(
            reverse("reports:report-list"),
            {"kind": "disbursement", "donor": "", "month": MONTH},
        )
    assert response.status_code == 302
    report = Report.objects.get()
    fragment = client.get(reverse("reports:report-status", args=[report.pk]))
    assert 'hx-trigger="every 2s"' in fragment.text
    assert 'role="progressbar"' in fragment.text

    Report.objects.filter(pk=report.pk).update(status="failed", failure_reason="Disk full")
    fragment = client.get(reverse("reports:report-status", args=[report.pk]))
    assert "hx-trigger" not in fragment.text
    assert "Disk full" in fragment.text


def test_the_report_list_page_has_a_fixed_query_count(client, users, reports):
    client.force_login(users["manager"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as four:
        client.get(reverse("reports:report-list"))
    Report.objects.exclude(pk=reports["overall"].pk).delete()
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("reports:report-list"))
    assert len(one) == len(four)
