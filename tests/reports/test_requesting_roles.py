"""Who may ask for a report, on the reports page (the API's side is in the permission
matrix, tests/api/test_permissions_matrix_writes.py): managers any; a donor viewer the
disbursement report of its own donor only, refused on the field for anything else."""

from unittest import mock

import pytest
from django.urls import reverse
from lxml import html

from organisations.models import Organisation
from reports.models import Report
from tests.reports.conftest import MONTH
from workplans.models import Workplan

pytestmark = pytest.mark.django_db

REFUSED = "A donor viewer may request only its own donor&#x27;s disbursement report."


def _post(client, data):
    with mock.patch("reports.tasks.report_generate_task.apply_async"):
        return client.post(reverse("reports:report-list"), data)


def test_a_donor_is_offered_only_its_own_disbursement_report(client, users):
    client.force_login(users["donor_japan"])
    page = html.fromstring(client.get(reverse("reports:report-list")).text)
    (form,) = page.xpath("//section[@aria-labelledby='generate-heading']//form")
    assert form.xpath(".//button[text()='Generate now']")
    kinds = form.xpath(".//select[@name='kind']/option/@value")
    donors = form.xpath(".//select[@name='donor']/option")
    assert kinds == ["disbursement"]
    japan = Organisation.objects.get(short_name="Japan")
    assert [(o.get("value"), o.text) for o in donors] == [(str(japan.pk), "Japan")]
    assert donors[0].get("selected") is not None
    assert not form.xpath(".//select[@name='workplan']")
    # Nothing on the page names another donor.
    text = page.text_content()
    for other in Organisation.objects.filter(kind="donor").exclude(pk=japan.pk):
        assert other.short_name not in text


def test_a_donor_requests_its_own_donors_report_from_the_page(
    client, users, django_capture_on_commit_callbacks
):
    client.force_login(users["donor_japan"])
    japan = Organisation.objects.get(short_name="Japan")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, {"kind": "disbursement", "donor": japan.pk, "month": MONTH})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.kind, report.donor, report.requested_by) == (
        "disbursement",
        japan,
        users["donor_japan"],
    )
    assert f"{report.period_start:%Y-%m}" == MONTH


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "disbursement", "donor": "GAC", "month": MONTH}, "donor"),
        ({"kind": "disbursement", "donor": "", "month": MONTH}, "donor"),
        ({"kind": "progress", "workplan": "the workplan", "quarter": "1"}, "kind"),
    ],
    ids=["another donor", "overall", "progress"],
)
def test_a_donor_asking_for_more_is_refused_on_the_field_and_nothing_is_queued(
    client, users, data, field
):
    client.force_login(users["donor_japan"])
    if data.get("donor") == "GAC":
        data = {**data, "donor": Organisation.objects.get(short_name="GAC").pk}
    if "workplan" in data:
        data = {**data, "workplan": Workplan.objects.get().pk}
    response = _post(client, data)
    assert response.status_code == 400
    page = html.fromstring(response.text)
    errors = page.xpath(f"//*[@id='id_{field}']/ancestor::div[1]//*[contains(@class,'invalid')]")
    assert REFUSED.replace("&#x27;", "'") in " ".join(e.text_content() for e in errors)
    assert "GAC" not in page.xpath("string(//select[@name='donor'])")
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", ["nacta", "ewg", "admin"])
def test_roles_that_never_request_reports_are_refused_a_403(client, users, role):
    client.force_login(users[role])
    response = _post(client, {"kind": "disbursement", "donor": "", "month": MONTH})
    assert response.status_code == 403
    assert not Report.objects.exists()
